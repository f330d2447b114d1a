"""OpenSim coordinates <-> the MuJoCo dofs of the twin: chain-rule expansion, virtual-work projection."""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import mujoco
import numpy as np


@dataclasses.dataclass(frozen=True)
class Dof:
  """One MuJoCo dof (a hinge or slide of the twin): its value is fn(q[coord])."""

  name: str
  coord: int  # index into CoordinateMap.coords
  fn: object  # jaxid.models.osim.functions callable: x -> (f, f', f'')


@dataclasses.dataclass(frozen=True)
class Ball:
  """A MuJoCo ball joint for an OpenSim BallJoint: body-fixed X-Y-Z angles q[coords], speeds the
  angular velocity in the parent frame (OpenSim 4.6); rbc (9,) the child offset's rotation."""

  name: str
  coords: tuple[int, int, int]
  rbc: tuple[float, ...]


def _axis_quat(angle, k: int):
  """Angles (...,) about unit axis k -> quaternions (..., 4) w x y z."""
  h = 0.5 * angle
  parts = [jnp.cos(h), *(jnp.sin(h) if i == k else jnp.zeros_like(h) for i in range(3))]
  return jnp.stack(parts, axis=-1)


def _qmul(a, b):
  """Quaternion product (..., 4) x (..., 4) -> (..., 4)."""
  w1, v1, w2, v2 = a[..., :1], a[..., 1:], b[..., :1], b[..., 1:]
  w = w1 * w2 - jnp.sum(v1 * v2, axis=-1, keepdims=True)
  return jnp.concatenate([w, w1 * v2 + w2 * v1 + jnp.cross(v1, v2)], axis=-1)


def _rot(angle, k: int):
  """Angles (...,) about unit axis k -> rotation matrices (..., 3, 3)."""
  c, s = jnp.cos(angle), jnp.sin(angle)
  i, j = (k + 1) % 3, (k + 2) % 3
  m = jnp.zeros((*jnp.shape(angle), 3, 3)).at[..., k, k].set(1.0)
  m = m.at[..., i, i].set(c).at[..., j, j].set(c)
  return m.at[..., j, i].set(s).at[..., i, j].set(-s)


def _ball(b: Ball, q):
  """q (..., ncoord) -> the ball's quaternion (..., 4) in the body frame and the map (..., 3, 3)
  from OpenSim's speeds (angular velocity in the parent frame) to MuJoCo's (in the body frame)."""
  a = [q[..., c] for c in b.coords]
  rbc = jnp.asarray(b.rbc).reshape(3, 3)
  rfm = _rot(a[0], 0) @ _rot(a[1], 1) @ _rot(a[2], 2)
  qfm = _qmul(_qmul(_axis_quat(a[0], 0), _axis_quat(a[1], 1)), _axis_quat(a[2], 2))
  qbc = _rot_quat(np.asarray(b.rbc).reshape(3, 3))
  conj = qbc * np.array([1.0, -1.0, -1.0, -1.0])
  quat = _qmul(_qmul(jnp.broadcast_to(qbc, qfm.shape), qfm), jnp.broadcast_to(conj, qfm.shape))
  return quat, rbc @ jnp.swapaxes(rfm, -1, -2)


def _rot_quat(rot) -> np.ndarray:
  """Rotation (3, 3) -> quaternion (4,) w x y z (MuJoCo's conversion)."""
  out = np.zeros(4)
  mujoco.mju_mat2Quat(out, np.ascontiguousarray(rot, float).ravel())
  return out


@dataclasses.dataclass(frozen=True)
class CoordinateMap:
  """OpenSim coordinates (OpenSim's CoordinateSet order) and the MuJoCo dofs (qpos order)."""

  coords: tuple[str, ...]
  rotational: tuple[bool, ...]  # MotionType Rotational: degrees in files, a _moment column
  dofs: tuple[Dof | Ball, ...]  # MuJoCo joint order
  id_order: tuple[int, ...] = ()  # OpenSim's ID output order (multibody tree), () = coords'

  @property
  def names(self) -> tuple[str, ...]:
    """The coordinates' names (as jaxid.io.coordinates.CoordinateMap.names): coords."""
    return self.coords

  @property
  def columns(self) -> tuple[str, ...]:
    """OpenSim's ID output labels in coords order: <coord>_moment for a Rotational coordinate,
    <coord>_force otherwise (Translational and Coupled, as InverseDynamicsTool labels them)."""
    return tuple(c + ("_moment" if r else "_force") for c, r in zip(self.coords, self.rotational))

  @property
  def order(self) -> tuple[int, ...]:
    """Indices into coords in the order OpenSim's InverseDynamicsTool writes its columns."""
    return self.id_order or tuple(range(len(self.coords)))

  @property
  def id_columns(self) -> tuple[str, ...]:
    """columns in OpenSim's ID output order (order): the header of its .sto."""
    return tuple(self.columns[i] for i in self.order)

  def expand(self, q, qd, qdd):
    """Coordinates (..., ncoord) x3 -> MuJoCo qpos (..., nq), qvel, qacc (..., nv): chain rule."""
    q, qd, qdd = jnp.asarray(q), jnp.asarray(qd), jnp.asarray(qdd)
    pos, vel, acc = [], [], []
    for d in self.dofs:
      if isinstance(d, Ball):
        quat, local = _ball(d, q)
        idx = jnp.asarray(d.coords)
        pos.append(quat)
        vel.append(jnp.einsum("...ij,...j->...i", local, qd[..., idx]))
        acc.append(jnp.einsum("...ij,...j->...i", local, qdd[..., idx]))
      else:
        f, f1, f2 = d.fn(q[..., d.coord])
        v = qd[..., d.coord]
        pos.append(f[..., None])
        vel.append((f1 * v)[..., None])
        acc.append((f2 * v * v + f1 * qdd[..., d.coord])[..., None])
    return tuple(jnp.concatenate(x, axis=-1) for x in (pos, vel, acc))

  def jacobian(self, q):
    """q (..., ncoord) -> d(MuJoCo qvel)/d(coordinate speeds) (..., nv, ncoord)."""
    q = jnp.asarray(q)
    eye = jnp.eye(len(self.coords))
    rows = []
    for d in self.dofs:
      if isinstance(d, Ball):
        _, local = _ball(d, q)
        rows.append(jnp.einsum("...ij,jc->...ic", local, eye[jnp.asarray(d.coords)]))
      else:
        rows.append((d.fn(q[..., d.coord])[1][..., None] * eye[d.coord])[..., None, :])
    return jnp.concatenate(rows, axis=-2)

  def project(self, tau_dofs, q):
    """Dof forces (..., nv) -> coordinate moments/forces (..., ncoord): J^T tau (virtual work)."""
    return jnp.einsum("...k,...kc->...c", jnp.asarray(tau_dofs), self.jacobian(q))

"""OpenSim coordinate names <-> MuJoCo qpos, and generalized forces back to OpenSim's names.

A CoordinateMap says which OpenSim coordinate drives each MuJoCo joint:

- hinge and slide joints: one coordinate each, by default the joint's own name (the bundled
  model is named like gait2392 / Rajagopal), optionally with a scale (qpos = scale * value, e.g.
  -1 when an axis points the other way);
- the free root joint: six coordinates, by default pelvis_tx, pelvis_ty, pelvis_tz (the pelvis
  origin in OpenSim's ground, y up) and pelvis_tilt, pelvis_list, pelvis_rotation (OpenSim's
  body-fixed Z-X-Y sequence, about ground's z, then x, then y, in a y-up frame), converted to
  MuJoCo's z-up world with (x, y, z)_OpenSim -> (x, -z, y)_MuJoCo. The quaternion is
  jaxid.sample.pelvis_quat(tilt, list, rotation) times the joint's qpos0 orientation (identity
  for the bundled model: OpenSim's zero pose is the model's default pose);
- joints coupled by an active MuJoCo joint equality (``<equality><joint polycoef=...>``, how
  MyoLeg expresses OpenSim's CoordinateCouplerConstraints) may be left out of the file: their
  value follows the polynomial of the independent joint.

Models provide their own names with a name map {mujoco joint: coordinate name | (name, scale) |
None}; for the free joint, a 6-tuple (tx, ty, tz, tilt, list, rotation). Joints missing from a
partial map keep their own names; None leaves a joint out (held at qpos0, no output column).

A model whose world is not x forward, y left, z up gives its ground rotation: the 3x3 rotation
G with v_MuJoCo = G v_OpenSim (default OS_TO_MJ; MyoLeg, which faces -y, has MYOLEG_GROUND).
It applies to the pelvis translations and rotation axes, the generalized forces and the GRFs.
The free joint's quaternion is q(G) q_OpenSim q(G)^-1 q_offset, q_offset the joint's qpos0
orientation (its pose at zero OpenSim coordinates); the pelvis origin is the free body's origin.

Each option comes from the argument, else the model's attribute (``coordinate_names``,
``opensim_ground``, ``opensim_root_offset``), else the registry by MJCF model name
(``register_name_map``), else the default.
"""

from __future__ import annotations

import dataclasses

import mujoco
import numpy as np

from jaxid import filters
from jaxid.errors import InputError
from jaxid.sample import pelvis_quat
from jaxid.types import Kinematics

PELVIS = ("pelvis_tx", "pelvis_ty", "pelvis_tz", "pelvis_tilt", "pelvis_list", "pelvis_rotation")
# OpenSim lists the pelvis rotations first in its coordinate files.
PELVIS_FILE_ORDER = (3, 4, 5, 0, 1, 2)
# (x, y, z)_OpenSim -> (x, -z, y)_MuJoCo: v_mj = OS_TO_MJ @ v_os (a rotation, det +1).
OS_TO_MJ = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
# MyoLeg (myo-sim) faces -y: OpenSim x (forward) -> -y, y (up) -> z, z (right) -> -x. Its pelvis
# body sits in the root body rotated by this matrix (quat 0.5, 0.5, -0.5, -0.5).
MYOLEG_GROUND = np.array([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
MYOLEG_MODEL_NAME = "myotorso_attach"  # the MJCF model name of myo-sim's composed myolegs


def _pelvis_axes(ground):
  """Axes of OpenSim's pelvis sequence (ground z, x, y) in MuJoCo's frame."""
  ground = np.asarray(ground, np.float64)
  return (ground[:, 2], ground[:, 0], ground[:, 1])


# The bundled model's axes; see sample.pelvis_quat.
PELVIS_AXES_MJ = _pelvis_axes(OS_TO_MJ)

NAME_MAPS: dict[str, dict] = {}


def register_name_map(
  model_name: str, mapping: dict | None = None, ground=None, root_offset=None
) -> None:
  """Defaults for models whose MJCF model name is model_name: a name map, a ground rotation
  (v_MuJoCo = ground @ v_OpenSim) and a root offset quaternion; None keeps the default."""
  NAME_MAPS[model_name] = {
    "name_map": None if mapping is None else dict(mapping),
    "ground": ground,
    "root_offset": root_offset,
  }


register_name_map(MYOLEG_MODEL_NAME, ground=MYOLEG_GROUND)


def model_ground(model) -> np.ndarray:
  """The model's ground rotation (v_MuJoCo = G v_OpenSim): its opensim_ground attribute, else the
  registry's, else OS_TO_MJ."""
  m = getattr(model, "mj_model", model)
  g = getattr(model, "opensim_ground", None)
  if g is None:
    g = NAME_MAPS.get(bytes(m.names).split(b"\0", 1)[0].decode(), {}).get("ground")
  return _check_ground(OS_TO_MJ if g is None else g)


def _check_ground(ground) -> np.ndarray:
  g = np.asarray(ground, np.float64)
  if (
    g.shape != (3, 3) or not np.allclose(g @ g.T, np.eye(3), atol=1e-9) or not np.linalg.det(g) > 0
  ):
    raise InputError(
      f"ground: expected a 3x3 rotation matrix (v_MuJoCo = ground @ v_OpenSim),"
      f" got {np.asarray(ground).tolist()}."
    )
  return g


def os_to_mj(v):
  """OpenSim ground vectors (..., 3), y up, to MuJoCo's world, z up: (x, y, z) -> (x, -z, y)."""
  v = np.asarray(v, np.float64)
  return np.stack([v[..., 0], -v[..., 2], v[..., 1]], axis=-1)


def mj_to_os(v):
  """MuJoCo world vectors (..., 3) to OpenSim ground: (x, y, z) -> (x, z, -y)."""
  v = np.asarray(v, np.float64)
  return np.stack([v[..., 0], v[..., 2], -v[..., 1]], axis=-1)


@dataclasses.dataclass(frozen=True)
class Coordinate:
  """One OpenSim coordinate: where it lives in the MuJoCo model.

  kind: "rotational" (rad; degrees in files with inDegrees=yes) or "translational" (m).
  free: -1 for a hinge/slide joint, else the index 0..5 in PELVIS order of a free joint's part.
  qpos, dof: addresses of the joint's value (hinge/slide) or of the free joint's first entry.
  scale: qpos = scale * value for hinge/slide joints.
  """

  name: str
  joint: str
  kind: str
  qpos: int
  dof: int
  scale: float = 1.0
  free: int = -1

  @property
  def force_label(self) -> str:
    """OpenSim Inverse Dynamics' column: <name>_moment (N m) or <name>_force (N)."""
    return f"{self.name}_{'moment' if self.kind == 'rotational' else 'force'}"


@dataclasses.dataclass(frozen=True)
class Coupling:
  """qpos[qpos] = qpos0[qpos] + poly(qpos[source] - qpos0[source]) (MuJoCo joint equality)."""

  joint: str
  qpos: int
  source: int  # qpos address of the independent joint, -1 for a constant
  polycoef: tuple[float, ...]
  dof: int = -1
  source_dof: int = -1


class CoordinateMap:
  """OpenSim coordinates of a model; see the module docstring.

  coordinates: in file order (pelvis rotations, pelvis translations, then the model's joints);
  names: their names; coupled: joints that follow an equality when absent from the file.
  """

  def __init__(self, mj_model, coordinates, coupled, free_qpos0, ground=OS_TO_MJ):
    """coordinates: Coordinate list; coupled: (Coordinate, Coupling) pairs; free_qpos0: the
    free joint's offset quaternion (None without one); ground: v_MuJoCo = ground @ v_OpenSim."""
    self.mj_model = mj_model
    self.ground = _check_ground(ground)
    self._axes = _pelvis_axes(self.ground)
    self.coordinates = tuple(coordinates)
    self.coupled_coordinates = tuple(c for c, _ in coupled)
    self.coupled = tuple(cp for _, cp in coupled)
    self.qpos0 = np.array(mj_model.qpos0, np.float64)
    self._free_offset = free_qpos0  # (4,) qpos0 quaternion of the free joint, or None
    self._index = {c.name: i for i, c in enumerate(self.coordinates)}
    self.layout = filters.JointLayout.from_model(mj_model)

  # -- construction ---------------------------------------------------------------------------

  @classmethod
  def from_model(
    cls, model, name_map: dict | None = None, ground=None, root_offset=None
  ) -> CoordinateMap:
    """From a jaxid Model or MjModel; options as in the module docstring."""
    m = getattr(model, "mj_model", model)
    registered = NAME_MAPS.get(bytes(m.names).split(b"\0", 1)[0].decode(), {})

    def option(value, attr, key):
      if value is None:
        value = getattr(model, attr, None)
      return registered.get(key) if value is None else value

    name_map = dict(option(name_map, "coordinate_names", "name_map") or {})
    ground = option(ground, "opensim_ground", "ground")
    ground = OS_TO_MJ if ground is None else ground
    root_offset = option(root_offset, "opensim_root_offset", "root_offset")
    joints = {m.joint(j).name for j in range(m.njnt)}
    unknown = sorted(set(name_map) - joints)
    if unknown:
      raise InputError(
        f"name_map: joints {unknown} are not in the model; its joints are {sorted(joints)}."
      )
    dependent = _joint_couplings(m)
    pelvis, joints_, coupled, free_q0 = [], [], [], None
    for j in range(m.njnt):
      name, kind = m.joint(j).name, int(m.jnt_type[j])
      qa, va = int(m.jnt_qposadr[j]), int(m.jnt_dofadr[j])
      entry = name_map.get(name, name if kind != mujoco.mjtJoint.mjJNT_FREE else PELVIS)
      if entry is None:
        continue
      if kind == mujoco.mjtJoint.mjJNT_FREE:
        if free_q0 is not None:
          raise InputError(
            "model: more than one free joint; map the others' coordinates with"
            " name_map or set them to None."
          )
        names = tuple(entry)
        if len(names) != 6:
          raise InputError(
            f"name_map[{name!r}]: a free joint needs six coordinate names (tx, ty,"
            f" tz, tilt, list, rotation), got {entry!r}."
          )
        free_q0 = np.array(
          m.qpos0[qa + 3 : qa + 7] if root_offset is None else root_offset, np.float64
        )
        free_q0 = free_q0 / np.linalg.norm(free_q0)
        for i in PELVIS_FILE_ORDER:
          k = "rotational" if i >= 3 else "translational"
          pelvis.append(Coordinate(names[i], name, k, qa, va, 1.0, i))
      elif kind == mujoco.mjtJoint.mjJNT_BALL:
        raise InputError(
          f"model: ball joint {name!r} has no OpenSim coordinates; set"
          f" name_map[{name!r}] = None to hold it at qpos0."
        )
      else:
        cname, scale = (entry, 1.0) if isinstance(entry, str) else (entry[0], float(entry[1]))
        k = "rotational" if kind == mujoco.mjtJoint.mjJNT_HINGE else "translational"
        coord = Coordinate(cname, name, k, qa, va, scale)
        if j in dependent:
          src, poly = dependent[j]
          source = int(m.jnt_qposadr[src]) if src >= 0 else -1
          source_dof = int(m.jnt_dofadr[src]) if src >= 0 else -1
          coupled.append((coord, Coupling(name, qa, source, poly, va, source_dof)))
        else:
          joints_.append(coord)
    out = cls(m, pelvis + joints_, coupled, free_q0, ground)
    names = [c.name for c in out.coordinates + out.coupled_coordinates]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
      raise InputError(f"name_map: coordinate names {dup} are used by more than one joint.")
    return out

  # -- frames -----------------------------------------------------------------------------------

  def os_to_mj(self, v) -> np.ndarray:
    """OpenSim ground vectors (..., 3) in the model's MuJoCo world: ground @ v."""
    return np.asarray(v, np.float64) @ self.ground.T + 0.0

  def mj_to_os(self, v) -> np.ndarray:
    return np.asarray(v, np.float64) @ self.ground + 0.0

  # -- names ------------------------------------------------------------------------------------

  @property
  def names(self) -> tuple[str, ...]:
    return tuple(c.name for c in self.coordinates)

  @property
  def all_coordinates(self) -> tuple[Coordinate, ...]:
    """Independent coordinates, then the coupled ones."""
    return self.coordinates + self.coupled_coordinates

  @property
  def rotational(self) -> np.ndarray:
    """(n,) bool: which coordinates are angles."""
    return np.array([c.kind == "rotational" for c in self.coordinates])

  def index(self, name: str) -> int:
    return self._index[name]

  # -- coordinates -> qpos ----------------------------------------------------------------------

  def to_qpos(self, values, xp=np, coupled_values: dict | None = None):
    """qpos (T, nq) from coordinate values (T, n) in self.names order (rad, m).

    xp: numpy or jax.numpy (differentiable in values). coupled_values: {name: (T,)} for coupled
    joints given by the file; the others follow their equality's polynomial.
    """
    values = xp.asarray(values)
    n = values.shape[0]
    cols: list = [None] * self.mj_model.nq
    free = {}
    for i, c in enumerate(self.coordinates):
      if c.free >= 0:
        free[c.free] = values[:, i]
        base = c.qpos
      else:
        cols[c.qpos] = values[:, i] * c.scale
    if free:
      pos = _stack_rows([free[0], free[1], free[2]], xp)
      pos = pos @ xp.asarray(self.ground.T, dtype=values.dtype)
      quat = _pelvis_quat_xp(free[3], free[4], free[5], xp, self.ground)
      quat = _quat_mul_xp(quat, xp.asarray(self._free_offset, dtype=values.dtype), xp)
      for k in range(3):
        cols[base + k] = pos[:, k]
      for k in range(4):
        cols[base + 3 + k] = quat[:, k]
    given = dict(coupled_values or {})
    pending = list(zip(self.coupled_coordinates, self.coupled, strict=True))
    while pending:
      progress = False
      for item in list(pending):
        coord, cp = item
        if coord.name in given:
          cols[cp.qpos] = xp.asarray(given[coord.name], dtype=values.dtype) * coord.scale
        elif cp.source >= 0 and cols[cp.source] is None and _is_coupled(self, cp.source):
          continue
        else:
          src = cols[cp.source] if cp.source >= 0 else None
          if cp.source >= 0 and src is None:
            src = xp.full((n,), self.qpos0[cp.source], dtype=values.dtype)
          dx = src - self.qpos0[cp.source] if cp.source >= 0 else 0.0
          val = cp.polycoef[0] + 0.0 * values[:, 0]
          for p, a in enumerate(cp.polycoef[1:], start=1):
            val = val + a * dx**p
          cols[cp.qpos] = self.qpos0[cp.qpos] + val
        pending.remove(item)
        progress = True
      if not progress:
        raise InputError(
          "model: joint equality constraints form a cycle; cannot resolve"
          f" {[c.joint for c, _ in pending]}."
        )
    for q in range(self.mj_model.nq):
      if cols[q] is None:
        cols[q] = xp.full((n,), self.qpos0[q], dtype=values.dtype)
    return xp.stack(cols, axis=1)

  # -- qpos -> coordinates ----------------------------------------------------------------------

  def from_qpos(self, qpos) -> np.ndarray:
    """Coordinate values (T, n) in self.names order (rad, m) from qpos (T, nq), NumPy."""
    qpos = np.atleast_2d(np.asarray(qpos, np.float64))
    out = np.zeros((qpos.shape[0], len(self.coordinates)))
    for i, c in enumerate(self.coordinates):
      if c.free < 0:
        out[:, i] = qpos[:, c.qpos] / c.scale
      elif c.free < 3:
        out[:, i] = (qpos[:, c.qpos : c.qpos + 3] @ self.ground)[:, c.free]
      else:
        out[:, i] = self._pelvis_angles(qpos[:, c.qpos + 3 : c.qpos + 7])[:, c.free - 3]
    return out

  def coupled_from_qpos(self, qpos) -> np.ndarray:
    """Values (T, ncoupled) of the coupled coordinates, in coupled_coordinates order."""
    qpos = np.atleast_2d(np.asarray(qpos, np.float64))
    return (
      np.stack([qpos[:, c.qpos] / c.scale for c in self.coupled_coordinates], axis=1)
      if self.coupled_coordinates
      else np.zeros((qpos.shape[0], 0))
    )

  def _pelvis_angles(self, quat) -> np.ndarray:
    """(tilt, list, rotation) from the free joint's quaternions (T, 4)."""
    quat = quat / np.linalg.norm(quat, axis=1, keepdims=True)
    off_inv = self._free_offset * np.array([1.0, -1.0, -1.0, -1.0])
    out = np.zeros((quat.shape[0], 3))
    for t, q in enumerate(quat):
      r = np.zeros(4)
      mujoco.mju_mulQuat(r, q, off_inv)
      mat = np.zeros(9)
      mujoco.mju_quat2Mat(mat, r)
      rot = self.ground.T @ mat.reshape(3, 3) @ self.ground  # OpenSim's: Rz(a) Rx(b) Ry(c)
      out[t, 0] = np.arctan2(-rot[0, 1], rot[1, 1])
      out[t, 1] = np.arcsin(np.clip(rot[2, 1], -1.0, 1.0))
      out[t, 2] = np.arctan2(-rot[2, 0], rot[2, 2])
    return out

  # -- generalized forces -----------------------------------------------------------------------

  def generalized_forces(self, qpos, qfrc, project: bool = True) -> tuple[list[str], np.ndarray]:
    """(labels, values (T, n)): MuJoCo generalized forces (T, nv) as OpenSim's ID output.

    Hinge/slide: scale * qfrc[dof] as <name>_moment (N m) / <name>_force (N). Free joint:
    pelvis_t{x,y,z}_force is the world force (MuJoCo's translational dofs) in OpenSim's ground
    axes; pelvis_{tilt,list,rotation}_moment is the moment about the pelvis origin (MuJoCo's
    local rotational dofs, rotated to the world) projected on each Euler axis, tau_i = M . a_i,
    so that sum_i tau_i dq_i equals MuJoCo's virtual power qfrc . qvel.

    project: each coupled joint adds p'(x) times its entry to the joint it follows and gets no
    column: the generalized force on the independent coordinates, G' qfrc with G = dq/dq_indep
    (for MyoLeg, OpenSim's knee_angle moment; G' J' = 0 removes the joint equality's constraint
    force, whatever its solref). project=False: every joint's own entry, coupled ones as extra
    columns.
    """
    qpos = np.atleast_2d(np.asarray(qpos, np.float64))
    qfrc = np.array(np.atleast_2d(np.asarray(qfrc, np.float64)), copy=True)
    if project:
      qfrc = self.project_coupled(qpos, qfrc)
    coords = self.coordinates if project else self.all_coordinates
    out = np.zeros((qpos.shape[0], len(coords)))
    axes = moment = None
    for i, c in enumerate(coords):
      if c.free < 0:
        out[:, i] = qfrc[:, c.dof] * c.scale
      elif c.free < 3:
        out[:, i] = (qfrc[:, c.dof : c.dof + 3] @ self.ground)[:, c.free]
      else:
        if axes is None:
          axes = self._pelvis_axes(qpos[:, c.qpos + 3 : c.qpos + 7])
          moment = _rotate(qpos[:, c.qpos + 3 : c.qpos + 7], qfrc[:, c.dof + 3 : c.dof + 6])
        out[:, i] = np.sum(moment * axes[c.free - 3], axis=1)
    return [c.force_label for c in coords], out

  def project_coupled(self, qpos, qfrc) -> np.ndarray:
    """G' qfrc: coupled joints' entries moved onto the joints they follow (then zero)."""
    qpos = np.atleast_2d(np.asarray(qpos, np.float64))
    out = np.array(np.atleast_2d(np.asarray(qfrc, np.float64)), copy=True)
    by_qpos = {cp.qpos: cp for cp in self.coupled}

    def depth(cp):
      return 0 if cp.source not in by_qpos else 1 + depth(by_qpos[cp.source])

    for cp in sorted(self.coupled, key=depth, reverse=True):  # chains: outermost first
      if cp.source >= 0:
        x = qpos[:, cp.source] - self.qpos0[cp.source]
        c = cp.polycoef
        dp = c[1] + x * (2 * c[2] + x * (3 * c[3] + x * 4 * c[4]))
        out[:, cp.source_dof] += dp * out[:, cp.dof]
      out[:, cp.dof] = 0.0
    return out

  def _pelvis_axes(self, quat):
    """World (z-up) axes of tilt, list and rotation at each frame: (3, T, 3)."""
    ang = self._pelvis_angles(quat)
    axes = self._axes
    a1 = np.broadcast_to(axes[0], (len(ang), 3))
    q_tilt = _axis_quat(axes[0], ang[:, 0])
    q_tl = _quat_mul_xp(q_tilt, _axis_quat(axes[1], ang[:, 1]), np)
    a2 = _rotate(q_tilt, np.broadcast_to(axes[1], (len(ang), 3)))
    a3 = _rotate(q_tl, np.broadcast_to(axes[2], (len(ang), 3)))
    return np.stack([a1, a2, a3])

  # -- kinematics -------------------------------------------------------------------------------

  def kinematics(
    self,
    values,
    dt: float,
    cutoff=filters.DEFAULT_CUTOFF,
    order: int = filters.DEFAULT_ORDER,
    coupled_values: dict | None = None,
  ):
    """Kinematics from coordinate values (T, n), NumPy: filter the coordinates (as OpenSim's
    ID tool does), build qpos, then finite differences on the manifold."""
    values = filters.filtfilt(values, dt, cutoff, order)
    if coupled_values:
      coupled_values = {
        k: filters.filtfilt(v, dt, cutoff, order) for k, v in coupled_values.items()
      }
    qpos = self.to_qpos(values, np, coupled_values)
    return Kinematics(
      qpos, filters.velocities(self.layout, qpos, dt), filters.accelerations(self.layout, qpos, dt)
    )

  def kinematics_jax(
    self, values, dt: float, cutoff=filters.DEFAULT_CUTOFF, order: int = filters.DEFAULT_ORDER
  ):
    """The same in JAX, differentiable in values (dt, cutoff, order static; trace under jit)."""
    import jax.numpy as jnp

    values = filters.filtfilt_jax(jnp.asarray(values), dt, cutoff, order)
    qpos = self.to_qpos(values, jnp)
    return Kinematics(
      qpos,
      filters.velocities(self.layout, qpos, dt, jnp),
      filters.accelerations(self.layout, qpos, dt, jnp),
    )


def _is_coupled(cmap: CoordinateMap, qpos_adr: int) -> bool:
  return any(cp.qpos == qpos_adr for cp in cmap.coupled)


def _joint_couplings(m) -> dict:
  """{dependent joint id: (independent joint id or -1, polycoef)} of active joint equalities."""
  out = {}
  for e in range(m.neq):
    if int(m.eq_type[e]) != int(mujoco.mjtEq.mjEQ_JOINT) or not bool(m.eq_active0[e]):
      continue
    j1, j2 = int(m.eq_obj1id[e]), int(m.eq_obj2id[e])
    out[j1] = (j2, tuple(float(v) for v in m.eq_data[e, :5]))
  return out


def _stack_rows(cols, xp):
  return xp.stack(cols, axis=1)


def _quat_mul_xp(p, q, xp):
  return filters._quat_mul(p, q, xp)


def _axis_quat(axis, angle):
  angle = np.asarray(angle, np.float64)
  return np.concatenate(
    [np.cos(angle / 2)[:, None], np.sin(angle / 2)[:, None] * np.asarray(axis)[None]], axis=1
  )


def _pelvis_quat_xp(tilt, list_, rotation, xp, ground=OS_TO_MJ):
  """Vectorised jaxid.sample.pelvis_quat (NumPy or JAX; tested equal to it), for any ground
  rotation: the same sequence about ground @ (z, x, y)."""
  axes = _pelvis_axes(ground)

  def axis_quat(axis, angle):
    c, s = xp.cos(angle / 2), xp.sin(angle / 2)
    return xp.stack([c] + [s * float(a) for a in axis], axis=-1)

  q = filters._quat_mul(axis_quat(axes[0], tilt), axis_quat(axes[1], list_), xp)
  return filters._quat_mul(q, axis_quat(axes[2], rotation), xp)


def _rotate(quat, v):
  """Rotate vectors v (T, 3) by unit quaternions (T, 4)."""
  quat = np.asarray(quat, np.float64)
  quat = quat / np.linalg.norm(quat, axis=1, keepdims=True)
  w, u = quat[:, :1], quat[:, 1:]
  t = 2.0 * np.cross(u, v)
  return v + w * t + np.cross(u, t)


def pelvis_quat_reference(tilt, list_, rotation) -> np.ndarray:
  """jaxid.sample.pelvis_quat per frame (the definition to_qpos is tested against)."""
  return np.stack([pelvis_quat(a, b, c) for a, b, c in zip(tilt, list_, rotation, strict=True)])

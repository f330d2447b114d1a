"""Second-order finite differences on the configuration manifold: qvel, qacc from qpos frames.

The free and ball joints' quaternions are differenced on the manifold, in the local frame, like
``mj_differentiatePos`` (the displacement from frame k is log(q_k^-1 q_k+o)); every other
coordinate plainly. Interior frames use central stencils, the first and last frames one-sided
second-order ones. NumPy or JAX through ``xp``.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType
from typing import Any

import mujoco
import numpy as np

from jaxid.contract import Array
from jaxid.errors import InputError
from jaxid.kinematics.quaternions import normalize, quat_conj, quat_log, quat_mul


@dataclasses.dataclass(frozen=True)
class JointLayout:
  """Where each joint's coordinates live in qpos and qvel (static, hashable).

  scalar_q / scalar_v: qpos and dof indices of every coordinate that differentiates plainly
  (hinge, slide, the free joint's position); quat_q / quat_v: start of each quaternion in qpos
  (w, x, y, z) and of its 3 local angular-velocity dofs (free and ball joints).
  """

  nq: int
  nv: int
  scalar_q: tuple[int, ...]
  scalar_v: tuple[int, ...]
  quat_q: tuple[int, ...]
  quat_v: tuple[int, ...]

  @classmethod
  def from_model(cls, model: Any) -> JointLayout:
    """From a jaxid Model, a mujoco.MjModel or a JointLayout (returned as is)."""
    if isinstance(model, JointLayout):
      return model
    m = getattr(model, "mj_model", model)
    sq, sv, qq, qv = [], [], [], []
    for j in range(m.njnt):
      kind, qa, va = int(m.jnt_type[j]), int(m.jnt_qposadr[j]), int(m.jnt_dofadr[j])
      if kind == mujoco.mjtJoint.mjJNT_FREE:
        sq += [qa, qa + 1, qa + 2]
        sv += [va, va + 1, va + 2]
        qq.append(qa + 3)
        qv.append(va + 3)
      elif kind == mujoco.mjtJoint.mjJNT_BALL:
        qq.append(qa)
        qv.append(va)
      else:
        sq.append(qa)
        sv.append(va)
    return cls(int(m.nq), int(m.nv), tuple(sq), tuple(sv), tuple(qq), tuple(qv))


# Stencils (offsets, weights) of the derivative at a frame, applied to the displacement
# r(k, k + o) from frame k (a difference for scalars, log(q_k^-1 q_k+o) for quaternions), which
# is zero at o = 0; divided by dt**order.
_STENCILS = {
  1: {
    "first": ((1, 2), (2.0, -0.5)),
    "mid": ((-1, 1), (-0.5, 0.5)),
    "last": ((-1, -2), (-2.0, 0.5)),
  },
  2: {
    "first": ((1, 2, 3), (-5.0, 4.0, -1.0)),
    "mid": ((-1, 1), (1.0, 1.0)),
    "last": ((-1, -2, -3), (-5.0, 4.0, -1.0)),
  },
}


def _shift(x, offset, region):
  """x at frames k + offset for the frames k of a region (first, mid, last)."""
  n = x.shape[0]
  if region == "first":
    return x[offset : offset + 1]
  if region == "last":
    return x[n - 1 + offset : n + offset]
  return x[1 + offset : n - 1 + offset]


def _base(x, region):
  n = x.shape[0]
  return {"first": x[:1], "last": x[n - 1 :], "mid": x[1 : n - 1]}[region]


def _combine(terms, weights):
  """sum_i weights[i] * terms[i] (array arithmetic, no Python sum over arrays)."""
  out = weights[0] * terms[0]
  for w, t in zip(weights[1:], terms[1:], strict=True):
    out = out + w * t
  return out


def _derivative(layout: JointLayout, qpos, dt, order, xp):
  n = qpos.shape[0]
  need = 3 if order == 1 else 4
  if n < need:
    raise InputError(
      f"qpos: finite differences of order {order} need at least {need} frames, got {n}."
    )
  sq, qq = list(layout.scalar_q), list(layout.quat_q)
  scalars = qpos[:, sq] if sq else None
  quats = None
  if qq:
    idx = np.array(qq)[:, None] + np.arange(4)
    quats = normalize(qpos[:, idx], xp)  # (T, nquat, 4)
  parts = []
  for region in ("first", "mid", "last"):
    offsets, weights = _STENCILS[order][region]
    cols = []
    if scalars is not None:
      x0 = _base(scalars, region)
      cols.append(_combine([_shift(scalars, o, region) - x0 for o in offsets], weights))
    if quats is not None:
      inv = quat_conj(_base(quats, region), xp)
      rel = [quat_log(quat_mul(inv, _shift(quats, o, region), xp), xp) for o in offsets]
      d = _combine(rel, weights)
      cols.append(d.reshape(d.shape[0], -1))
    parts.append(xp.concatenate(cols, axis=1) if len(cols) > 1 else cols[0])
  values = xp.concatenate(parts, axis=0) / dt**order
  order_v = list(layout.scalar_v) + [v + i for v in layout.quat_v for i in range(3)]
  perm = np.argsort(order_v)
  return values[:, perm]


def velocities(layout: JointLayout, qpos: Array, dt: float, xp: ModuleType = np) -> Array:
  """qvel (T, nv) from qpos (T, nq) by second-order central differences.

  Interior frames: (r(k, k+1) - r(k, k-1)) / 2 dt, where r is the displacement from frame k in
  qvel's coordinates (log of q_k^-1 q_k+-1 in the local frame for quaternions, so angular
  velocities are local like MuJoCo's); one-sided second-order stencils at the two ends.
  """
  return _derivative(layout, qpos, dt, 1, xp)


def accelerations(layout: JointLayout, qpos: Array, dt: float, xp: ModuleType = np) -> Array:
  """qacc (T, nv) from qpos (T, nq): (r(k, k+1) + r(k, k-1)) / dt^2 inside, second-order
  one-sided stencils at the ends (the local angular acceleration for quaternions)."""
  return _derivative(layout, qpos, dt, 2, xp)

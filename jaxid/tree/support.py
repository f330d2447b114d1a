"""What the tree backend does not model: unsupported(mj_model) names the first such feature."""

from __future__ import annotations

import mujoco
import numpy as np

_DSBL = mujoco.mjtDisableBit


def _nonzero(m: mujoco.MjModel, name: str) -> bool:
  x = getattr(m, name, None)
  return x is not None and np.size(x) > 0 and bool(np.any(np.asarray(x) != 0))


def unsupported(m: mujoco.MjModel) -> str | None:
  """The first feature of m the tree backend cannot compute as mj_inverse does, else None."""
  if m.opt.enableflags & mujoco.mjtEnableBit.mjENBL_INVDISCRETE:
    return "opt.enableflags invdiscrete (discrete-time inverse dynamics)"
  if not m.opt.disableflags & _DSBL.mjDSBL_CONTACT and (m.ngeom > 0 or m.nflex > 0):
    return "contact (jaxid.model.prepare disables it)"
  if getattr(m, "nflex", 0):
    return "flex bodies (nflex > 0)"
  if m.opt.density != 0 or m.opt.viscosity != 0:
    return "fluid forces (opt.density / opt.viscosity)"
  if _nonzero(m, "body_gravcomp"):
    return "gravity compensation (body_gravcomp)"
  for name in ("dof_dampingpoly", "jnt_stiffnesspoly", "actuator_damping", "actuator_dampingpoly"):
    if _nonzero(m, name):
      return f"nonlinear or actuator passive forces ({name})"
  if _nonzero(m, "jnt_springyield"):
    return "spring yield (jnt_springyield)"
  constraints = not m.opt.disableflags & _DSBL.mjDSBL_CONSTRAINT
  frictionloss = constraints and not m.opt.disableflags & _DSBL.mjDSBL_FRICTIONLOSS
  if frictionloss and _nonzero(m, "dof_frictionloss"):
    return "joint friction loss (dof_frictionloss)"
  if m.ntendon:
    for name in ("tendon_stiffness", "tendon_damping", "tendon_frictionloss", "tendon_limited"):
      if _nonzero(m, name):
        return f"tendons with {name.removeprefix('tendon_')} ({name})"
  if constraints and not m.opt.disableflags & _DSBL.mjDSBL_EQUALITY:
    for i in range(m.neq):
      if m.eq_active0[i] and int(m.eq_type[i]) != int(mujoco.mjtEq.mjEQ_JOINT):
        kind = mujoco.mjtEq(int(m.eq_type[i])).name.removeprefix("mjEQ_").lower()
        return f"{kind} equality constraints (eq_type)"
  if constraints and not m.opt.disableflags & _DSBL.mjDSBL_LIMIT:
    ball = m.jnt_limited.astype(bool) & (m.jnt_type == mujoco.mjtJoint.mjJNT_BALL)
    if ball.any():
      return "ball joint limits (jnt_limited on a ball joint)"
  return None

"""One frame of the tree backend: the contract's outputs from the straight-line RNEA.

  qfrc_inverse = M qacc + bias + armature qacc - passive - constraint    (joint_forces)
  tau = qfrc_inverse - J' xfrc,  xfrc = ext_forces + foot wrenches at xipos  (joint_torques)

The same facts as jaxid.pipeline.frame (the MJX reference), with the foot terms from
jaxid.contract.
"""

from __future__ import annotations

import jax.numpy as jnp
import mujoco

from jaxid import contract
from jaxid.tree import groups, passive, rnea
from jaxid.tree import scalar as s
from jaxid.tree.constants import Tree
from jaxid.types import Kinematics, Loads


def unstack(x) -> list:
  """(..., n) array -> n scalars of shape (...,): the frame axes are the lanes."""
  return list(jnp.unstack(jnp.moveaxis(x, -1, 0), axis=0)) if x.shape[-1] else []


def joint_forces(t: Tree, pose, q, v, a) -> list:
  """qfrc_inverse: (nv,) scalars (the body-by-body sweep)."""
  frc = rnea.body_forces(t, pose, v, a)
  return _qfrc(t, rnea.project(pose, rnea.subtree_sum(t, frc)), q, v, a)


def _qfrc(t: Tree, rne, q, v, a) -> list:
  """qfrc_inverse = rne + armature qacc - passive - constraint: (nv,) scalars."""
  pas = passive.passive(t, q, v)
  con = passive.constraint(t, q, v, a)
  return [s.add(o, s.mul(arm, ad), s.neg(p), s.neg(c))
          for o, arm, ad, p, c in zip(rne, t.armature, a, pas, con)]  # fmt: skip


def mass_matrix(t: Tree, pose) -> list:
  """(nv, nv) joint-space inertia with armature on the diagonal (mj_crb)."""
  m = rnea.crb(t, pose)
  for k in range(t.nv):
    m[k][k] = s.add(m[k][k], t.armature[k])
  return m


# frame()'s default sweep: "groups" measured 1.25-1.5x faster to compile and as fast or faster to
# run than "bodies" (benchmarks/experiments/sweeps.py; docs/performance.md). "bodies" stays as the
# plain reading of mj_rne, tested equal to it in float64 (tests/test_level_rnea.py)
SWEEP = "groups"
SWEEPS = ("groups", "bodies")


def frame(
  t: Tree, kin: Kinematics, loads: Loads, body_ids, outputs=contract.ALL_OUTPUTS, sweep=None
) -> dict:
  """The requested outputs of one frame, kin.qpos (nq,), kin.qvel, kin.qacc (nv,), or of many
  at once with any leading frame axes (..., nq): every scalar of the sweep is then (...,).
  sweep: "groups" (jaxid.tree.groups: bodies of a depth side by side) or "bodies" (rnea, body
  by body); by default SWEEP."""
  sweep = sweep or SWEEP
  if sweep not in SWEEPS:
    raise ValueError(f"sweep: expected one of {SWEEPS}, got {sweep!r}")
  return _frame(t, kin, loads, body_ids, outputs, sweep)


def _frame(t: Tree, kin: Kinematics, loads: Loads, body_ids, outputs, sweep: str) -> dict:
  """frame() with one sweep, "groups" or "bodies"."""
  like = kin.qvel[..., 0] if t.nv else kin.qpos[..., 0]
  q, v, a = unstack(kin.qpos), unstack(kin.qvel), unstack(kin.qacc)
  lanes = lambda x: jnp.moveaxis(x, -1, 0)  # (..., n) -> (n, ...)
  if sweep == "groups":
    plan = groups.plan(t)
    poses = groups.kinematics(plan, lanes(kin.qpos))
    pose = groups.pose(plan, poses, lanes(kin.qpos))
  else:
    pose = rnea.kinematics(t, q)
  pos = lambda p: s.stack(s.vadd(p, pose.p0), like)  # (..., 3) world position
  out = {}
  feet = {}
  for side, b in zip(contract.SIDES, body_ids):
    cop, grf = getattr(loads, f"cop_{side}"), getattr(loads, f"grf_{side}")
    contact = contract.in_contact(cop)  # sum(|cop|) > 0
    xpos, xipos = pos(pose.xpos[b]), pos(pose.xipos[b])
    wrench = contract.foot_wrench(cop, grf, getattr(loads, f"moment_{side}"), xipos)
    feet[side] = dict(
      wrench=jnp.where(contact[..., None], wrench, 0.0),
      moment=jnp.where(contact[..., None], contract.foot_moment(cop, grf, xpos), 0.0),
      distance=jnp.where(contact, contract.foot_distance(cop, xpos), 0.0),
    )
  xfrc = loads.ext_forces
  for side, b in zip(contract.SIDES, body_ids):
    xfrc = xfrc.at[..., b, :].add(feet[side]["wrench"])
  want = lambda *ks: any(k in outputs for k in ks)
  torques = want("joint_torques", "residuals")
  if want("joint_forces") or torques:
    if sweep == "groups":
      va, aa = lanes(kin.qvel), lanes(kin.qacc)
      sweep_ = lambda nets: groups.project(plan, poses, groups.subtree_sum(plan, nets))
      frc = groups.body_forces(plan, poses, va, aa)
      ext = groups.wrenches(plan, poses, jnp.moveaxis(xfrc, (-2, -1), (0, 1))) if torques else ()
      if "joint_forces" in outputs:
        qfrc = _qfrc(t, sweep_(frc), q, v, a)
        out["joint_forces"] = s.stack(qfrc, like)
        tau = [s.sub(x, y) for x, y in zip(qfrc, sweep_(ext))] if torques else None
      else:
        # tau = rne(f - ext) + armature qacc - passive - constraint: one sweep, qfrc not asked
        nets = [tuple(s.vsub(x, y) for x, y in zip(f, e)) for f, e in zip(frc, ext)]
        tau = _qfrc(t, sweep_(nets), q, v, a)
    else:
      qfrc = joint_forces(t, pose, q, v, a)
      if "joint_forces" in outputs:
        out["joint_forces"] = s.stack(qfrc, like)
      tau = [s.sub(x, y) for x, y in zip(qfrc, _jx(t, pose, xfrc))] if torques else None
  if torques:
    tau = s.stack(tau, like)
    if "joint_torques" in outputs:
      out["joint_torques"] = tau
    if "residuals" in outputs:
      out["residuals"] = tau[..., :6]
  out |= contract.foot_outputs(feet, outputs)
  if "contact_force" in outputs:
    out["contact_force"] = contact_force(t, pose, xfrc, like)
  if "mass_matrix" in outputs:
    out["mass_matrix"] = jnp.stack([s.stack(r, like) for r in mass_matrix(t, pose)], axis=-2)
  return out


def _jx(t: Tree, pose, xfrc) -> list:
  """(nv,) J' xfrc by the body-by-body sweep."""
  # the wrench [f, tau] at xipos is the spatial force (tau + c x f, f) about p0
  ext = [(rnea.ZERO3, rnea.ZERO3)] * len(t.bodies)
  for b in range(1, len(t.bodies)):
    f, tau = unstack(xfrc[..., b, :3]), unstack(xfrc[..., b, 3:])
    ext[b] = (s.vadd(tau, s.cross(pose.xipos[b], f)), tuple(f))
  return rnea.project(pose, rnea.subtree_sum(t, ext))


def contact_force(t: Tree, pose, xfrc, like) -> jnp.ndarray:
  """(nbody, 6) cfrc_ext = [tau - (subtree_com[root] - xipos) x f, f], row 0 zero."""
  nb = len(t.bodies)
  mass = [0.0] * nb
  mc = [rnea.ZERO3] * nb
  for b in range(nb - 1, 0, -1):
    body = t.bodies[b]
    mass[b] += body.mass
    mc[b] = s.vadd(mc[b], s.vscale(body.mass, pose.xipos[b]))
    if body.parent > 0:
      mass[body.parent] += mass[b]
      mc[body.parent] = s.vadd(mc[body.parent], mc[b])
  rows = [jnp.zeros_like(xfrc[..., 0, :])] * nb
  for b in range(1, nb):
    root = t.bodies[b].root
    heavy = mass[root] >= mujoco.mjMINVAL
    com = s.vscale(1.0 / mass[root], mc[root]) if heavy else pose.xipos[root]
    offset = s.vsub(com, pose.xipos[b])
    f, tau = unstack(xfrc[..., b, :3]), unstack(xfrc[..., b, 3:])
    rows[b] = s.stack([*s.vsub(tau, s.cross(offset, f)), *f], like)
  return jnp.stack(rows, axis=-2)

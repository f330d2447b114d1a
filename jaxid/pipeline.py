"""Inverse dynamics of a trial: one frame as a chain of MJX stages, scanned over frames.

Each stage is ``def f(m, d, ...) -> d`` and mirrors a step of legacy/MJX_RunID.py:

  d = set_kinematics(m, d, kin)        # qpos, qvel, qacc of frame t
  d = mjx.inverse(m, d)                # kinematics, com, crb, rne: qfrc_inverse (ignores xfrc)
  d = apply_loads(m, d, loads, feet)   # xfrc_applied: foot wrenches at xipos + ext_forces
  tau = d.qfrc_inverse - xfrc_accumulate(m, d)   # tau = qfrc_inverse - J' xfrc

Unlike the legacy loop, the foot wrench is built after mjx.inverse, from the kinematics of the
same frame, so no pipeline stage runs twice per frame.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import mujoco
from jax.experimental import checkify
from mujoco import mjx

from jaxid import contract
from jaxid.types import Kinematics, Loads

ALL_OUTPUTS = (
  "joint_forces",
  "joint_torques",
  "residuals",
  "distance_calcn_l",
  "distance_calcn_r",
  "moment_calcn_l",
  "moment_calcn_r",
  "contact_force",
  "mass_matrix",
)
TORQUES = ("joint_torques", "residuals")


def free_root(m: mjx.Model) -> bool:
  """Whether joint 0 is free: its six dofs' torques are the residuals."""
  return m.njnt > 0 and int(m.jnt_type[0]) == int(mujoco.mjtJoint.mjJNT_FREE)


def check_outputs(m: mjx.Model, outputs) -> tuple[str, ...]:
  """The requested output keys, validated; residuals only exist with a free root."""
  outputs = ALL_OUTPUTS if outputs is None else tuple(outputs)
  unknown = [k for k in outputs if k not in ALL_OUTPUTS]
  if unknown:
    from jaxid.errors import InputError

    raise InputError(f"outputs: unknown keys {unknown}; choose from {list(ALL_OUTPUTS)}.")
  return tuple(k for k in outputs if k != "residuals" or free_root(m))


def set_kinematics(m: mjx.Model, d: mjx.Data, kin: Kinematics) -> mjx.Data:
  """Set the frame's qpos, qvel, qacc."""
  return d.replace(qpos=kin.qpos, qvel=kin.qvel, qacc=kin.qacc)


def foot_loads(d: mjx.Data, loads: Loads, body_ids) -> dict:
  """Per-foot contact flag, xfrc wrench (about xipos) and reported moment/distance (about xpos)."""
  out = {}
  for (
    side,
    b,
  ) in zip("lr", body_ids):
    cop, grf = getattr(loads, f"cop_{side}"), getattr(loads, f"grf_{side}")
    contact = contract.in_contact(cop)  # sum(|cop|) > 0
    wrench = contract.foot_wrench(cop, grf, getattr(loads, f"moment_{side}"), d.xipos[b])
    out[side] = dict(
      wrench=jnp.where(contact, wrench, 0.0),
      moment=jnp.where(contact, contract.foot_moment(cop, grf, d.xpos[b]), 0.0),
      distance=jnp.where(contact, contract.foot_distance(cop, d.xpos[b]), 0.0),
    )
  return out


def apply_loads(m: mjx.Model, d: mjx.Data, feet: dict, loads: Loads, body_ids) -> mjx.Data:
  """xfrc_applied = ext_forces + the two foot wrenches."""
  xfrc = loads.ext_forces
  for side, b in zip("lr", body_ids):
    xfrc = xfrc.at[b].add(feet[side]["wrench"])
  return d.replace(xfrc_applied=xfrc)


def cfrc_ext(m: mjx.Model, d: mjx.Data) -> jax.Array:
  """(nbody, 6) external spatial forces, (torque, force) about subtree_com[root]: mj_rnePostConstraint.

  Computed from public fields with the formula of MJX's rne_postconstraint (whose result lives
  only in the private data); contact is disabled for inverse dynamics and connect/weld
  equality forces are not included (see docs/api.md).
  """
  f, torque = d.xfrc_applied[:, :3], d.xfrc_applied[:, 3:]
  offset = d.subtree_com[jnp.asarray(m.body_rootid)] - d.xipos
  out = jnp.concatenate([torque - jnp.cross(offset, f), f], axis=-1)
  return out.at[0].set(0.0)


def frame(
  m: mjx.Model, d: mjx.Data, kin: Kinematics, loads: Loads, body_ids, outputs=ALL_OUTPUTS
) -> tuple[mjx.Data, dict]:
  """Inverse dynamics of one frame: the new data and the requested outputs."""
  d = set_kinematics(m, d, kin)
  d = mjx.inverse(m, d)
  feet = foot_loads(d, loads, body_ids)
  d = apply_loads(m, d, feet, loads, body_ids)
  out = {}
  if "joint_forces" in outputs:
    out["joint_forces"] = d.qfrc_inverse
  if "joint_torques" in outputs or "residuals" in outputs:
    tau = d.qfrc_inverse - mjx.xfrc_accumulate(m, d)  # tau = qfrc_inverse - J' xfrc
    if "joint_torques" in outputs:
      out["joint_torques"] = tau
    if "residuals" in outputs:
      out["residuals"] = tau[:6]
  for side in "lr":
    if f"distance_calcn_{side}" in outputs:
      out[f"distance_calcn_{side}"] = feet[side]["distance"]
    if f"moment_calcn_{side}" in outputs:
      out[f"moment_calcn_{side}"] = feet[side]["moment"]
  if "contact_force" in outputs:
    out["contact_force"] = cfrc_ext(m, d)
  if "mass_matrix" in outputs:
    out["mass_matrix"] = mjx.full_m(m, d)
  return d, out


def check_finite(out: dict, t) -> None:
  """checkify: every output of frame t is finite (reported with the key and the frame)."""
  for k, v in out.items():
    checkify.check(jnp.all(jnp.isfinite(v)), f"jaxid: non-finite {k} at frame {{t}}", t=t)


def run_inverse_dynamics_jax(
  model: mjx.Model,
  data: mjx.Data,
  kinematics: Kinematics,
  loads: Loads,
  body_ids,
  outputs=None,
  remat: bool = False,
  checks: bool = False,
):
  """Scan the frame over a trial: (final_data, outputs), each output with leading axis T.

  model: the MJX model; data: initial MJX data (mjx.make_data); kinematics, loads: pytrees with
  leading axis T; body_ids: (left, right) foot body ids as Python ints; outputs: keys to
  compute (static; default all); remat: rematerialise the frame in reverse mode, so gradients
  over long trials store only the carried data per frame; checks: add checkify checks that
  every output is finite, naming the frame (run under checkify.checkify).
  """
  outputs = check_outputs(model, outputs)
  body_ids = tuple(int(b) for b in body_ids)

  def step(d, xs):
    kin, ld, t = xs
    d, out = frame(model, d, kin, ld, body_ids, outputs)
    if checks:
      check_finite(out, t)
    return d, out

  if remat:
    step = jax.checkpoint(step)
  frames = jnp.arange(kinematics.qpos.shape[0])
  return jax.lax.scan(step, data, (kinematics, loads, frames))


def frames_vmap(
  model: mjx.Model, data: mjx.Data, kinematics: Kinematics, loads: Loads, body_ids, outputs=None
) -> dict:
  """Frames are independent: vmap the frame over T (same outputs as the scan)."""
  outputs = check_outputs(model, outputs)
  body_ids = tuple(int(b) for b in body_ids)
  fn = lambda kin, ld: frame(model, data, kin, ld, body_ids, outputs)[1]
  return jax.vmap(fn)(kinematics, loads)


def frames_chunked(
  model: mjx.Model,
  data: mjx.Data,
  kinematics: Kinematics,
  loads: Loads,
  body_ids,
  outputs=None,
  chunk: int = 8,
) -> dict:
  """A scan over chunks of `chunk` vmapped frames; T is padded to a multiple of chunk (the last
  frame repeated) and the padding stripped, so any T works."""
  outputs = check_outputs(model, outputs)
  n = kinematics.qpos.shape[0]
  pad = (-n) % chunk
  grow = lambda x: jnp.concatenate([x, jnp.repeat(x[-1:], pad, axis=0)]) if pad else x
  split = lambda x: grow(x).reshape(((n + pad) // chunk, chunk) + x.shape[1:])
  xs = jax.tree.map(split, (kinematics, loads))

  def step(carry, x):
    return carry, frames_vmap(model, data, x[0], x[1], body_ids, outputs)

  _, out = jax.lax.scan(step, None, xs)
  return jax.tree.map(lambda y: y.reshape((n + pad,) + y.shape[2:])[:n], out)


VMAP_MAX_FRAMES = 2048  # beyond this, all frames' intermediates at once cost too much memory


def auto_schedule(batched: bool, n_frames: int) -> str:
  """The schedule measured fastest on CPU (benchmarks/report.md): for one trial, all frames
  vmapped (chunks of 8 for trials longer than VMAP_MAX_FRAMES); for a batch, the scan with the
  batch vmapped inside (vmap over B x T frames at once was slower)."""
  if batched:
    return "scan"
  return "vmap" if n_frames <= VMAP_MAX_FRAMES else "chunked"


SCHEDULES = {"auto": None, "scan": None, "vmap": frames_vmap, "chunked": frames_chunked}


def trial_outputs(mjx_model, kinematics, loads, body_ids, outputs, remat, schedule, checks):
  """Outputs of one trial with the chosen schedule (traceable; jitted by callers)."""
  data = mjx.make_data(mjx_model)
  if schedule == "auto":
    schedule = auto_schedule(False, kinematics.qpos.shape[0])
  if schedule == "scan" or checks or remat:  # remat and checks are per scanned frame
    return run_inverse_dynamics_jax(
      mjx_model, data, kinematics, loads, body_ids, outputs, remat, checks
    )[1]
  return SCHEDULES[schedule](mjx_model, data, kinematics, loads, body_ids, outputs)


STATIC = ("body_ids", "outputs", "remat", "schedule", "checks")


@functools.partial(jax.jit, static_argnames=STATIC)
def _inverse_dynamics(mjx_model, kinematics, loads, body_ids, outputs, remat, schedule, checks):
  return trial_outputs(mjx_model, kinematics, loads, body_ids, outputs, remat, schedule, checks)


@functools.partial(jax.jit, static_argnames=STATIC)
def _inverse_dynamics_batch(
  mjx_model, kinematics, loads, body_ids, outputs, remat, schedule, checks
):
  if schedule == "auto":
    schedule = auto_schedule(True, kinematics.qpos.shape[-2])
  fn = lambda k, ld: trial_outputs(mjx_model, k, ld, body_ids, outputs, remat, schedule, checks)
  return jax.vmap(fn)(kinematics, loads)

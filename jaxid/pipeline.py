"""Inverse dynamics of a trial: one frame as a chain of MJX stages, scanned over frames.

Each stage is ``def f(m, d, ...) -> d`` and mirrors a step of legacy/MJX_RunID.py:

  d = set_kinematics(m, d, kin)                 # qpos, qvel, qacc of frame t
  d = mjx.inverse(m, d)                         # kinematics, com, crb, rne: qfrc_inverse (ignores xfrc)
  feet = foot_loads(d, loads, body_ids)         # foot wrenches at xipos, reported moments at xpos
  d = apply_loads(m, d, feet, loads, body_ids)  # xfrc_applied = ext_forces + foot wrenches
  tau = d.qfrc_inverse - xfrc_accumulate(m, d)  # tau = qfrc_inverse - J' xfrc

Unlike the legacy loop, the foot wrench is built after mjx.inverse, from the kinematics of the
same frame, so no pipeline stage runs twice per frame. The schedules (scan, vmap, chunked) run
the same frame; Options (jaxid/options.py) says which, and with which outputs.

Options.backend "tree" runs jaxid.tree's straight-line RNEA instead (the same outputs, no MJX
data carried): tree_scan, tree_vmap and tree_chunked are the same three schedules over it, and
tree_vmap hands all frames to the tree frame at once (its scalars are then (T,) lanes).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax.experimental import checkify
from mujoco import mjx

from jaxid import batching, contract, tree
from jaxid.model import Folded, Model
from jaxid.options import CHUNK, Options, check_outputs
from jaxid.types import Kinematics, Loads, Trial


def set_kinematics(m: mjx.Model, d: mjx.Data, kin: Kinematics) -> mjx.Data:
  """Set the frame's qpos, qvel, qacc."""
  return d.replace(qpos=kin.qpos, qvel=kin.qvel, qacc=kin.qacc)


def foot_loads(d: mjx.Data, loads: Loads, body_ids) -> dict:
  """Per foot (keyed by side): xfrc wrench (about xipos), reported moment and distance (about
  xpos), each zero out of contact."""
  out = {}
  for side, b in zip(contract.SIDES, body_ids):
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
  for side, b in zip(contract.SIDES, body_ids):
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
  m: mjx.Model, d: mjx.Data, kin: Kinematics, loads: Loads, body_ids, outputs=contract.ALL_OUTPUTS
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
  out |= contract.foot_outputs(feet, outputs)
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
  return _scan(
    model, data, kinematics, loads, tuple(int(b) for b in body_ids), outputs, remat, checks
  )


def _scan(m, data, kinematics, loads, body_ids, outputs, remat, checks):
  """run_inverse_dynamics_jax on checked arguments."""

  def step(d, xs):
    kin, ld, t = xs
    d, out = frame(m, d, kin, ld, body_ids, outputs)
    if checks:
      check_finite(out, t)
    return d, out

  if remat:
    step = jax.checkpoint(step)
  frames = jnp.arange(kinematics.qpos.shape[0])
  return jax.lax.scan(step, data, (kinematics, loads, frames))


def frames_scan(m: mjx.Model, kinematics: Kinematics, loads: Loads, body_ids, opts: Options):
  """The guide's lax.scan over frames (run_inverse_dynamics_jax), outputs only."""
  data = mjx.make_data(m)
  return _scan(m, data, kinematics, loads, body_ids, opts.computed, opts.remat, opts.checks)[1]


def frames_vmap(
  m: mjx.Model, kinematics: Kinematics, loads: Loads, body_ids, opts: Options, frames=None
) -> dict:
  """Frames are independent: vmap the frame over T (same outputs as the scan).

  frames: (T,) frame numbers for the finite checks (default 0..T-1)."""
  data = mjx.make_data(m)

  def fn(kin, ld, t):
    out = frame(m, data, kin, ld, body_ids, opts.computed)[1]
    if opts.checks:
      check_finite(out, t)
    return out

  if opts.remat:
    fn = jax.checkpoint(fn)
  if frames is None:
    frames = jnp.arange(kinematics.qpos.shape[0])
  return jax.vmap(fn)(kinematics, loads, frames)


def frames_chunked(
  m: mjx.Model, kinematics: Kinematics, loads: Loads, body_ids, opts: Options
) -> dict:
  """A scan over chunks of CHUNK vmapped frames; T is padded to a multiple of CHUNK (the last
  frame repeated) and the padding stripped, so any T works."""
  n = kinematics.qpos.shape[0]
  pad = (-n) % CHUNK
  grow = lambda x: jnp.concatenate([x, jnp.repeat(x[-1:], pad, axis=0)]) if pad else x
  split = lambda x: grow(x).reshape(((n + pad) // CHUNK, CHUNK, *x.shape[1:]))
  xs = jax.tree.map(split, (kinematics, loads, jnp.arange(n)))  # padding repeats frame n - 1

  def step(carry, x):
    return carry, frames_vmap(m, x[0], x[1], body_ids, opts, frames=x[2])

  _, out = jax.lax.scan(step, None, xs)
  return jax.tree.map(lambda y: y.reshape((n + pad, *y.shape[2:]))[:n], out)


SCHEDULES = {"scan": frames_scan, "vmap": frames_vmap, "chunked": frames_chunked}


def tree_scan(fn, kinematics: Kinematics, loads: Loads, opts: Options) -> dict:
  """The scan schedule over a stateless frame fn(kin, loads) -> outputs (the tree backend)."""

  def step(carry, xs):
    kin, ld, t = xs
    out = fn(kin, ld)
    if opts.checks:
      check_finite(out, t)
    return carry, out

  if opts.remat:
    step = jax.checkpoint(step)
  frames = jnp.arange(kinematics.qpos.shape[0])
  return jax.lax.scan(step, None, (kinematics, loads, frames))[1]


def check_finite_frames(out: dict, frames) -> None:
  """checkify: every output of frames (T,) is finite, naming the key and the first bad frame."""
  for k, v in out.items():
    ok = jnp.all(jnp.isfinite(v).reshape(v.shape[0], -1), axis=1)
    first = frames[jnp.argmin(ok)]
    checkify.check(jnp.all(ok), f"jaxid: non-finite {k} at frame {{t}}", t=first)


def tree_vmap(fn, kinematics: Kinematics, loads: Loads, opts: Options, frames=None) -> dict:
  """All frames at once: the tree frame takes leading frame axes itself, so every scalar of the
  sweep is a (T,) vector (frames on the lane axis) rather than a jax.vmap of a () program."""
  run = jax.checkpoint(fn) if opts.remat else fn
  out = run(kinematics, loads)
  if opts.checks:
    # the checks read the outputs through a barrier, so XLA fuses their producers as in the
    # unchecked program: check_finite changes no bit of a clean result
    out = jax.lax.optimization_barrier(out)
    if frames is None:
      frames = jnp.arange(kinematics.qpos.shape[0])
    check_finite_frames(out, frames)
  return out


def tree_chunked(fn, kinematics: Kinematics, loads: Loads, opts: Options) -> dict:
  """The chunked schedule over a stateless frame fn (as frames_chunked)."""
  n = kinematics.qpos.shape[0]
  pad = (-n) % CHUNK
  grow = lambda x: jnp.concatenate([x, jnp.repeat(x[-1:], pad, axis=0)]) if pad else x
  split = lambda x: grow(x).reshape(((n + pad) // CHUNK, CHUNK, *x.shape[1:]))
  xs = jax.tree.map(split, (kinematics, loads, jnp.arange(n)))

  def step(carry, x):
    return carry, tree_vmap(fn, x[0], x[1], opts, frames=x[2])

  _, out = jax.lax.scan(step, None, xs)
  return jax.tree.map(lambda y: y.reshape((n + pad, *y.shape[2:]))[:n], out)


TREE_SCHEDULES = {"scan": tree_scan, "vmap": tree_vmap, "chunked": tree_chunked}


def tree_frame(model: Model | Folded, outputs):
  """The tree backend's frame fn(kin, loads) -> outputs for a model (constants folded)."""
  t = tree.tree_of(model.mj_model)
  return lambda kin, ld: tree.frame(t, kin, ld, model.body_ids, outputs)


def trial_outputs(model: Model | Folded, trial: Trial, opts: Options) -> dict:
  """Outputs of one trial, or of a batch (vmapped over B), with the resolved schedule and
  backend (the tree backend reads only model.mj_model and model.body_ids)."""
  if opts.backend == "tree":
    frame_fn = tree_frame(model, opts.computed)
    fn = lambda k, ld: TREE_SCHEDULES[opts.schedule](frame_fn, k, ld, opts)
  else:
    m, body_ids = model.mjx(), model.body_ids
    fn = lambda k, ld: SCHEDULES[opts.schedule](m, k, ld, body_ids, opts)
  if opts.batched:
    fn = batching.batch_map(fn, trial) if opts.batch == "map" else jax.vmap(fn)
  return fn(trial.kinematics, trial.loads)


# XLA:CPU's elemental emitters, not its MLIR fusion emitters, for jaxid's programs: compile 25-40 %
# shorter on both backends, runs as fast or faster (docs/performance.md). Per program: a caller's
# other programs keep XLA's defaults. JAX takes it on a top-level jit only, so a caller's own jit
# passes it itself. A jaxlib without the option refuses it by name (tests/test_tree.py).
XLA_OPTIONS = {"xla_cpu_use_fusion_emitters": False}


def checked_trial_outputs(model: Model, trial: Trial, opts: Options):
  """(checkify error, outputs) of trial_outputs with the finite checks (opts.checks)."""
  run = lambda m, t: trial_outputs(m, t, opts)
  return checkify.checkify(run, errors=checkify.user_checks)(model, trial)


_jit = functools.partial(jax.jit, static_argnames="opts")
_JITS = {
  (fn, tuned): _jit(fn, **({"compiler_options": XLA_OPTIONS} if tuned else {}))
  for fn in (trial_outputs, checked_trial_outputs)
  for tuned in (False, True)
}


def _compiled(fn, model: Model, trial: Trial, opts: Options):
  """fn jitted; at the top level (no tracer among the arguments), with XLA_OPTIONS. The tree
  backend gets model.folded(): its constants are in the program, so no MJX arrays are passed."""
  traced = any(isinstance(x, jax.core.Tracer) for x in jax.tree.leaves(trial))
  if opts.backend == "tree":
    traced, model = traced or model.traced, model.folded()
  else:
    traced = traced or any(isinstance(x, jax.core.Tracer) for x in jax.tree.leaves(model.mjx()))
  return _JITS[fn, not traced](model, trial, opts)


def jit_trial_outputs(model: Model, trial: Trial, opts: Options) -> dict:
  """trial_outputs compiled (a top-level call's program with XLA_OPTIONS)."""
  return _compiled(trial_outputs, model, trial, opts)


def jit_checked_outputs(model: Model, trial: Trial, opts: Options):
  """checked_trial_outputs compiled, the checks inside the one program: (error, outputs)."""
  return _compiled(checked_trial_outputs, model, trial, opts)

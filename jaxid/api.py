"""The user-facing entry points: inverse_dynamics(model, trial) and its sharded batch form."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import checkify
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxid import options, pipeline, validate
from jaxid.errors import InputError
from jaxid.model import Model
from jaxid.types import Trial


def _prepare(model, trial, outputs, remat, schedule, check_finite, validate_values, backend):
  """Check every argument once; returns the trial (quaternions renormalised) and its Options."""
  if not isinstance(model, Model):
    raise InputError(
      f"model: expected a jaxid.Model from jaxid.load_model, got {type(model).__name__}."
    )
  model.check_unchanged()
  batch_shape, n_frames = validate.check_structure(model.mj_model, trial)
  opts = options.resolve(
    model.mj_model,
    outputs,
    remat,
    schedule,
    check_finite,
    batch_shape,
    n_frames,
    backend,
    sharded=_sharded(trial),
  )
  if options.flag("validate", validate_values):
    trial = validate.check_values(model.mj_model, trial)
  return trial, opts


def _throw(err: checkify.Error) -> None:
  err.throw()  # checkify.JaxRuntimeError: "jaxid: non-finite <key> at frame <t>"


def _sharded(trial: Trial) -> bool:
  """The trial is an array split over a mesh of two or more devices (NamedSharding)."""
  sharding = getattr(trial.kinematics.qpos, "sharding", None)
  return isinstance(sharding, NamedSharding) and len(sharding.device_set) >= 2


def _placed(model: Model, trial: Trial) -> Model:
  """The model replicated over the mesh a sharded trial lives on (else as it is)."""
  if not _sharded(trial):
    return model
  mesh = trial.kinematics.qpos.sharding.mesh
  return jax.device_put(model, NamedSharding(mesh, PartitionSpec()))


def _call(model: Model, trial: Trial, opts: options.Options) -> dict:
  """Run the jitted pipeline; raise on a non-finite output when checks are on."""
  if opts.backend != "tree":  # the tree backend passes no model arrays (Model.folded)
    model = _placed(model, trial)
  if not opts.checks:
    out = pipeline.jit_trial_outputs(model, trial, opts)
  else:
    err, out = pipeline.jit_checked_outputs(model, trial, opts)
    if any(isinstance(x, jax.core.Tracer) for x in jax.tree.leaves(err)):
      jax.debug.callback(_throw, err)  # inside a user's jit: raised when the program runs
    else:
      err.throw()
  validate.warn_far_cop(out, model.body_names)
  return {k: out[k] for k in opts.returned}


def inverse_dynamics(
  model: Model,
  trial: Trial,
  outputs: tuple[str, ...] | None = None,
  remat: bool = False,
  schedule: str = "auto",
  check_finite: bool = False,
  validate: bool = True,
  backend: str = "auto",
) -> dict[str, jax.Array]:
  """Outputs of a trial (leading axis T) or of a batch of trials (leading axes B, T).

  model: from jaxid.load_model; trial: a Trial pytree; outputs: keys to compute (static,
  default all of ALL_OUTPUTS); remat: checkpoint each frame for long-trial gradients;
  schedule: "auto" (the fastest measured for the shape: "vmap" for one trial, "chunked"
  past options.VMAP_MAX_FRAMES frames, "scan" for a batch), "scan" (the guide's lax.scan),
  "vmap" (all frames at once) or "chunked" (a scan over chunks of 8 vmapped frames); remat and
  check_finite apply to whichever schedule runs. check_finite: checkify checks that raise on a
  NaN/Inf output, naming key and frame (inside a user's jit, when the program runs).
  validate: check values (finite, within float32 when x64 is off, unit quaternions); False for
  callers who validate upstream (types and shapes are always checked: that reads no data).
  backend: "auto" (the tree backend when the model is supported, else "mjx" with an
  InputWarning naming the feature), "tree" (jaxid.tree's straight-line RNEA; InputError on an
  unsupported model) or "mjx" (MJX's generic pipeline, the guide's scan).
  Raises jaxid.InputError on bad input; warns InputWarning for a COP far from the foot.
  Jitted: compiles once per (model, shapes, options).
  """
  trial, opts = _prepare(model, trial, outputs, remat, schedule, check_finite, validate, backend)
  return _call(model, trial, opts)


def inverse_dynamics_batched(
  model: Model,
  trials: Trial,
  mesh: Mesh | None = None,
  outputs: tuple[str, ...] | None = None,
  remat: bool = False,
  schedule: str = "auto",
  check_finite: bool = False,
  validate: bool = True,
  backend: str = "auto",
) -> dict[str, jax.Array]:
  """A batch (leading axis B) sharded over a mesh's devices along the batch axis.

  mesh: a jax.sharding.Mesh whose first axis splits the batch; default all devices in one axis
  named "batch". The batch is padded to a multiple of that axis's size (repeating the last
  trial) and the padding is stripped from the outputs; the MJX backend's model is replicated on
  every device (inverse_dynamics does the same for a trial already sharded with a NamedSharding;
  the tree backend's constants are in its program).
  Other arguments: as inverse_dynamics.
  """
  if mesh is None:
    mesh = Mesh(np.array(jax.devices()), ("batch",))
  trials, opts = _prepare(model, trials, outputs, remat, schedule, check_finite, validate, backend)
  if not opts.batched:
    raise InputError(
      "trials: expected a batch with a leading axis B (rank 3 kinematics.qpos), got a single trial."
    )
  axis = mesh.axis_names[0]
  b = trials.kinematics.qpos.shape[0]
  pad = (-b) % mesh.shape[axis]

  def grow(x):
    xp = np if isinstance(x, np.ndarray) else jnp
    return xp.concatenate([x, xp.repeat(x[-1:], pad, 0)]) if pad else x

  padded = jax.device_put(jax.tree.map(grow, trials), NamedSharding(mesh, PartitionSpec(axis)))
  split = mesh.shape[axis] >= 2  # the batch axis is split over devices: vmap it
  opts = dataclasses.replace(opts, batch=options.auto_batch(True, opts.backend, sharded=split))
  out = _call(model, padded, opts)  # MJX: the model replicated on the mesh
  return jax.tree.map(lambda x: x[:b], out)

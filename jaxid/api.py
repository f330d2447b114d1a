"""The user-facing entry points: inverse_dynamics(model, trial) and its sharded batch form."""

from __future__ import annotations

import jax
import numpy as np
from jax.experimental import checkify
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from jaxid import pipeline, validate
from jaxid.errors import InputError
from jaxid.model import Model
from jaxid.types import Trial

DISTANCES = ("distance_calcn_l", "distance_calcn_r")


def _options(model: Model, outputs, schedule: str):
  if not isinstance(model, Model):
    raise InputError(
      f"model: expected a jaxid.Model from jaxid.load_model, got {type(model).__name__}."
    )
  if schedule not in pipeline.SCHEDULES:
    raise InputError(f"schedule: expected one of {list(pipeline.SCHEDULES)}, got {schedule!r}.")
  return pipeline.check_outputs(model.mjx(), outputs)


def _run(model, mjx_model, trial, outputs, remat, schedule, checks, batch_shape):
  fn = pipeline._inverse_dynamics_batch if batch_shape else pipeline._inverse_dynamics
  args = (mjx_model, trial.kinematics, trial.loads)
  kw = dict(body_ids=model.body_ids, outputs=outputs, remat=remat, schedule=schedule)
  if not checks:
    return fn(*args, checks=False, **kw)
  err, out = checkify.checkify(lambda *a: fn(*a, checks=True, **kw))(*args)
  err.throw()  # checkify.JaxRuntimeError: "jaxid: non-finite <key> at frame <t>"
  return out


def inverse_dynamics(
  model: Model,
  trial: Trial,
  outputs=None,
  remat: bool = False,
  schedule: str = "auto",
  check_finite: bool = False,
) -> dict:
  """Outputs of a trial (leading axis T) or of a batch of trials (leading axes B, T).

  model: from jaxid.load_model; trial: a Trial pytree; outputs: keys to compute (static,
  default all of ALL_OUTPUTS); remat: checkpoint each frame for long-trial gradients;
  schedule: "auto" (the fastest measured for the shape: "vmap" for one trial, "chunked"
  past pipeline.VMAP_MAX_FRAMES frames, "scan" for a batch), "scan" (the guide's lax.scan), "vmap"
  (all frames at once) or "chunked" (a scan over chunks of 8 vmapped frames);
  check_finite: run checkify checks that raise on a NaN/Inf output, naming key and frame.
  Inputs are validated here, once per call (jaxid.InputError; InputWarning for a COP far from
  the foot). Jitted: compiles once per (model, shapes, options).
  """
  return _inverse(
    model,
    model.mjx() if isinstance(model, Model) else None,
    trial,
    outputs,
    remat,
    schedule,
    check_finite,
  )


def _inverse(model, mjx_model, trial, outputs, remat, schedule, check_finite):
  outputs = _options(model, outputs, schedule)
  trial, batch_shape = validate.check_trial(model.mj_model, trial)
  concrete = not isinstance(trial.kinematics.qpos, jax.core.Tracer)
  run_outputs = tuple(dict.fromkeys(outputs + DISTANCES)) if concrete else outputs
  out = _run(model, mjx_model, trial, run_outputs, remat, schedule, check_finite, batch_shape)
  if concrete:
    validate.warn_far_cop(out, model.body_names)
  return {k: out[k] for k in outputs}


def inverse_dynamics_batched(
  model: Model,
  trials: Trial,
  mesh: Mesh | None = None,
  outputs=None,
  remat: bool = False,
  schedule: str = "auto",
  check_finite: bool = False,
) -> dict:
  """A batch (leading axis B) sharded over a mesh's devices along the batch axis.

  mesh: a jax.sharding.Mesh whose first axis splits the batch; default all devices in one axis
  named "batch". The batch is padded to a multiple of that axis's size (repeating the last
  trial) and the padding is stripped from the outputs; the model is replicated on every device.
  Other arguments: as inverse_dynamics.
  """
  if mesh is None:
    mesh = Mesh(np.array(jax.devices()), ("batch",))
  axis = mesh.axis_names[0]
  n_dev = mesh.shape[axis]
  _, batch_shape = validate.check_trial(model.mj_model, trials)
  if len(batch_shape) != 1:
    raise InputError(
      "trials: expected a batch with a leading axis B (rank 3 kinematics.qpos), got a single trial."
    )
  b = batch_shape[0]
  pad = (-b) % n_dev
  padded = jax.tree.map(
    lambda x: np.concatenate([x, np.repeat(x[-1:], pad, 0)]) if pad else x, trials
  )
  padded = jax.device_put(padded, NamedSharding(mesh, PartitionSpec(axis)))
  replicated = jax.device_put(model.mjx(), NamedSharding(mesh, PartitionSpec()))
  out = _inverse(model, replicated, padded, outputs, remat, schedule, check_finite)
  return jax.tree.map(lambda x: x[:b], out)

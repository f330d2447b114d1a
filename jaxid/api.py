"""The user-facing entry point: inverse_dynamics(model, trial)."""

from __future__ import annotations

import jax

from jaxid import pipeline
from jaxid.errors import InputError
from jaxid.model import Model
from jaxid.types import Trial


def inverse_dynamics(model: Model, trial: Trial, outputs=None, remat: bool = False,
                     schedule: str = "scan") -> dict:
  """Outputs of a trial (leading axis T) or of a batch of trials (leading axes B, T).

  model: from jaxid.load_model; trial: a Trial pytree; outputs: keys to compute (static,
  default all of pipeline.ALL_OUTPUTS); remat: checkpoint each frame for long-trial gradients;
  schedule: "scan" (the guide's lax.scan), "vmap" (all frames at once) or "chunked".
  Jitted: compiles once per (model, shapes, options).
  """
  if schedule not in pipeline.SCHEDULES:
    raise InputError(f"schedule: expected one of {list(pipeline.SCHEDULES)}, got {schedule!r}.")
  mjx_model = model.mjx()
  outputs = pipeline.check_outputs(mjx_model, outputs)
  fn = lambda tr: pipeline._inverse_dynamics(mjx_model, tr.kinematics, tr.loads,
                                             model.body_ids, outputs, remat, schedule)
  if trial.kinematics.qpos.ndim == 3:
    fn = jax.vmap(fn)
  return fn(trial)

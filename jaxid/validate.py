"""Boundary checks: once per call, outside jit, on shapes, dtypes and model facts.

Every failure raises jaxid.InputError with one sentence naming the argument, what was expected
and what came. Value checks (finite, unit quaternions) run only on concrete arrays: inside a
user's jit the values are tracers, and the opt-in checkify mode (check_finite) covers them.
"""

from __future__ import annotations

import warnings

import jax
import mujoco
import numpy as np

from jaxid.errors import InputError
from jaxid.types import Kinematics, Loads, Trial

QUAT_TOL = 1e-3  # |(|q| - 1)| at most this is renormalised silently; more is an error
COP_WARN_M = 0.5  # COP farther than this from the foot's origin in contact: likely a frame/unit bug


class InputWarning(UserWarning):
  """Input that is valid but probably wrong (for example a COP far from the foot)."""


def _concrete(x) -> bool:
  return not isinstance(x, jax.core.Tracer)


def _array_fields(trial: Trial):
  k, ld = trial.kinematics, trial.loads
  for name in ("qpos", "qvel", "qacc"):
    yield f"kinematics.{name}", getattr(k, name)
  for name in ("grf_l", "grf_r", "cop_l", "cop_r", "moment_l", "moment_r", "ext_forces"):
    yield f"loads.{name}", getattr(ld, name)


def trial_shapes(mj_model: mujoco.MjModel) -> dict[str, tuple[int, ...]]:
  """Per-frame shape of each array of a trial on this model."""
  per = {
    "kinematics.qpos": (mj_model.nq,),
    "kinematics.qvel": (mj_model.nv,),
    "kinematics.qacc": (mj_model.nv,),
    "loads.ext_forces": (mj_model.nbody, 6),
  }
  for name in ("grf_l", "grf_r", "cop_l", "cop_r", "moment_l", "moment_r"):
    per[f"loads.{name}"] = (3,)
  return per


def check_trial(mj_model: mujoco.MjModel, trial) -> tuple[Trial, tuple[int, ...]]:
  """Validate a trial (or a batch); returns it (quaternions renormalised) and its batch shape."""
  if not isinstance(trial, Trial):
    raise InputError(
      f"trial: expected a jaxid.Trial(kinematics, loads), got {type(trial).__name__}."
    )
  if not isinstance(trial.kinematics, Kinematics) or not isinstance(trial.loads, Loads):
    raise InputError("trial: expected kinematics to be a jaxid.Kinematics and loads a jaxid.Loads.")
  per = trial_shapes(mj_model)
  lead = None
  for name, x in _array_fields(trial):
    if x is None:
      raise InputError(f"{name}: expected an array of shape (T, {per[name]}), got None.")
    shape, dtype = np.shape(x), np.asarray(x).dtype if _concrete(x) else x.dtype
    if not np.issubdtype(dtype, np.floating):
      raise InputError(f"{name}: expected a floating-point array, got dtype {dtype}.")
    tail = per[name]
    if len(shape) < 1 + len(tail) or tuple(shape[len(shape) - len(tail) :]) != tail:
      raise InputError(
        f"{name}: expected shape (T, {', '.join(map(str, tail))}) or with a leading"
        f" batch axis, got {tuple(shape)}."
      )
    this_lead = tuple(shape[: len(shape) - len(tail)])
    if len(this_lead) not in (1, 2):
      raise InputError(
        f"{name}: expected rank {1 + len(tail)} (one trial) or {2 + len(tail)}"
        f" (a batch), got rank {len(shape)} with shape {tuple(shape)}."
      )
    if lead is None:
      lead = this_lead
    elif this_lead != lead:
      raise InputError(
        f"{name}: expected leading (batch, frames) axes {lead} like"
        f" kinematics.qpos, got {this_lead}; T must agree across arrays."
      )
    if lead[-1] < 1:
      raise InputError(f"{name}: expected at least one frame, got T = 0.")
  for name, x in _array_fields(trial):
    if _concrete(x):
      a = np.asarray(x)
      bad = ~np.isfinite(a)
      if bad.any():
        idx = np.argwhere(bad)[0]
        frame = int(idx[len(lead) - 1])
        raise InputError(
          f"{name}: expected finite values, got {a[tuple(idx)]} at frame {frame}"
          + (f" of trial {int(idx[0])}." if len(lead) == 2 else ".")
        )
  return _normalise_quats(mj_model, trial), lead[:-1]


def _normalise_quats(mj_model, trial: Trial) -> Trial:
  """Renormalise free/ball joint quaternions within QUAT_TOL of unit norm; else InputError."""
  qpos = trial.kinematics.qpos
  free, ball = int(mujoco.mjtJoint.mjJNT_FREE), int(mujoco.mjtJoint.mjJNT_BALL)
  types = [int(t) for t in mj_model.jnt_type]
  adrs = [
    int(mj_model.jnt_qposadr[j]) + (3 if types[j] == free else 0)
    for j in range(mj_model.njnt)
    if types[j] in (free, ball)
  ]
  if not adrs or not _concrete(qpos):
    return trial
  q = np.array(qpos, copy=True)
  for a in adrs:
    norm = np.linalg.norm(q[..., a : a + 4], axis=-1)
    off = np.abs(norm - 1.0)
    if off.max() > QUAT_TOL:
      idx = np.unravel_index(np.argmax(off), off.shape)
      raise InputError(
        f"kinematics.qpos: expected unit quaternions at qpos[{a}:{a + 4}] (within"
        f" {QUAT_TOL}), got norm {norm[idx]:.6g} at frame {int(idx[-1])}."
      )
    q[..., a : a + 4] /= norm[..., None]
  return trial.replace(kinematics=trial.kinematics.replace(qpos=q.astype(np.asarray(qpos).dtype)))


def warn_far_cop(outputs: dict, body_names) -> None:
  """Warn (InputWarning) when a COP in contact is farther than COP_WARN_M from its foot."""
  for side, name in zip("lr", body_names):
    dist = outputs.get(f"distance_calcn_{side}")
    if dist is None or not _concrete(dist):
      continue
    d = np.asarray(dist)
    if d.size and d.max() > COP_WARN_M:
      idx = np.unravel_index(np.argmax(d), d.shape)
      warnings.warn(
        f"loads.cop_{side}: the centre of pressure is {d[idx]:.3g} m from {name} at"
        f" frame {int(idx[-1])} (more than {COP_WARN_M} m): check the frame and units"
        " of the force-plate data.",
        InputWarning,
        stacklevel=3,
      )

"""Boundary checks, once per call and outside jit: structure first, then values.

Every failure raises jaxid.InputError with one sentence naming the argument, what was expected
and what came. check_structure reads only types, shapes and dtypes (free for device arrays).
check_values reads values, and only of concrete arrays: inside a user's jit the values are
tracers and the opt-in check_finite mode covers them. NumPy inputs are checked on the host;
JAX arrays on their device, by one small jitted reduction, so a valid device array is never
copied to the host and keeps its placement and sharding.
"""

from __future__ import annotations

import functools
import warnings

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from jaxid import contract
from jaxid.errors import InputError
from jaxid.types import Kinematics, Loads, Trial

QUAT_TOL = 1e-3  # |(|q| - 1)| at most this is renormalised silently; more is an error
COP_WARN_M = 0.5  # COP farther than this from the foot's origin in contact: likely a frame/unit bug
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
F32_MAX = float(np.finfo(np.float32).max)


class InputWarning(UserWarning):
  """Input that is valid but probably wrong (for example a COP far from the foot)."""


def _concrete(x) -> bool:
  return not isinstance(x, jax.core.Tracer)


def _array_fields(trial: Trial):
  """(name, array) of every input, named as contract.input_shapes names them."""
  for name in contract.KINEMATICS_FIELDS:
    yield f"kinematics.{name}", getattr(trial.kinematics, name)
  for name in contract.LOADS_FIELDS:
    yield f"loads.{name}", getattr(trial.loads, name)


def _lead(name: str, x, tail: tuple[int, ...]) -> tuple[int, ...]:
  """The leading (frames) or (batch, frames) axes of one input; InputError on its structure."""
  if not isinstance(x, np.ndarray | jax.Array):
    got = "None" if x is None else type(x).__name__
    raise InputError(
      f"{name}: expected a NumPy or JAX array of shape (T, {', '.join(map(str, tail))}),"
      f" got {got}; convert it with np.asarray."
    )
  if x.dtype not in DTYPES:
    raise InputError(f"{name}: expected a float32 or float64 array, got dtype {x.dtype}.")
  shape = tuple(x.shape)
  if len(shape) < 1 + len(tail) or shape[len(shape) - len(tail) :] != tail:
    raise InputError(
      f"{name}: expected shape (T, {', '.join(map(str, tail))}) or with a leading"
      f" batch axis, got {shape}."
    )
  lead = shape[: len(shape) - len(tail)]
  if len(lead) not in (1, 2):
    raise InputError(
      f"{name}: expected rank {1 + len(tail)} (one trial) or {2 + len(tail)}"
      f" (a batch), got rank {len(shape)} with shape {shape}."
    )
  return lead


def check_structure(mj_model: mujoco.MjModel, trial) -> tuple[tuple[int, ...], int]:
  """Types, dtypes and shapes of a trial (or a batch); returns (batch shape, T)."""
  if not isinstance(trial, Trial):
    raise InputError(
      f"trial: expected a jaxid.Trial(kinematics, loads), got {type(trial).__name__}."
    )
  if not isinstance(trial.kinematics, Kinematics) or not isinstance(trial.loads, Loads):
    raise InputError("trial: expected kinematics to be a jaxid.Kinematics and loads a jaxid.Loads.")
  per = contract.input_shapes(mj_model)
  lead = None
  for name, x in _array_fields(trial):
    this = _lead(name, x, per[name])
    if lead is None:
      lead = this
    elif this != lead:
      raise InputError(
        f"{name}: expected leading (batch, frames) axes {lead} like kinematics.qpos, got"
        f" {this}; T must agree across arrays (pad shorter trials to one length, e.g. by"
        " repeating their last frame, and drop the padded frames' outputs)."
      )
  if len(lead) == 2 and lead[0] < 1:
    raise InputError("trial: expected a batch of at least one trial, got B = 0.")
  if lead[-1] < 1:
    raise InputError("kinematics.qpos: expected at least one frame, got T = 0.")
  return lead[:-1], lead[-1]


def quat_addresses(mj_model: mujoco.MjModel) -> tuple[int, ...]:
  """qpos addresses of the free and ball joints' quaternions (w, x, y, z)."""
  free, ball = contract.FREE, int(mujoco.mjtJoint.mjJNT_BALL)
  types = [int(t) for t in mj_model.jnt_type]
  return tuple(
    int(mj_model.jnt_qposadr[j]) + (3 if types[j] == free else 0)
    for j in range(mj_model.njnt)
    if types[j] in (free, ball)
  )


def _where(index, lead: int) -> str:
  frame = f"frame {int(index[lead - 1])}"
  return frame + (f" of trial {int(index[0])}" if lead == 2 else "")


def _first(xp, mask):
  """Flat index of the first True of a mask, or -1 when there is none."""
  mask = mask.reshape(-1)
  return xp.where(xp.any(mask), xp.argmax(mask), -1)


def _masks(xp, arrays: dict, adrs: tuple, to_f32: tuple):
  """The failing elements of every value check, in the order they are reported: per field
  (non-finite, float32 overflow or None), per quaternion |norm - 1| > QUAT_TOL, a non-zero
  world-body wrench, per side a force whose COP is all zeros; and the quaternions' norms."""
  fields = {}
  for (k, x), f in zip(arrays.items(), to_f32):
    bad = ~xp.isfinite(x)
    fields[k] = (bad, xp.abs(xp.where(bad, 0.0, x)) > F32_MAX if f else None)
  qpos = arrays["kinematics.qpos"]
  norms = [xp.linalg.norm(qpos[..., a : a + 4], axis=-1) for a in adrs]
  quats = [xp.abs(n - 1.0) > QUAT_TOL for n in norms]
  world = arrays["loads.ext_forces"][..., 0, :] != 0
  # A force whose COP is all zeros would be dropped by the contact rule sum(|cop|) > 0.
  dropped = {}
  for side in contract.SIDES:
    cop, grf = arrays[f"loads.cop_{side}"], arrays[f"loads.grf_{side}"]
    dropped[side] = (xp.sum(xp.abs(cop), axis=-1) == 0) & xp.any(grf != 0, axis=-1)
  return fields, quats, world, dropped, norms


def _valid(xp, arrays: dict, adrs: tuple, to_f32: tuple):
  """(every check passes, qpos with its quaternions renormalised): one boolean for the host to
  read; where it is False, _flags finds and names the first failure."""
  fields, quats, world, dropped, norms = _masks(xp, arrays, adrs, to_f32)
  masks = [m for pair in fields.values() for m in pair if m is not None]
  masks += [*quats, world, *dropped.values()]
  ok = ~functools.reduce(lambda a, b: a | b, (xp.any(m) for m in masks))
  qpos = arrays["kinematics.qpos"]
  return ok, _normalised(xp, qpos, adrs, norms) if adrs else qpos


def _normalised(xp, qpos, adrs, norms):
  if isinstance(qpos, np.ndarray):
    q = np.array(qpos, copy=True)
    for a, n in zip(adrs, norms):
      q[..., a : a + 4] /= n[..., None]
    return q.astype(qpos.dtype)
  for a, n in zip(adrs, norms):
    qpos = qpos.at[..., a : a + 4].divide(n[..., None])
  return qpos


def _flags(xp, arrays: dict, adrs: tuple, to_f32: tuple):
  """Where each value check first fails (flat indices, -1 for none): per field (non-finite,
  float32 overflow), per quaternion (off-unit; and the norms), the world-body wrench, per side
  the dropped force."""
  fields, quats, world, dropped, norms = _masks(xp, arrays, adrs, to_f32)
  sums = {
    k: (_first(xp, bad), -1 if big is None else _first(xp, big)) for k, (bad, big) in fields.items()
  }
  quat_bad = [_first(xp, m) for m in quats]
  return sums, quat_bad, _first(xp, world), {k: _first(xp, m) for k, m in dropped.items()}, norms


_device_valid = jax.jit(functools.partial(_valid, jnp), static_argnames=("adrs", "to_f32"))
_device_flags = jax.jit(functools.partial(_flags, jnp), static_argnames=("adrs", "to_f32"))


def check_values(mj_model: mujoco.MjModel, trial: Trial) -> Trial:
  """Finite values that fit the compute precision, unit quaternions (renormalised within
  QUAT_TOL), no force on a foot whose COP is all zeros, no wrench on the world body; returns
  the trial with renormalised quaternions. Tracers pass unchecked. A valid trial costs one
  reduction and one boolean read back (on its device for JAX arrays); an invalid one a second
  pass that finds the first failure."""
  fields = dict(_array_fields(trial))
  if not all(_concrete(x) for x in fields.values()):
    return trial
  x64 = bool(jax.config.jax_enable_x64)
  # float64 NumPy data is cast to float32 at the jit boundary unless x64 is on.
  to_f32 = tuple(not x64 and x.dtype == np.float64 for x in fields.values())
  adrs = quat_addresses(mj_model)
  host = all(isinstance(x, np.ndarray) for x in fields.values())
  arrays = (
    fields
    if host
    else {k: x if isinstance(x, jax.Array) else jnp.asarray(x) for k, x in fields.items()}
  )
  ok, fixed = _valid(np, arrays, adrs, to_f32) if host else _device_valid(arrays, adrs, to_f32)
  if not bool(ok):
    flags = _flags(np, arrays, adrs, to_f32) if host else _device_flags(arrays, adrs, to_f32)
    _raise_first(fields, adrs, *jax.device_get(flags))
    raise AssertionError("jaxid: a value check failed but none was found (please report)")
  if not adrs:
    return trial
  return trial.replace(kinematics=trial.kinematics.replace(qpos=fixed))


def _raise_first(fields: dict, adrs: tuple, sums, quat_bad, world_bad, dropped, norms) -> None:
  """InputError naming the first failed check of _flags' indices, in the order they are listed."""
  qpos = fields["kinematics.qpos"]
  lead = len(qpos.shape) - 1
  for name, (bad, big) in sums.items():
    x = fields[name]
    if int(bad) >= 0:
      idx = np.unravel_index(int(bad), x.shape)
      raise InputError(
        f"{name}: expected finite values, got {np.asarray(x[idx])} at {_where(idx, lead)}."
      )
    if int(big) >= 0:
      idx = np.unravel_index(int(big), x.shape)
      raise InputError(
        f"{name}: {float(x[idx]):.3g} at {_where(idx, lead)} overflows float32 (largest"
        f" {F32_MAX:.3g}); enable jax_enable_x64 or rescale the data."
      )
  for a, bad, n in zip(adrs, quat_bad, norms):
    if int(bad) >= 0:
      idx = np.unravel_index(int(bad), qpos.shape[:-1])
      raise InputError(
        f"kinematics.qpos: expected unit quaternions at qpos[{a}:{a + 4}] (within"
        f" {QUAT_TOL}), got norm {float(n[idx]):.6g} at {_where(idx, lead)}."
      )
  if int(world_bad) >= 0:
    idx = np.unravel_index(int(world_bad), (*qpos.shape[:-1], 6))
    raise InputError(
      f"loads.ext_forces: a non-zero wrench on the world body (index 0) at {_where(idx, lead)};"
      " MuJoCo ignores wrenches on the world: put it on the body it acts on."
    )
  for side, bad in dropped.items():
    if int(bad) >= 0:
      idx = np.unravel_index(int(bad), qpos.shape[:-1])
      grf = np.asarray(fields[f"loads.grf_{side}"][idx])
      raise InputError(
        f"loads.cop_{side}: all zeros at {_where(idx, lead)} while loads.grf_{side} is"
        f" {np.array2string(grf, precision=4)} N: a zero COP means swing and the force would"
        " be dropped; give the COP, or zero the force in swing."
      )


def warn_far_cop(outputs: dict, body_names) -> None:
  """Warn (InputWarning) when a COP in contact is farther than COP_WARN_M from its foot."""
  for side, name, key in zip(contract.SIDES, body_names, contract.DISTANCES):
    dist = outputs.get(key)
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

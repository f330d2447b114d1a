"""A zero-lag low-pass filter: 4th-order Butterworth run forward and backward (filtfilt).

OpenSim's Inverse Dynamics tool low-pass filters the coordinates before differentiating them
(``lowpass_cutoff_frequency_for_coordinates``, 6 Hz in its examples, -1 to disable). Run forward
and backward the filter has zero phase lag; its magnitude response is squared, so the gain at
the cutoff is 1/2 (-6.02 dB) and the roll-off is 8th order. Each end is padded with an odd
(point-symmetric) extension of 3 (order + 1) samples and each pass starts in the filter's
steady state, as ``scipy.signal.filtfilt`` does by default (equal to it to round-off).

One code path for NumPy (``filtfilt``, host side, float64) and JAX (``filtfilt_jax``: pure,
jit-, grad- and vmap-safe, a ``lax.scan`` over frames).
"""

from __future__ import annotations

import functools
import math
from types import ModuleType

import jax
import jax.numpy as jnp
import numpy as np

from jaxid.contract import Array
from jaxid.errors import InputError

DEFAULT_CUTOFF = 6.0  # Hz, OpenSim's usual lowpass_cutoff_frequency_for_coordinates
DEFAULT_ORDER = 4


def filter_enabled(cutoff: float | None) -> bool:
  """Whether a cutoff asks for filtering: None, -1 (OpenSim's convention) or any value <= 0
  disables it."""
  return cutoff is not None and float(cutoff) > 0


def butterworth(cutoff: float, dt: float, order: int = DEFAULT_ORDER) -> tuple[np.ndarray, ...]:
  """(b, a): digital low-pass Butterworth coefficients for a sample interval dt (s).

  Analog prototype poles p_k = w_c exp(i pi (2k + N + 1) / 2N) at the pre-warped cutoff
  w_c = 2 fs tan(pi fc / fs), mapped by the bilinear transform z = (2 fs + p) / (2 fs - p); the
  N zeros sit at z = -1. b is scaled for unit gain at DC. Same as scipy.signal.butter(N, fc,
  fs=fs).
  """
  fs = 1.0 / float(dt)
  cutoff = float(cutoff)
  if not 0.0 < cutoff < fs / 2:
    raise InputError(
      f"cutoff: expected a frequency between 0 and the Nyquist frequency"
      f" {fs / 2:g} Hz (sampling at {fs:g} Hz), got {cutoff:g} Hz; use -1 to"
      " disable filtering."
    )
  order = int(order)
  if order < 1:
    raise InputError(f"order: expected a positive filter order, got {order}.")
  wc = 2.0 * fs * math.tan(math.pi * cutoff / fs)
  k = np.arange(order)
  poles = wc * np.exp(1j * np.pi * (2 * k + order + 1) / (2 * order))
  zpoles = (2 * fs + poles) / (2 * fs - poles)
  a = np.real(np.poly(zpoles))
  b = np.array([math.comb(order, i) for i in range(order + 1)], float)
  b *= a.sum() / b.sum()  # unit DC gain
  return b, a


def _steady_state(b, a) -> np.ndarray:
  """Initial state of the transposed direct form II filter for a unit step (lfilter_zi)."""
  n = len(a)
  companion = np.zeros((n - 1, n - 1))
  companion[0] = -a[1:] / a[0]
  companion[1:, :-1] += np.eye(n - 2)
  return np.linalg.solve(np.eye(n - 1) - companion.T, b[1:] - a[1:] * b[0])


def _odd_extend(x, n, xp):
  """[2 x0 - x[n:0:-1], x, 2 x_end - x[-2:-n-2:-1]] along axis 0."""
  left = 2 * x[:1] - x[n:0:-1]
  right = 2 * x[-1:] - x[-2 : -n - 2 : -1]
  return xp.concatenate([left, x, right], axis=0)


def _step(b, a, z, xt, xp):
  """One frame of the transposed direct form II filter (a[0] == 1): (new state z (N, C), y)."""
  n = len(b) - 1
  yt = b[0] * xt + z[0]
  rest = [b[i + 1] * xt + z[i + 1] - a[i + 1] * yt for i in range(n - 1)]
  return xp.stack([*rest, b[n] * xt - a[n] * yt]), yt


def _lfilter(b, a, x, z, xp):
  """The filter along axis 0 of x (T, C) from state z (N, C): a Python loop in NumPy, a scan
  in JAX."""
  if xp is np:
    y = np.empty_like(x)
    for t in range(x.shape[0]):
      z, y[t] = _step(b, a, z, x[t], np)
    return y
  return jax.lax.scan(functools.partial(_step, b, a, xp=jnp), z, x)[1]


def filtfilt(
  x: Array,
  dt: float,
  cutoff: float | None = DEFAULT_CUTOFF,
  order: int = DEFAULT_ORDER,
  padlen: int | None = None,
  xp: ModuleType = np,
) -> Array:
  """Zero-lag low-pass filter of x (T, ...) along axis 0 (frames), sampled every dt seconds.

  cutoff: Hz (None, -1 or <= 0 returns x unchanged); order: of the Butterworth design, applied
  forward then backward. xp=np: float64 NumPy (a copy); xp=jnp: pure JAX, differentiable in x
  (dt, cutoff, order, padlen static).
  """
  x = np.asarray(x, np.float64) if xp is np else jnp.asarray(x)
  if not filter_enabled(cutoff):
    return x.copy() if xp is np else x
  b, a = butterworth(cutoff, dt, order)
  b, a = b / a[0], a / a[0]
  padlen = 3 * (int(order) + 1) if padlen is None else int(padlen)  # scipy's 3 max(len(a), len(b))
  if x.shape[0] <= padlen:
    raise InputError(
      f"kinematics: the filter needs more than {padlen} frames, got {x.shape[0]};"
      " use a longer trial or disable filtering (cutoff -1)."
    )
  shape = x.shape
  flat = x.reshape(shape[0], -1)
  zi = xp.asarray(_steady_state(b, a), flat.dtype)[:, None]
  b, a = (tuple(float(v) for v in c) for c in (b, a))
  ext = _odd_extend(flat, padlen, xp)
  y = _lfilter(b, a, ext, zi * ext[0], xp)
  y = _lfilter(b, a, y[::-1], zi * y[-1], xp)[::-1]
  return y[padlen : y.shape[0] - padlen].reshape(shape)


def filtfilt_jax(
  x: Array,
  dt: float,
  cutoff: float | None = DEFAULT_CUTOFF,
  order: int = DEFAULT_ORDER,
  padlen: int | None = None,
) -> jax.Array:
  """filtfilt in JAX: pure and differentiable in x; dt, cutoff, order, padlen are static."""
  return filtfilt(x, dt, cutoff, order, padlen, xp=jnp)

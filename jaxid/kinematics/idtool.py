"""OpenSim's InverseDynamicsTool's coordinate processing, reproduced: pad, IIR low-pass, splines.

What OpenSim 4.6 does to an IK .mot before inverse dynamics (InverseDynamicsTool::run):

1. with ``lowpass_cutoff_frequency_for_coordinates`` >= 0 (jaxid: > 0; 0 is refused): pad each column with T // 2 samples
   at each end, reflected and negated about the end value (Signal::Pad), then low-pass it
   with a 3rd-order Butterworth IIR run forward and backward whose first three outputs are the
   inputs (Signal::LowpassIIR, not scipy's steady-state start);
2. fit a natural interpolating quintic spline through every (padded) column (GCVSpline degree
   5, error variance 0: third and fourth derivatives zero at the end knots);
3. take value, first and second derivative of the spline at the file's times.

Here the filter is a ``lax.scan`` and the spline a dense linear operator (T, T_padded) built on
the host from the time column (scipy's ``make_interp_spline``, equal to OpenSim's GCVSpline to
1e-13 of each derivative's peak), so the values -> (q, qdot, qddot) map is pure JAX: jit-,
grad- and vmap-safe in the coordinates. The operators hold 2 T T_padded floats (1000 frames,
filtered: 48 MB in float64).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from jaxid.contract import Array
from jaxid.errors import InputError
from jaxid.kinematics.filters import filter_enabled

SPLINE_DEGREE = 5  # GCVSplineSet(5, ...) in InverseDynamicsTool


def iir3(dt: float, cutoff: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
  """(a, b): Signal::LowpassIIR's 3rd-order Butterworth, y_i = sum a_k x_(i-k) - sum b_k y_(i-k),
  b[0] = 1; the cutoff pre-warped, capped at 0.49 fs as OpenSim does."""
  fs = 1.0 / dt
  fc = min(float(cutoff), 0.49 * fs)
  wa = math.tan(math.pi * fc * dt)
  wa2, wa3 = wa * wa, wa * wa * wa
  den = (wa + 1.0) * (wa2 + wa + 1.0)
  a = (wa3 / den, 3 * wa3 / den, 3 * wa3 / den, wa3 / den)
  b = (
    1.0,
    (3 * wa3 + 2 * wa2 - 2 * wa - 3) / den,
    (3 * wa3 - 2 * wa2 - 2 * wa + 3) / den,
    (wa - 1) * (wa2 - wa + 1) / den,
  )
  return a, b


def _one_pass(x, a, b):
  """One forward pass along axis 0 of x (T, C): y[:3] = x[:3], then the recursion."""

  def step(carry, xi):
    xs, ys = carry  # the last three inputs and outputs, newest first, (3, C) each
    yi = a[0] * xi + a[1] * xs[0] + a[2] * xs[1] + a[3] * xs[2]
    yi = yi - b[1] * ys[0] - b[2] * ys[1] - b[3] * ys[2]
    return (jnp.stack([xi, xs[0], xs[1]]), jnp.stack([yi, ys[0], ys[1]])), yi

  head = x[:3][::-1]
  _, rest = jax.lax.scan(step, (head, head), x[3:])
  return jnp.concatenate([x[:3], rest], axis=0)


def lowpass_iir(x: Array, dt: float, cutoff: float) -> jax.Array:
  """Signal::LowpassIIR along axis 0 of x (T, C): forward, then backward on the reversed output."""
  a, b = iir3(dt, cutoff)
  y = _one_pass(jnp.asarray(x), a, b)
  return _one_pass(y[::-1], a, b)[::-1]


def pad(x: Array, n: int, xp=jnp):
  """Signal::Pad along axis 0: n samples each side, x reflected and negated about its ends."""
  if n == 0:
    return x
  left = 2 * x[:1] - x[n:0:-1]
  right = 2 * x[-1:] - x[-2 : -n - 2 : -1]
  return xp.concatenate([left, x, right], axis=0)


def pad_size(n_frames: int, filtered: bool) -> int:
  """OpenSim's pad: T // 2 samples each side when filtering, none otherwise."""
  return n_frames // 2 if filtered else 0


def spline_operators(time: Array, n_pad: int) -> tuple[np.ndarray, np.ndarray]:
  """(D1, D2), each (T, T + 2 n_pad) float64: the first and second time derivatives, at the T
  given times, of the natural quintic spline through values at the padded times."""
  from scipy.interpolate import make_interp_spline

  time = np.asarray(time, np.float64)
  knots = pad(time, n_pad, np)
  if len(knots) < SPLINE_DEGREE + 1:
    raise InputError(f"kinematics: the quintic spline needs at least 6 frames, got {len(time)}.")
  if np.any(np.diff(knots) <= 0):
    raise InputError("kinematics: time must increase strictly for the spline.")
  n = len(knots)
  zero = np.zeros(n)  # a natural quintic spline: 3rd and 4th derivatives zero at both ends
  ends = [(3, zero), (4, zero)]
  spline = make_interp_spline(knots, np.eye(n), k=SPLINE_DEGREE, bc_type=(ends, ends))
  return spline(time, 1), spline(time, 2)


def coordinate_derivatives(values: Array, time: Array, cutoff: float | None):
  """(q, qdot, qddot), each (T, n), from coordinate values (T, n) at time (T,) as OpenSim's ID
  tool computes them; cutoff Hz (None, -1 or <= 0: no filter). Pure JAX in values."""
  time = np.asarray(time, np.float64)
  filtered = filter_enabled(cutoff)
  n_pad = pad_size(len(time), filtered)
  d1, d2 = spline_operators(time, n_pad)
  dt = float(np.min(np.diff(time)))  # Storage::lowpassIIR filters at the smallest step
  return _derivatives(jnp.asarray(values), d1, d2, dt, float(cutoff) if filtered else -1.0, n_pad)


@functools.partial(jax.jit, static_argnames=("dt", "cutoff", "n_pad"))
def _derivatives(values, d1, d2, dt, cutoff, n_pad):
  x = pad(values, n_pad)
  if cutoff >= 0:
    x = lowpass_iir(x, dt, cutoff)
  d1, d2 = jnp.asarray(d1, x.dtype), jnp.asarray(d2, x.dtype)
  return x[n_pad : x.shape[0] - n_pad], d1 @ x, d2 @ x

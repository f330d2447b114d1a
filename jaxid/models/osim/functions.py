"""OpenSim's coordinate functions as (value, first, second derivative) in JAX: exact ports."""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

TINY = 1e-7  # OpenSim's TINY_NUMBER (SimmSpline)
ROUNDOFF = 2e-13  # OpenSim's ROUNDOFF_ERROR (SimmSpline extrapolation threshold)


@dataclasses.dataclass(frozen=True)
class Linear:
  """f(x) = slope x + intercept (Constant: slope 0)."""

  slope: float
  intercept: float

  def __call__(self, x):
    """(...,) -> value, d/dx, d2/dx2, each (...,)."""
    x = jnp.asarray(x)
    return self.slope * x + self.intercept, jnp.full_like(x, self.slope), jnp.zeros_like(x)

  @property
  def identity(self) -> bool:
    """Whether f(x) = x."""
    return self.slope == 1.0 and self.intercept == 0.0


@dataclasses.dataclass(frozen=True)
class Polynomial:
  """OpenSim PolynomialFunction: coefficients from the highest power to the constant."""

  coefs: tuple[float, ...]

  def __call__(self, x):
    """(...,) -> value, d/dx, d2/dx2, each (...,)."""
    x = jnp.asarray(x)
    c = np.asarray(self.coefs, float)
    d1 = np.polyder(c) if len(c) > 1 else np.zeros(1)
    d2 = np.polyder(d1) if len(d1) > 1 else np.zeros(1)
    return tuple(jnp.polyval(jnp.asarray(k), x) + 0.0 * x for k in (c, d1, d2))


@dataclasses.dataclass(frozen=True)
class Multiplier:
  """OpenSim MultiplierFunction: scale * inner(x)."""

  inner: object
  scale: float

  def __call__(self, x):
    """(...,) -> value, d/dx, d2/dx2, each (...,)."""
    return tuple(self.scale * v for v in self.inner(x))


@dataclasses.dataclass(frozen=True)
class Cubic:
  """A piecewise cubic y + b dx + c dx^2 + d dx^3 on knots x, linear (slope b) outside."""

  x: tuple[float, ...]
  y: tuple[float, ...]
  b: tuple[float, ...]
  c: tuple[float, ...]
  d: tuple[float, ...]

  def __call__(self, v):
    """(...,) -> value, d/dx, d2/dx2, each (...,)."""
    v = jnp.asarray(v)
    x, y, b, c, d = (jnp.asarray(a) for a in (self.x, self.y, self.b, self.c, self.d))
    n = len(self.x)
    k = jnp.clip(jnp.searchsorted(x, v, side="right") - 1, 0, n - 1)
    dx = v - x[k]
    f = y[k] + dx * (b[k] + dx * (c[k] + dx * d[k]))
    f1 = b[k] + dx * (2.0 * c[k] + 3.0 * dx * d[k])
    f2 = 2.0 * c[k] + 6.0 * dx * d[k]
    lo, hi = v < x[0] - ROUNDOFF, v > x[-1] + ROUNDOFF
    f = jnp.where(lo, y[0] + (v - x[0]) * b[0], jnp.where(hi, y[-1] + (v - x[-1]) * b[-1], f))
    f1 = jnp.where(lo, b[0], jnp.where(hi, b[-1], f1))
    f2 = jnp.where(lo | hi, 0.0, f2)
    return f, f1, f2


def simm_spline(xs, ys) -> Cubic:
  """OpenSim SimmSpline::calcCoefficients (SIMM's end conditions), knots (n,) -> Cubic."""
  x, y = np.asarray(xs, float), np.asarray(ys, float)
  n = len(x)
  b, c, d = np.zeros(n), np.zeros(n), np.zeros(n)
  if n == 2:
    b[:] = (y[1] - y[0]) / max(TINY, x[1] - x[0])
    return Cubic(*(tuple(a) for a in (x, y, b, c, d)))
  nm1, nm2 = n - 1, n - 2
  d[0] = max(TINY, x[1] - x[0])
  c[1] = (y[1] - y[0]) / d[0]
  for i in range(1, nm1):
    d[i] = max(TINY, x[i + 1] - x[i])
    b[i] = 2.0 * (d[i - 1] + d[i])
    c[i + 1] = (y[i + 1] - y[i]) / d[i]
    c[i] = c[i + 1] - c[i]
  b[0], b[nm1], c[0], c[nm1] = -d[0], -d[nm2], 0.0, 0.0
  if n > 3:
    d31, d20 = max(TINY, x[3] - x[1]), max(TINY, x[2] - x[0])
    d1, d2 = max(TINY, x[nm1] - x[n - 3]), max(TINY, x[nm2] - x[n - 4])
    d30, d3 = max(TINY, x[3] - x[0]), max(TINY, x[nm1] - x[n - 4])
    c[0] = (c[2] / d31 - c[1] / d20) * d[0] * d[0] / d30
    c[nm1] = -(c[nm2] / d1 - c[n - 3] / d2) * d[nm2] * d[nm2] / d3
  for i in range(1, n):
    t = d[i - 1] / b[i - 1]
    b[i] -= t * d[i - 1]
    c[i] -= t * c[i - 1]
  c[nm1] /= b[nm1]
  for i in range(nm2, -1, -1):
    c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
  b[nm1] = (y[nm1] - y[nm2]) / d[nm2] + d[nm2] * (c[nm2] + 2.0 * c[nm1])
  for i in range(nm1):
    b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
    d[i] = (c[i + 1] - c[i]) / d[i]
    c[i] *= 3.0
  c[nm1] *= 3.0
  d[nm1] = d[nm2]
  return Cubic(*(tuple(a) for a in (x, y, b, c, d)))


def piecewise_linear(xs, ys) -> Cubic:
  """OpenSim PiecewiseLinearFunction, knots (n,) -> Cubic with c = d = 0."""
  x, y = np.asarray(xs, float), np.asarray(ys, float)
  slope = np.diff(y) / np.diff(x)
  b = np.append(slope, slope[-1])
  z = np.zeros(len(x))
  return Cubic(*(tuple(a) for a in (x, y, b, z, z)))

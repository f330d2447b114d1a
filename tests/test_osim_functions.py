"""jaxid's ports of OpenSim's coordinate functions vs OpenSim's own calcValue/calcDerivative."""

from __future__ import annotations

import jax
import numpy as np
import opensim as osim
import pytest
from hypothesis import given
from hypothesis import strategies as st

from jaxid.models.osim import functions as fns
from jaxid.models.osim.reader import function

pytestmark = pytest.mark.usefixtures("float64_module")  # float64 here only


KNOTS = np.radians([-120, -100, -80, -60, -40, -20, -10, 0, 10])
VALUES = [-0.0032, 0.00179, 0.00411, 0.0041, 0.00212, -0.001, -0.0031, -0.0052, -0.006]


def opensim_fn(kind: str):
  """An OpenSim function of each supported kind (knee-like knots for the splines)."""
  if kind in ("SimmSpline", "PiecewiseLinearFunction"):
    f = getattr(osim, kind)()
    for x, y in zip(KNOTS, VALUES):
      f.addPoint(float(x), float(y))
    return f
  if kind == "PolynomialFunction":
    return osim.PolynomialFunction(osim.Vector([0.3, -1.2, 0.5, 2.0]))
  if kind == "LinearFunction":
    return osim.LinearFunction(-0.7, 0.2)
  if kind == "Constant":
    return osim.Constant(0.37)
  inner = osim.SimmSpline()
  for x, y in zip(KNOTS, VALUES):
    inner.addPoint(float(x), float(y))
  inner.thisown = False  # the MultiplierFunction owns (and frees) it
  return osim.MultiplierFunction(inner, -2.5)


KINDS = (
  "SimmSpline",
  "PiecewiseLinearFunction",
  "PolynomialFunction",
  "LinearFunction",
  "Constant",
  "MultiplierFunction",
)
FUNCTIONS = {k: opensim_fn(k) for k in KINDS}


def reference(f, x: float) -> np.ndarray:
  """OpenSim's value, first and second derivative at x (3,)."""
  v = osim.Vector(1, x)
  return np.array(
    [
      f.calcValue(v),
      f.calcDerivative(osim.StdVectorInt([0]), v),
      f.calcDerivative(osim.StdVectorInt([0, 0]), v),
    ]
  )


@given(kind=st.sampled_from(KINDS), x=st.floats(-3.0, 1.5, allow_nan=False))
def test_functions_match_opensim(kind, x):
  """Value and two derivatives within 1e-12, inside the knots and extrapolated past both ends."""
  mine = np.array([float(v) for v in function(FUNCTIONS[kind], "test")(x)])
  np.testing.assert_allclose(mine, reference(FUNCTIONS[kind], x), rtol=0, atol=1e-12)


def test_simm_spline_is_not_a_natural_spline():
  """SimmSpline's end conditions differ from a natural spline's zero end curvature."""
  f = fns.simm_spline(KNOTS, VALUES)
  assert abs(float(f(KNOTS[0])[2])) > 1e-3
  np.testing.assert_allclose(
    float(f(KNOTS[0])[2]), reference(FUNCTIONS["SimmSpline"], KNOTS[0])[2], rtol=0, atol=1e-12
  )


def test_spline_gradient_is_its_derivative():
  """jax.grad of the ported spline value equals its analytic first derivative."""
  f = fns.simm_spline(KNOTS, VALUES)
  for x in np.linspace(-2.5, 0.5, 13):
    np.testing.assert_allclose(jax.grad(lambda v: f(v)[0])(x), f(x)[1], rtol=0, atol=1e-14)

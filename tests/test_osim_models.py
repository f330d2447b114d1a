"""OpenSim models built with the opensim API for the .osim import tests (saved into tmp_path)."""

from __future__ import annotations

import numpy as np
import opensim as osim


def v3(x) -> osim.Vec3:
  """(3,) -> Vec3."""
  return osim.Vec3(*map(float, x))


def body(name: str, rng) -> osim.Body:
  """A body with a random mass, mass centre and a physical full inertia tensor."""
  a = rng.normal(size=(3, 3))
  r, _ = np.linalg.qr(a)
  i = r @ np.diag(rng.uniform(0.1, 0.2, 3)) @ r.T
  inertia = osim.Inertia(i[0, 0], i[1, 1], i[2, 2], i[0, 1], i[0, 2], i[1, 2])
  return osim.Body(name, float(rng.uniform(1, 10)), v3(rng.normal(scale=0.1, size=3)), inertia)


def offsets(rng, rotated: bool = True):
  """(loc, orient) pairs for a parent and a child offset frame, rotated and translated."""

  def one():
    return v3(rng.normal(scale=0.2, size=3)), v3(rng.uniform(-1, 1, 3) if rotated else np.zeros(3))

  return (*one(), *one())


def custom_transform(rot, trans) -> osim.SpatialTransform:
  """rot/trans: 3 (coord, axis (3,), Function or None) per slot -> a SpatialTransform."""
  st = osim.SpatialTransform()
  for i, (coord, axis, fn) in enumerate([*rot, *trans]):
    ta = st.updTransformAxis(i)
    ta.setAxis(v3(axis))
    if coord is not None:
      ta.setCoordinateNames(osim.ArrayStr(coord, 1))
      ta.set_function(fn if fn is not None else osim.LinearFunction())
    else:
      ta.set_function(osim.Constant(0.0))
  return st


def spline(xs, ys) -> osim.SimmSpline:
  """A SimmSpline through the knots."""
  s = osim.SimmSpline()
  for x, y in zip(xs, ys):
    s.addPoint(float(x), float(y))
  return s


def piecewise(xs, ys) -> osim.PiecewiseLinearFunction:
  """A PiecewiseLinearFunction through the knots."""
  f = osim.PiecewiseLinearFunction()
  for x, y in zip(xs, ys):
    f.addPoint(float(x), float(y))
  return f


def _add(model, joint, child):
  """Add a body and the joint that carries it."""
  model.addBody(child)
  model.addJoint(joint)


def leg_model(seed: int = 0) -> osim.Model:
  """A gait2392-like leg: ZXY pelvis CustomJoint, oblique Pin hip, SimmSpline knee translations,
  Weld, Universal, Slider, Planar, Gimbal and Ball joints, a neck CustomJoint driven through every
  supported function type, every offset frame rotated and translated."""
  rng = np.random.default_rng(seed)
  m = osim.Model()
  m.setName("leg")
  m.setGravity(osim.Vec3(0.3, -9.80665, 0.1))
  ground = m.getGround()
  pelvis, femur, tibia, talus, foot, toes = (
    body(n, rng) for n in ("pelvis", "femur_r", "tibia_r", "talus_r", "calcn_r", "toes_r")
  )
  st = custom_transform(
    [
      ("pelvis_tilt", (0, 0, 1), None),
      ("pelvis_list", (1, 0, 0), None),
      ("pelvis_rotation", (0, 1, 0), None),
    ],
    [
      ("pelvis_tx", (1, 0, 0), None),
      ("pelvis_ty", (0, 1, 0), None),
      ("pelvis_tz", (0, 0, 1), None),
    ],
  )
  _add(
    m,
    osim.CustomJoint("ground_pelvis", ground, *offsets(rng)[:2], pelvis, *offsets(rng)[2:], st),
    pelvis,
  )
  _add(m, osim.PinJoint("hip_r", pelvis, *offsets(rng)[:2], femur, *offsets(rng)[2:]), femur)
  knee = np.radians([-120, -100, -80, -60, -40, -20, -10, 0, 10])
  kx = spline(knee, [-0.0032, 0.00179, 0.00411, 0.0041, 0.00212, -0.001, -0.0031, -0.0052, -0.006])
  ky = spline(knee, [-0.4226, -0.4082, -0.399, -0.3976, -0.3966, -0.3949, -0.3933, -0.3926, -0.39])
  st = custom_transform(
    [("knee_angle_r", (0, 0, 1), None), (None, (1, 0, 0), None), (None, (0, 1, 0), None)],
    [("knee_angle_r", (1, 0, 0), kx), ("knee_angle_r", (0, 1, 0), ky), (None, (0, 0, 1), None)],
  )
  _add(m, osim.CustomJoint("knee_r", femur, *offsets(rng)[:2], tibia, *offsets(rng)[2:], st), tibia)
  _add(m, osim.WeldJoint("weld_r", tibia, *offsets(rng)[:2], talus, *offsets(rng)[2:]), talus)
  _add(
    m, osim.UniversalJoint("subtalar_r", talus, *offsets(rng)[:2], foot, *offsets(rng)[2:]), foot
  )
  _add(m, osim.SliderJoint("mtp_r", foot, *offsets(rng)[:2], toes, *offsets(rng)[2:]), toes)
  arm, hand = body("arm", rng), body("hand", rng)
  _add(m, osim.PlanarJoint("shoulder", pelvis, *offsets(rng)[:2], arm, *offsets(rng)[2:]), arm)
  _add(m, osim.GimbalJoint("wrist", arm, *offsets(rng)[:2], hand, *offsets(rng)[2:]), hand)
  clav = body("clavicle", rng)
  _add(m, osim.BallJoint("sternoclav", pelvis, *offsets(rng)[:2], clav, *offsets(rng)[2:]), clav)
  head = body("head", rng)
  inner = spline(knee, np.linspace(-0.4, 0.3, len(knee)))
  inner.thisown = False  # the MultiplierFunction owns (and frees) it
  st = custom_transform(
    [
      ("neck_flexion", (0, 0, 1), osim.LinearFunction(0.8, 0.1)),
      ("neck_flexion", (1, 0.3, 0), osim.PolynomialFunction(osim.Vector([0.2, -0.5, 0.3, 0.05]))),
      ("neck_rotation", (0, 1, 0), osim.MultiplierFunction(inner, -1.5)),
    ],
    [
      ("neck_rotation", (1, 0, 0), osim.Constant(0.02)),
      (
        "neck_flexion",
        (0, 1, 0),
        piecewise([-2.0, 0.0, 2.0], [0.1, 0.0, 0.3]),
      ),
      (None, (0, 0, 1), None),
    ],
  )
  _add(m, osim.CustomJoint("neck", pelvis, *offsets(rng)[:2], head, *offsets(rng)[2:], st), head)
  m.finalizeConnections()
  return m


def save(model: osim.Model, path) -> str:
  """Print the model to path (.osim) and return it as a string."""
  model.finalizeConnections()
  model.printToXML(str(path))
  return str(path)

"""Read an OpenSim model through `opensim` into plain bodies, joints and dof specs."""

from __future__ import annotations

import dataclasses

import numpy as np

from jaxid.errors import InputError
from jaxid.models.osim import functions as fns
from jaxid.models.osim.coordinate_map import Ball, Dof


@dataclasses.dataclass(frozen=True)
class Axis:
  """One MuJoCo joint inside a body: kind "hinge"/"slide", axis and pos in the body frame (3,)."""

  kind: str
  axis: tuple[float, ...]
  pos: tuple[float, ...]
  dof: Dof


@dataclasses.dataclass(frozen=True)
class BodySpec:
  """One OpenSim body: its parent, inertia about the mass centre, frame in parent at zero motion."""

  name: str
  parent: str
  mass: float
  com: tuple[float, ...]
  inertia: tuple[float, ...]  # ixx iyy izz ixy ixz iyz (MuJoCo fullinertia order)
  pos: tuple[float, ...]
  rot: np.ndarray  # (3, 3) body frame in parent body frame before joint motion
  axes: tuple[Axis, ...]


def vec(v) -> np.ndarray:
  """SimTK Vec3 -> (3,)."""
  return np.array([v.get(i) for i in range(3)])


def transform(t) -> tuple[np.ndarray, np.ndarray]:
  """SimTK Transform -> rotation (3, 3), position (3,)."""
  m = t.R().asMat33()
  return np.array([[m.get(i, j) for j in range(3)] for i in range(3)]), vec(t.p())


def function(fn, where: str):
  """An OpenSim Function -> a jaxid.models.osim.functions callable; InputError if unsupported."""
  import opensim

  kind = fn.getConcreteClassName()
  if kind == "Constant":
    return fns.Linear(0.0, opensim.Constant.safeDownCast(fn).getValue())
  if kind == "LinearFunction":
    f = opensim.LinearFunction.safeDownCast(fn)
    return fns.Linear(f.getSlope(), f.getIntercept())
  if kind in ("SimmSpline", "PiecewiseLinearFunction"):
    f = getattr(opensim, kind).safeDownCast(fn)
    xs = [f.getX(i) for i in range(f.getSize())]
    ys = [f.getY(i) for i in range(f.getSize())]
    return (fns.simm_spline if kind == "SimmSpline" else fns.piecewise_linear)(xs, ys)
  if kind == "PolynomialFunction":
    c = opensim.PolynomialFunction.safeDownCast(fn).getCoefficients()
    return fns.Polynomial(tuple(c.get(i) for i in range(c.size())))
  if kind == "MultiplierFunction":
    f = opensim.MultiplierFunction.safeDownCast(fn)
    return fns.Multiplier(function(f.getFunction(), where), f.getScale())
  raise InputError(f"{where}: function type {kind} is not supported (jaxid.models.osim).")


# Non-custom joints as (kind, axis in the joint frame, coordinate slot), translations first:
# X_FM = T(p) R with R the body-fixed product of the rotations (Simbody's mobilizers).
_EX, _EY, _EZ = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
JOINT_AXES = {
  "WeldJoint": (),
  "PinJoint": (("hinge", _EZ, 0),),
  "SliderJoint": (("slide", _EX, 0),),
  "UniversalJoint": (("hinge", _EX, 0), ("hinge", _EY, 1)),
  "GimbalJoint": (("hinge", _EX, 0), ("hinge", _EY, 1), ("hinge", _EZ, 2)),
  "PlanarJoint": (("slide", _EX, 1), ("slide", _EY, 2), ("hinge", _EZ, 0)),
}
IDENTITY = fns.Linear(1.0, 0.0)


def joint_axes(joint, coord_index: dict, where: str) -> list[tuple[str, np.ndarray, Dof]]:
  """An OpenSim joint -> its MuJoCo axes (kind, axis (3,) in the joint's child frame, Dof)."""
  import opensim

  kind, name = joint.getConcreteClassName(), joint.getName()
  if kind in JOINT_AXES:
    coords = [joint.get_coordinates(i).getName() for i in range(joint.numCoordinates())]
    return [
      (k, np.array(a), Dof(coords[s], coord_index[coords[s]], IDENTITY))
      for k, a, s in JOINT_AXES[kind]
    ]
  if kind == "BallJoint":
    coords = [joint.get_coordinates(i).getName() for i in range(3)]
    return [("ball", np.zeros(3), Ball(name, tuple(coord_index[c] for c in coords), ()))]
  if kind != "CustomJoint":
    raise InputError(
      f"{where}: joint {name!r} of type {kind} is not supported (jaxid.models.osim)."
    )
  st = opensim.CustomJoint.safeDownCast(joint).getSpatialTransform()
  out = []
  for i in (3, 4, 5, 0, 1, 2):
    ta = st.getTransformAxis(i)
    names = ta.getCoordinateNamesInArray()
    cn = [names.get(j) for j in range(names.getSize())]
    fn = function(ta.get_function(), f"{where}: joint {name!r} axis {ta.getName()}")
    if len(cn) > 1:
      raise InputError(f"{where}: joint {name!r} axis {ta.getName()} depends on {cn}: one only.")
    if not cn:
      if fn(0.0)[0] == 0.0:
        continue
      raise InputError(f"{where}: joint {name!r} axis {ta.getName()}: constant without coordinate.")
    if isinstance(fn, fns.Linear) and fn.slope == 0.0 and fn.intercept == 0.0:
      continue
    dof_name = cn[0] if getattr(fn, "identity", False) else f"{name}_{ta.getName()}"
    kind_i = "slide" if i >= 3 else "hinge"
    out.append((kind_i, vec(ta.getAxis()), Dof(dof_name, coord_index[cn[0]], fn)))
  names = [d.name for _, _, d in out]
  return [
    (k, a, d if names.count(d.name) == 1 else dataclasses.replace(d, name=f"{name}_{j}_{d.name}"))
    for j, (k, a, d) in enumerate(out)
  ]


def read_bodies(model, where: str) -> list[BodySpec]:
  """The bodies of an initialised opensim.Model, parents before children."""
  coords = model.getCoordinateSet()
  coord_index = {coords.get(i).getName(): i for i in range(coords.getSize())}
  specs = {}
  joints = model.getJointSet()
  for i in range(joints.getSize()):
    j = joints.get(i)
    pf, cf = j.getParentFrame(), j.getChildFrame()
    parent, child = pf.findBaseFrame().getName(), cf.findBaseFrame().getName()
    r_pf, p_pf = transform(pf.findTransformInBaseFrame())
    r_bc, p_bc = transform(cf.findTransformInBaseFrame())
    rot = r_pf @ r_bc.T
    pos = p_pf - rot @ p_bc
    axes = tuple(
      Axis("ball", (0.0, 0.0, 1.0), tuple(p_bc), dataclasses.replace(d, rbc=tuple(r_bc.ravel())))
      if k == "ball"
      else Axis(k, tuple(r_bc @ a / np.linalg.norm(a)), tuple(p_bc), d)
      for k, a, d in joint_axes(j, coord_index, where)
    )
    b = model.getBodySet().get(child)
    mom, prod = vec(b.getInertia().getMoments()), vec(b.getInertia().getProducts())
    # the joint's inertia in the body frame: about the mass centre (OpenSim), rotate nothing.
    specs[child] = BodySpec(
      child,
      parent,
      b.getMass(),
      tuple(vec(b.getMassCenter())),
      (*mom, *prod),
      tuple(pos),
      rot,
      axes,
    )
  children = {}
  for s in specs.values():
    children.setdefault(s.parent, []).append(s)
  order, stack = [], list(reversed(children.get("ground", [])))
  while stack:  # depth first: MuJoCo's body (and so qpos) order
    s = stack.pop()
    order.append(s)
    stack.extend(reversed(children.get(s.name, [])))
  if len(order) != len(specs):
    raise InputError(f"{where}: the joints do not form a tree rooted at ground.")
  return order

"""Plain body specs -> MJCF text (y-up ground, gravity from the model, no frame conversion)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import mujoco
import numpy as np


def fmt(values) -> str:
  """Floats -> a space-separated string that round-trips exactly."""
  return " ".join(repr(float(v)) for v in np.ravel(values))


def quat(rot: np.ndarray) -> np.ndarray:
  """Rotation matrix (3, 3) -> unit quaternion (4,) w x y z."""
  q = np.zeros(4)
  mujoco.mju_mat2Quat(q, np.ascontiguousarray(rot, float).ravel())
  return q


def mjcf(name: str, gravity, bodies) -> str:
  """Body specs (parents first) and gravity (3,) -> the MJCF document."""
  root = ET.Element("mujoco", model=name)
  ET.SubElement(root, "compiler", angle="radian", inertiafromgeom="false", autolimits="true")
  ET.SubElement(root, "option", gravity=fmt(gravity))
  world = ET.SubElement(root, "worldbody")
  elements = {"ground": world}
  for b in bodies:
    el = ET.SubElement(
      elements[b.parent], "body", name=b.name, pos=fmt(b.pos), quat=fmt(quat(b.rot))
    )
    if b.mass > 0:
      ET.SubElement(el, "inertial", pos=fmt(b.com), mass=repr(b.mass), fullinertia=fmt(b.inertia))
    for a in b.axes:
      extra = {} if a.kind == "ball" else {"axis": fmt(a.axis)}
      ET.SubElement(el, "joint", name=a.dof.name, type=a.kind, pos=fmt(a.pos), **extra)
    elements[b.name] = el
  ET.indent(root, space="  ")
  return ET.tostring(root, encoding="unicode") + "\n"

"""convert(path): an OpenSim model -> MJCF text and the coordinate map; write it atomically."""

from __future__ import annotations

import dataclasses
import os
import tempfile

from jaxid.errors import InputError
from jaxid.models.osim.coordinate_map import CoordinateMap
from jaxid.models.osim.mjcf import mjcf
from jaxid.models.osim.reader import read_bodies, vec


@dataclasses.dataclass(frozen=True)
class Conversion:
  """The MJCF twin of an OpenSim model and how its dofs follow OpenSim's coordinates."""

  xml: str
  coordinate_map: CoordinateMap
  bodies: tuple[str, ...]


def _load(path: str):
  """An initialised opensim.Model from a file; InputError naming the path otherwise."""
  try:
    import opensim
  except ImportError:
    raise InputError(f"{path}: reading .osim needs OpenSim (pip install jaxid[opensim]).") from None
  if not os.path.isfile(path):
    raise InputError(f"{path}: no such .osim file.")
  try:
    model = opensim.Model(path)
    model.initSystem()
  except Exception as exc:  # OpenSim raises RuntimeError subclasses with its own text
    raise InputError(f"{path}: OpenSim cannot load it ({' '.join(str(exc).split())}).") from None
  return model


def _q_index(coordinate) -> int:
  return int(coordinate.getMobilizerQIndex())


def convert(path: str | os.PathLike) -> Conversion:
  """An .osim file -> Conversion (MJCF text, coordinate map, body names)."""
  path = os.fspath(path)
  model = _load(path)
  bodies = read_bodies(model, path)
  cs = model.getCoordinateSet()
  coords = tuple(cs.get(i).getName() for i in range(cs.getSize()))
  # MotionType 1 Rotational, 2 Translational, 3 Coupled (a coordinate that drives its axis
  # through a function other than the identity): InverseDynamicsTool labels only Rotational ones
  # _moment and converts only their columns from degrees.
  rotational = tuple(cs.get(i).getMotionType() == 1 for i in range(cs.getSize()))
  dofs = tuple(a.dof for b in bodies for a in b.axes)
  # its output order: getCoordinatesInMultibodyTreeOrder (mobilized body, then q in it)
  tree = sorted(range(len(coords)), key=lambda i: (cs.get(i).getBodyIndex(), _q_index(cs.get(i))))
  cmap = CoordinateMap(coords, rotational, dofs, tuple(tree))
  xml = mjcf(model.getName() or "opensim", vec(model.getGravity()), bodies)
  return Conversion(xml, cmap, tuple(b.name for b in bodies))


def write_mjcf(conversion: Conversion, path: str | os.PathLike, force: bool = False) -> str:
  """Write the MJCF atomically (temp file + os.replace); InputError if it exists and not force."""
  path = os.fspath(path)
  if os.path.exists(path) and not force:
    raise InputError(f"{path}: exists; pass force=True to overwrite it.")
  folder = os.path.dirname(os.path.abspath(path))
  fd, tmp = tempfile.mkstemp(dir=folder, prefix=".jaxid-", suffix=".xml")
  try:
    with os.fdopen(fd, "w") as f:
      f.write(conversion.xml)
    os.replace(tmp, path)
  except BaseException:
    if os.path.exists(tmp):
      os.remove(tmp)
    raise
  return path

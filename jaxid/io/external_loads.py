"""OpenSim ExternalLoads (.xml): which columns of a GRF file act on which body.

Each ExternalForce names the body it acts on and three column prefixes, ``force_identifier``
(ground_force_v -> columns ground_force_vx/vy/vz, N), ``point_identifier`` (ground_force_p ->
px/py/pz, m) and ``torque_identifier`` (ground_torque_ -> x/y/z, N m, the free moment about the
point), expressed in OpenSim's ground frame (y up).
"""

from __future__ import annotations

import dataclasses
import os
import xml.etree.ElementTree as ET

from jaxid.errors import InputError
from jaxid.io.files import atomic_path
from jaxid.io.storage import parse_bool

# OpenSim's example gait files: the right foot unprefixed, the left with "1_".
CLASSIC_NAMES = {"right": "", "left": "1_"}


@dataclasses.dataclass(frozen=True)
class ExternalForce:
  """One <ExternalForce> of an ExternalLoads file (identifiers are column-label prefixes)."""

  name: str
  body: str
  force_identifier: str
  point_identifier: str = ""
  torque_identifier: str = ""
  force_expressed_in: str = "ground"
  point_expressed_in: str = "ground"

  def labels(self) -> dict[str, list[str]]:
    """{"force": [<id>x, <id>y, <id>z], "point": ..., "torque": ...} (point, torque if named)."""
    out = {"force": [self.force_identifier + a for a in "xyz"]}
    if self.point_identifier:
      out["point"] = [self.point_identifier + a for a in "xyz"]
    if self.torque_identifier:
      out["torque"] = [self.torque_identifier + a for a in "xyz"]
    return out


@dataclasses.dataclass(frozen=True)
class ExternalLoads:
  """The forces of an ExternalLoads file, its datafile (absolute path, or '' if none) and the
  path it was read from ('' if built in memory)."""

  forces: tuple[ExternalForce, ...]
  datafile: str = ""
  path: str = ""


def _foot_loads(feet: tuple[str, str], right: str, left: str) -> ExternalLoads:
  """One force per foot (right first), columns <prefix>ground_force_v*, _p*, ground_torque_*."""
  left_body, right_body = feet
  return ExternalLoads(
    tuple(
      ExternalForce(side, body, f"{p}ground_force_v", f"{p}ground_force_p", f"{p}ground_torque_")
      for side, body, p in (("right", right_body, right), ("left", left_body, left))
    )
  )


def default_external_loads(feet: tuple[str, str] = ("calcn_l", "calcn_r")) -> ExternalLoads:
  """Without an xml: r_/l_ prefixed columns (r_ground_force_vx, ..., l_ground_torque_z)."""
  return _foot_loads(feet, "r_", "l_")


def classic_external_loads(feet: tuple[str, str] = ("calcn_l", "calcn_r")) -> ExternalLoads:
  """OpenSim's example naming: right ground_force_v*, left 1_ground_force_v*."""
  return _foot_loads(feet, CLASSIC_NAMES["right"], CLASSIC_NAMES["left"])


def _text(el, tag, default=""):
  child = el.find(tag)
  return default if child is None or child.text is None else child.text.strip()


def read_external_loads(path: str | os.PathLike) -> ExternalLoads:
  """Parse an OpenSim ExternalLoads .xml (OpenSim 3 and 4 layouts; disabled forces skipped)."""
  path = os.fspath(path)
  try:
    root = ET.parse(path).getroot()
  except FileNotFoundError:
    raise InputError(f"{path}: no such file.") from None
  except ET.ParseError as e:
    raise InputError(f"{path}: not valid XML ({e}).") from None
  loads = root if root.tag == "ExternalLoads" else root.find(".//ExternalLoads")
  if loads is None:
    raise InputError(f"{path}: no <ExternalLoads> element; not an OpenSim ExternalLoads file.")
  forces = []
  for el in loads.iter("ExternalForce"):
    if (
      parse_bool(_text(el, "isDisabled", "false"))
      or parse_bool(_text(el, "appliesForce", "true")) is False
    ):
      continue
    name = el.get("name", "")
    body = _text(el, "applied_to_body")
    ident = _text(el, "force_identifier")
    if not body or not ident:
      raise InputError(
        f"{path}: ExternalForce {name!r} needs applied_to_body and force_identifier."
      )
    forces.append(
      ExternalForce(
        name,
        body,
        ident,
        _text(el, "point_identifier"),
        _text(el, "torque_identifier"),
        _text(el, "force_expressed_in_body", "ground"),
        _text(el, "point_expressed_in_body", "ground"),
      )
    )
  if not forces:
    raise InputError(f"{path}: no enabled ExternalForce.")
  datafile = _text(loads, "datafile")
  if datafile and datafile.lower() != "unassigned":
    datafile = os.path.join(os.path.dirname(os.path.abspath(path)), datafile)
  else:
    datafile = ""
  return ExternalLoads(tuple(forces), datafile, path)


def write_external_loads(path: str | os.PathLike, loads: ExternalLoads, datafile: str = "") -> None:
  """Write an OpenSim 4 ExternalLoads .xml (atomically)."""
  root = ET.Element("OpenSimDocument", Version="40000")
  el = ET.SubElement(root, "ExternalLoads", name="externalloads")
  objects = ET.SubElement(el, "objects")
  for f in loads.forces:
    ef = ET.SubElement(objects, "ExternalForce", name=f.name)
    for tag, val in (
      ("applied_to_body", f.body),
      ("force_expressed_in_body", f.force_expressed_in),
      ("point_expressed_in_body", f.point_expressed_in),
      ("force_identifier", f.force_identifier),
      ("point_identifier", f.point_identifier),
      ("torque_identifier", f.torque_identifier),
      ("data_source_name", "Unassigned"),
    ):
      ET.SubElement(ef, tag).text = val
  ET.SubElement(el, "groups")
  ET.SubElement(el, "datafile").text = datafile or loads.datafile
  ET.SubElement(el, "external_loads_model_kinematics_file")
  ET.SubElement(el, "lowpass_cutoff_frequency_for_load_kinematics").text = "-1"
  ET.indent(root, "  ")
  with atomic_path(path) as tmp:
    ET.ElementTree(root).write(tmp, encoding="UTF-8", xml_declaration=True)

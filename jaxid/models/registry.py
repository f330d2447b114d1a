"""Models by name or path: the bundled gait model, MyoLeg ("myolegs") or any MJCF file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources

import mujoco
import numpy as np

from jaxid import model as model_lib
from jaxid.errors import InputError
from jaxid.model import FOOT_NAMES, Model
from jaxid.models.myolegs import load_myolegs_mj

BUNDLED = ("gait_lowerbody",)
MYOLEGS = "myolegs"  # MyoLeg from myo-sim (the jaxid[myo] extra), pruned: jaxid/models/myolegs.py
NAMES = (*BUNDLED, MYOLEGS)


def bundled_path(name: str) -> str:
  """Path of a bundled MJCF file."""
  return str(resources.files("jaxid") / "models" / f"{name}.xml")


def _mjcf_path(name_or_path) -> str:
  """The MJCF file of a bundled name or a path; InputError naming the argument otherwise."""
  path = os.fspath(name_or_path)
  if path in BUNDLED:
    return bundled_path(path)
  if os.path.isdir(path):
    raise InputError(f"name_or_path: {path!r} is a directory, not an MJCF file.")
  if not os.path.exists(path):
    raise InputError(
      f"name_or_path: expected one of the models {list(NAMES)} or an MJCF file,"
      f" got {path!r}, which is neither."
    )
  return path


def load_mj_model(name_or_path: str | os.PathLike = "gait_lowerbody") -> mujoco.MjModel:
  """The MuJoCo C model of a name (bundled or "myolegs"), an MJCF or an .osim path, contact disabled
  (jaxid.model.prepare); InputError for anything MuJoCo cannot load as MJCF."""
  if not isinstance(name_or_path, (str, os.PathLike)):
    raise InputError(
      f"name_or_path: expected a model name {list(NAMES)} or an MJCF path,"
      f" got {type(name_or_path).__name__} {name_or_path!r}."
    )
  if os.fspath(name_or_path) == MYOLEGS:
    return model_lib.prepare(load_myolegs_mj())
  path = _mjcf_path(name_or_path)
  if _is_osim(path):
    return _load_osim(path)[0]
  try:
    mj_model = mujoco.MjModel.from_xml_path(path)
  except ValueError as exc:
    why = " ".join(str(exc).split())
    raise InputError(f"name_or_path: {path!r} is not a loadable MJCF model ({why}).") from None
  return model_lib.prepare(mj_model)


def _is_osim(path: str) -> bool:
  return path.lower().endswith(".osim")


def _load_osim(path: str):
  """(MjModel, jaxid.models.osim.CoordinateMap) of an OpenSim model: its exact MJCF twin."""
  from jaxid.models.osim import convert

  conversion = convert(path)
  mj_model = mujoco.MjModel.from_xml_string(conversion.xml)
  return model_lib.prepare(mj_model), conversion.coordinate_map


def load_model(
  name_or_path: str | os.PathLike = "gait_lowerbody", body_names: Sequence[str] = FOOT_NAMES
) -> Model:
  """A jaxid Model from a name, an MJCF or an .osim path, with its two foot bodies resolved; an
  .osim model carries its coordinate map (Model.coordinate_map, jaxid.models.osim)."""
  if isinstance(name_or_path, (str, os.PathLike)) and _is_osim(os.fspath(name_or_path)):
    mj_model, cmap = _load_osim(_mjcf_path(name_or_path))
    return model_lib.from_mj_model(mj_model, body_names, cmap)
  return model_lib.from_mj_model(load_mj_model(name_or_path), body_names)


def total_mass(mj_model: mujoco.MjModel) -> float:
  """The model's total mass (kg)."""
  return float(np.sum(mj_model.body_mass))

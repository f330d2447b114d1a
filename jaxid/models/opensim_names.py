"""What each model calls its OpenSim coordinates and ground: defaults by MJCF model name.

jaxid.io.coordinates.CoordinateMap reads them when neither the argument nor the model's
attribute gives an option (a name map, the ground rotation v_MuJoCo = G v_OpenSim, a root offset
quaternion); MyoLeg's ground is registered here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxid.contract import Array
from jaxid.kinematics.pelvis import OS_TO_MJ, check_ground
from jaxid.models.myolegs import MYOLEG_GROUND, MYOLEG_MODEL_NAME

NAME_MAPS: dict[str, dict] = {}


def register_name_map(
  model_name: str,
  mapping: dict | None = None,
  ground: Array | None = None,
  root_offset: Array | None = None,
) -> None:
  """Defaults for models whose MJCF model name is model_name: a name map, a ground rotation
  (v_MuJoCo = ground @ v_OpenSim) and a root offset quaternion; None keeps the default."""
  NAME_MAPS[model_name] = {
    "name_map": None if mapping is None else dict(mapping),
    "ground": ground,
    "root_offset": root_offset,
  }


register_name_map(MYOLEG_MODEL_NAME, ground=MYOLEG_GROUND)


def opensim_options(
  model: Any,
  name_map: dict | None = None,
  ground: Array | None = None,
  root_offset: Array | None = None,
) -> tuple[dict, np.ndarray, Array | None]:
  """(name map, ground rotation, root offset or None) of a jaxid Model or MjModel: each from the
  argument, else the model's attribute (coordinate_names, opensim_ground, opensim_root_offset),
  else the registry by MJCF model name, else the default ({}, OS_TO_MJ, the free joint's qpos0)."""
  m = getattr(model, "mj_model", model)
  registered = NAME_MAPS.get(bytes(m.names).split(b"\0", 1)[0].decode(), {})

  def option(value: Any, attr: str, key: str) -> Any:
    if value is None:
      value = getattr(model, attr, None)
    return registered.get(key) if value is None else value

  ground = option(ground, "opensim_ground", "ground")
  return (
    dict(option(name_map, "coordinate_names", "name_map") or {}),
    check_ground(OS_TO_MJ if ground is None else ground),
    option(root_offset, "opensim_root_offset", "root_offset"),
  )


def model_ground(model: Any) -> np.ndarray:
  """The model's ground rotation (v_MuJoCo = G v_OpenSim): its opensim_ground attribute, else the
  registry's, else OS_TO_MJ."""
  return opensim_options(model)[1]

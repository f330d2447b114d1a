"""What each model calls its OpenSim coordinates and ground: defaults by MJCF model name.

jaxid.io.coordinates.CoordinateMap reads them when neither the argument nor the model's
attribute gives an option (a name map, the ground rotation v_MuJoCo = G v_OpenSim, a root offset
quaternion); MyoLeg's ground is registered here.
"""

from __future__ import annotations

from typing import Any

import mujoco
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


def registered(m: mujoco.MjModel) -> dict:
  """The registered options of an MjModel, by its MJCF model name ({} for none)."""
  return NAME_MAPS.get(bytes(m.names).split(b"\0", 1)[0].decode(), {})


def model_ground(model: Any) -> np.ndarray:
  """The model's ground rotation (v_MuJoCo = G v_OpenSim): its opensim_ground attribute, else the
  registry's, else OS_TO_MJ."""
  g = getattr(model, "opensim_ground", None)
  if g is None:
    g = registered(getattr(model, "mj_model", model)).get("ground")
  return check_ground(OS_TO_MJ if g is None else g)

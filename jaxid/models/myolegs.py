"""MyoLeg from myo-sim: composed, pruned for inverse dynamics, and its OpenSim coordinates.

MyoLeg (myo-sim, Apache-2.0; derived from Rajagopal et al. 2016) is composed with myo-sim's own
builder, ``myo_sim.build.compose.build_spec("myolegs")``: a passive torso scaffold on a free
root, 29 joints (34 dofs), 80 muscles on 80 spatial tendons with wrapping, 4 touch sensors and
14 joint equality constraints that couple the knee's and patella's secondary joints to
knee_angle_{r,l} (jaxid.kinematics.coupling). It needs the optional extra:
``pip install "jaxid[myo]"``.
"""

from __future__ import annotations

import mujoco
import numpy as np

from jaxid import model as model_lib
from jaxid.models.prune import compile_spec, prune_spec

MYO_SIM_VERSION = "0.2.3"  # tested; 0.2.4 pins mujoco<4, which jaxid (mujoco 4.0) cannot use
INSTALL_HINT = 'pip install "jaxid[myo]"'

# MyoLeg joint -> the OpenSim (Rajagopal 2016) coordinate of each of its dofs, in dof order.
# The free root's dofs are (x, y, z) translations in MuJoCo's world and (x, y, z) rotations in
# the root frame; MyoLeg's world is z-up with the model facing -y, OpenSim's ground is y-up
# facing +x, so root dof k corresponds to MYOLEG_ROOT_SIGNS[k] * that coordinate (translations
# exactly, rotations to first order: the Z-X-Y pelvis angles convert through quaternions).
MYOLEG_COORDINATES: dict[str, tuple[str, ...]] = {
  "root": ("pelvis_tz", "pelvis_tx", "pelvis_ty", "pelvis_tilt", "pelvis_list", "pelvis_rotation"),
  **{
    f"{c}_{s}": (f"{c}_{s}",)
    for s in "rl"
    for c in (
      "hip_flexion",
      "hip_adduction",
      "hip_rotation",
      "knee_angle",
      "ankle_angle",
      "subtalar_angle",
      "mtp_angle",
    )
  },
}
MYOLEG_ROOT_SIGNS = (-1, -1, 1, -1, -1, 1)

# MyoLeg joints that are no OpenSim coordinate: functions of knee_angle_{r,l} (OpenSim's knee
# spline transforms and the patellofemoral knee_angle_beta coupler), held by joint equality
# constraints (polynomials of the knee angle). joint -> the joint it follows.
MYOLEG_COUPLED: dict[str, str] = {
  f"knee_angle_{j}_{s}": f"knee_angle_{s}"
  for s in "rl"
  for j in (
    "translation2",
    "translation1",
    "rotation2",
    "rotation3",
    "beta_translation2",
    "beta_translation1",
    "beta_rotation1",
  )
}

# MyoLeg faces -y: OpenSim x (forward) -> -y, y (up) -> z, z (right) -> -x (v_MuJoCo = G v_OpenSim,
# see jaxid.kinematics.pelvis). Its pelvis body sits in the root body rotated by this matrix
# (quat 0.5, 0.5, -0.5, -0.5).
MYOLEG_GROUND = np.array([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
MYOLEG_MODEL_NAME = "myotorso_attach"  # the MJCF model name of myo-sim's composed myolegs


def _compose():
  try:
    from myo_sim.build.compose import build_spec
  except ImportError as exc:
    raise ImportError(
      f"MyoLeg needs the myo-sim package: {INSTALL_HINT} (myo-sim=={MYO_SIM_VERSION})."
    ) from exc
  return build_spec


def myolegs_spec() -> mujoco.MjSpec:
  """MyoLeg as myo-sim composes it (unpruned, uncompiled): myo_sim's build_spec("myolegs")."""
  return _compose()("myolegs")


def load_myolegs_mj(prune: bool = True) -> mujoco.MjModel:
  """MyoLeg's MjModel, pruned for inverse dynamics (prune=False: as myo-sim composes it).

  Contact is not disabled here; jaxid.model.prepare (through load_model) does it.
  """
  spec = myolegs_spec()
  if not prune:
    return compile_spec(spec)
  prune_spec(spec)
  return compile_spec(spec)


def load_myolegs(prune: bool = True) -> model_lib.Model:
  """MyoLeg as a jaxid.Model (feet calcn_l, calcn_r), pruned and with contact disabled."""
  return model_lib.from_mj_model(load_myolegs_mj(prune))


def dof_coordinates(mj_model: mujoco.MjModel) -> list[str | None]:
  """OpenSim coordinate of each dof of a MyoLeg model (None for a coupled or unknown joint)."""
  out: list[str | None] = [None] * mj_model.nv
  for j in range(mj_model.njnt):
    coords = MYOLEG_COORDINATES.get(mj_model.joint(j).name)
    if coords:
      adr = int(mj_model.jnt_dofadr[j])
      out[adr : adr + len(coords)] = coords
  return out

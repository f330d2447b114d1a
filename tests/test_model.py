"""The bundled gait model: compiles in MuJoCo and MJX, 75 kg, OpenSim names, explicit inertias."""

from pathlib import Path

import mujoco
import numpy as np
import pytest
from mujoco import mjx

import jaxid
from jaxid import contract, models

BODIES = ["pelvis", "torso"] + [
  f"{b}_{s}" for s in "rl" for b in ("femur", "tibia", "talus", "calcn", "toes")
]
COORDS = [
  f"{c}_{s}"
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
]


def test_compiles_in_mujoco_and_mjx(gait_model):
  m = gait_model.mj_model
  assert (m.nq, m.nv, m.nbody) == (21, 20, 13)
  d = mjx.make_data(gait_model.mjx())
  d = mjx.forward(gait_model.mjx(), d)
  assert np.all(np.isfinite(np.asarray(d.qacc)))


def test_total_mass_75kg(gait_model):
  assert models.total_mass(gait_model.mj_model) == pytest.approx(75.0, abs=0.5)


def test_opensim_names(gait_model):
  m = gait_model.mj_model
  assert [m.body(i).name for i in range(1, m.nbody)] == BODIES
  hinges = [m.joint(j).name for j in range(m.njnt) if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_HINGE]
  assert sorted(hinges) == sorted(COORDS)
  assert contract.has_free_root(m)
  assert gait_model.body_names == ("calcn_l", "calcn_r")


def test_every_body_has_explicit_inertial():
  text = Path(models.bundled_path("gait_lowerbody")).read_text()
  assert text.count("<inertial ") == len(BODIES)
  assert 'inertiafromgeom="false"' in text


def test_contact_disabled_for_inverse_dynamics(gait_model):
  assert gait_model.mj_model.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_CONTACT
  # the geoms are still there for forward simulation
  assert gait_model.mj_model.geom_contype.sum() > 0


def test_load_by_path_and_bad_names(tmp_path):
  m = jaxid.load_model(models.bundled_path("gait_lowerbody"))
  assert m.mj_model.nv == 20
  with pytest.raises(jaxid.InputError, match="name_or_path"):
    jaxid.load_model(tmp_path / "missing.xml")
  with pytest.raises(jaxid.InputError, match=r"body_names.*foot_x.*pelvis"):
    jaxid.load_model("gait_lowerbody", body_names=("foot_x", "calcn_r"))


def _with_equality(kind: str, active: str = "true") -> mujoco.MjModel:
  spec = mujoco.MjSpec.from_file(models.bundled_path("gait_lowerbody"))
  eq = spec.add_equality(name=f"test_{kind}", active=active == "true")
  eq.type = {"connect": mujoco.mjtEq.mjEQ_CONNECT, "weld": mujoco.mjtEq.mjEQ_WELD}[kind]
  eq.objtype = mujoco.mjtObj.mjOBJ_BODY
  eq.name1, eq.name2 = "calcn_l", "world"
  return spec.compile()


@pytest.mark.parametrize("kind", ["connect", "weld"])
def test_connect_and_weld_equalities_refused_by_name(kind):
  """Their constraint forces would enter the joint torques unreported: refused, not approximated."""
  with pytest.raises(
    jaxid.InputError, match=rf"the {kind} equality 'test_{kind}' is not supported"
  ):
    jaxid.model.from_mj_model(_with_equality(kind))
  jaxid.model.from_mj_model(_with_equality(kind, active="false"))  # inactive: nothing to refuse


@pytest.mark.parametrize(
  ("names", "match"),
  [
    ("calcn_l", r"body_names: expected two body names \(left, right\), got the string 'calcn_l'"),
    (("calcn_l", "calcn_l"), r"body_names: expected two different bodies, got 'calcn_l' twice"),
    (("world", "pelvis"), r"body_names: the world body cannot carry a foot load"),
    (("calcn_l",), r"body_names: expected two foot bodies"),
    (("calcn_l", "heel"), r"body_names: \['heel'\] not in the model"),
  ],
)
def test_foot_body_names_checked(gait_model, names, match):
  with pytest.raises(jaxid.InputError, match=match):
    jaxid.model.from_mj_model(gait_model.mj_model, names)

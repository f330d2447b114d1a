"""Exact pruning for inverse dynamics (jaxid.models.prune) on MyoLeg and a small MJCF, and MJX's
sensor_acc failure that pruning avoids.

The whole module needs the optional extra (pip install "jaxid[myo]"); the MJX comparison is
marked slow.
"""

from __future__ import annotations

import sys
import warnings

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest
from mujoco import mjx

pytest.importorskip("myo_sim", reason='MyoLeg tests need myo-sim: pip install "jaxid[myo]"')

from myo_support import c_inverse, random_states, worst_relative

import jaxid
from jaxid.contract import has_free_root
from jaxid.model import prepare
from jaxid.models import myolegs as myolegs_lib
from jaxid.models import prune

SENSOR_ACC_ERROR = "Need at least one array to concatenate"

SMALL_XML = """
<mujoco model="prune_small">
  <default><geom contype="1" conaffinity="1"/></default>
  <worldbody>
    <geom name="floor" type="plane" size="1 1 .1"/>
    <body name="a" pos="0 0 1">
      <freejoint/>
      <geom name="a_col" type="capsule" size=".05 .2" mass="2"/>
      <geom name="a_vis" type="box" size=".1 .05 .02" pos=".05 0 .1" contype="0" conaffinity="0"
            mass="1"/>
      <site name="s0" pos="0 0 .1"/>
      <site name="marker" pos="0 .1 0"/>
      <body name="b" pos="0 0 -.4">
        <joint name="j1" axis="0 1 0" range="-1 1" damping=".5" armature=".01"/>
        <geom name="b_col" type="capsule" size=".04 .2" mass="1.5"/>
        <site name="s1" pos=".05 0 -.1"/>
        <site name="touch" size=".05"/>
        <body name="c" pos="0 0 -.4">
          <joint name="j2" axis="0 1 0" range="-1 1"/>
          <joint name="j3" type="slide" axis="1 0 0" range="-.1 .1"/>
          <geom name="c_col" type="sphere" size=".05" mass=".5"/>
          <site name="s2"/>
        </body>
      </body>
    </body>
  </worldbody>
  <tendon>
    <spatial name="muscle_t"><site site="s0"/><site site="s1"/></spatial>
    <spatial name="spring_t" stiffness="50" damping="2"><site site="s1"/><site site="s2"/></spatial>
    <fixed name="fixed_t"><joint joint="j1" coef="1"/><joint joint="j2" coef="-1"/></fixed>
  </tendon>
  <equality><joint joint1="j3" joint2="j2" polycoef="0 .05 .1 0 0"/></equality>
  <actuator>
    <muscle name="m" tendon="muscle_t" lengthrange=".4 .6"/>
    <motor name="damped" joint="j1" damping=".3"/>
  </actuator>
  <sensor><touch site="touch"/><jointpos joint="j1"/></sensor>
  <contact><pair geom1="floor" geom2="c_col"/><exclude body1="a" body2="b"/></contact>
  <keyframe><key name="k" qpos="0 0 1 1 0 0 0 .1 .2 0" ctrl=".5 0" act=".1"/></keyframe>
</mujoco>
"""


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def myolegs():
  """jaxid.load_model("myolegs"): composed by myo-sim, pruned, contact disabled."""
  return jaxid.load_model("myolegs")


@pytest.fixture(scope="module")
def composed():
  """(unpruned MjModel prepared like jaxid's models, the PruneReport of its spec)."""
  spec = myolegs_lib.myolegs_spec()
  full = prepare(prune.compile_spec(spec))
  _, report = prune.prune_for_inverse(spec, report=True)
  return full, report


# ---------------------------------------------------------------------------------------------
# Pruning: what goes, what stays, exactness


def test_load_model_hook_gives_pruned_myoleg_with_feet(myolegs):
  m = myolegs.mj_model
  assert myolegs.body_names == ("calcn_l", "calcn_r")
  assert [m.body(i).name for i in myolegs.body_ids] == ["calcn_l", "calcn_r"]
  assert (m.nq, m.nv, m.njnt, m.nbody, m.neq) == (35, 34, 29, 30, 14)
  assert (m.nu, m.na, m.ntendon, m.nsensor, m.npair, m.nexclude, m.nmesh) == (0,) * 7
  assert not m.geom_contype.any()
  assert not m.geom_conaffinity.any()
  assert m.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_CONTACT
  assert has_free_root(m)


def test_prune_report_counts(composed):
  full, report = composed
  assert (full.nu, full.ntendon, full.nsensor, full.npair) == (80, 80, 4, 26)
  assert (report.actuators, report.tendons, report.sensors, report.pairs) == (80, 80, 4, 26)
  assert (report.geoms_removed, report.geoms_noncolliding, report.meshes) == (92, 29, 40)
  assert report.sites == 292  # muscle path points and the touch sensors' sites
  assert report.kept == {}  # no MyoLeg tendon has stiffness, damping, armature or limits


def test_prune_keeps_bodies_inertias_joints_equalities_options(composed, myolegs):
  full, pruned = composed[0], myolegs.mj_model
  for field in (
    "body_mass",
    "body_inertia",
    "body_ipos",
    "body_iquat",
    "body_pos",
    "body_quat",
    "body_parentid",
    "jnt_type",
    "jnt_range",
    "jnt_limited",
    "dof_damping",
    "dof_armature",
    "dof_frictionloss",
    "jnt_stiffness",
    "qpos0",
    "eq_type",
    "eq_data",
    "eq_solref",
    "eq_solimp",
    "eq_obj1id",
    "eq_obj2id",
    "dof_invweight0",
    "body_invweight0",
  ):
    np.testing.assert_array_equal(getattr(full, field), getattr(pruned, field), err_msg=field)
  for field in (
    "timestep",
    "gravity",
    "disableflags",
    "enableflags",
    "integrator",
    "cone",
    "density",
    "viscosity",
    "impratio",
    "o_solref",
    "o_solimp",
  ):
    np.testing.assert_array_equal(getattr(full.opt, field), getattr(pruned.opt, field), field)
  assert [full.body(i).name for i in range(full.nbody)] == [
    pruned.body(i).name for i in range(pruned.nbody)
  ]
  markers = ("ASI_r", "PSI_l", "CAL_r", "TOE_l", "MT5_r")  # sites no removed element used stay
  assert all(mujoco.mj_name2id(pruned, mujoco.mjtObj.mjOBJ_SITE, s) >= 0 for s in markers)


def test_pruning_is_exact_on_random_states(composed, myolegs):
  """float64 MuJoCo C: pruned and unpruned qfrc_inverse agree to 1e-10 relative.

  The states violate the knee's joint equality constraints and the joint limits, so
  qfrc_constraint (which mj_inverse subtracts) is large and exercised: both models keep them.
  """
  full, pruned = composed[0], myolegs.mj_model
  states = random_states(full, 100, np.random.default_rng(0))
  worst, constraint = worst_relative(full, pruned, states)
  assert worst <= 1e-10
  assert constraint > 1.0


def test_pruning_is_exact_on_coupled_states(composed, myolegs):
  full, pruned = composed[0], myolegs.mj_model
  states = random_states(full, 50, np.random.default_rng(1), coupled=True, margin=0.0)
  assert worst_relative(full, pruned, states)[0] <= 1e-10


def test_prune_any_mjcf_keeps_what_enters_dynamics_and_says_so(tmp_path):
  path = tmp_path / "small.xml"
  path.write_text(SMALL_XML)
  with pytest.warns(prune.PruneWarning) as rec:
    pruned, report = prune.prune_for_inverse(str(path), report=True)
  said = " ".join(str(w.message) for w in rec)
  assert "tendon spring_t: stiffness, damping" in said
  assert "actuator damped: damping" in said
  assert set(report.kept) == {"tendon spring_t", "actuator damped"}
  # removed: the muscle; muscle_t and fixed_t; both sensors; the pair; the exclude; the box
  counts = [report.actuators, report.tendons, report.sensors, report.pairs, report.excludes]
  assert counts == [1, 2, 2, 1, 1]
  assert (report.geoms_removed, report.geoms_noncolliding) == (1, 4)
  assert [pruned.site(i).name for i in range(pruned.nsite)] == ["marker", "s1", "s2"]
  assert [pruned.tendon(i).name for i in range(pruned.ntendon)] == ["spring_t"]
  full = mujoco.MjModel.from_xml_path(str(path))
  # the visual box carried 1 kg: its mass and inertia stay with body a
  np.testing.assert_array_equal(full.body_mass, pruned.body_mass)
  np.testing.assert_allclose(full.body_inertia, pruned.body_inertia, rtol=1e-14, atol=0)
  np.testing.assert_allclose(full.body_ipos, pruned.body_ipos, rtol=0, atol=1e-15)
  prepare(full), prepare(pruned)
  states = random_states(full, 100, np.random.default_rng(2), margin=0.2)
  worst, constraint = worst_relative(full, pruned, states)
  assert worst <= 1e-10
  assert constraint > 0


def test_prune_accepts_spec_model_and_rejects_others(tmp_path):
  spec = mujoco.MjSpec.from_string(SMALL_XML)
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", prune.PruneWarning)
    pruned = prune.prune_for_inverse(spec)
  assert pruned.nsensor == 0
  assert len(spec.sensors) == 2
  full = mujoco.MjModel.from_xml_string(SMALL_XML)
  neutral = prune.prune_for_inverse(full)  # an MjModel: contact and sensors switched off, a copy
  assert neutral is not full
  assert full.geom_contype.any()
  assert not neutral.geom_contype.any()
  assert neutral.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_SENSOR
  states = random_states(full, 20, np.random.default_rng(3))
  assert worst_relative(prepare(full), neutral, states)[0] == 0.0
  with pytest.raises(jaxid.InputError, match="source"):
    prune.prune_for_inverse(tmp_path / "missing.xml")
  with pytest.raises(jaxid.InputError, match="source"):
    prune.prune_for_inverse(42)


def test_missing_myo_sim_names_the_extra(monkeypatch):
  monkeypatch.setitem(sys.modules, "myo_sim.build.compose", None)
  with pytest.raises(ImportError, match=r'pip install "jaxid\[myo\]"'):
    myolegs_lib.load_myolegs_mj()
  with pytest.raises(ImportError, match=r'pip install "jaxid\[myo\]"'):
    jaxid.load_model("myolegs")


# ---------------------------------------------------------------------------------------------
# MJX's sensor_acc with contact disabled


def test_sensor_acc_fails_with_contact_disabled_and_pruning_avoids_it_small():
  """Touch sensors need contacts: with contact disabled MJX concatenates an empty list."""
  full = prepare(mujoco.MjModel.from_xml_string(SMALL_XML))
  assert full.nsensor == 2
  assert full.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_CONTACT
  mx = mjx.put_model(full)
  with pytest.raises(ValueError, match=SENSOR_ACC_ERROR):
    jax.eval_shape(mjx.inverse, mx, mjx.make_data(mx))
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", prune.PruneWarning)
    mx = mjx.put_model(prepare(prune.prune_for_inverse(mujoco.MjSpec.from_string(SMALL_XML))))
  assert jax.eval_shape(mjx.inverse, mx, mjx.make_data(mx)).qfrc_inverse.shape == (9,)


@pytest.mark.slow
def test_mjx_on_pruned_small_model_matches_mujoco_c():
  # without the damped motor: MJX 3.17 ignores actuator damping/armature (MuJoCo C does not)
  xml = SMALL_XML.replace('<motor name="damped" joint="j1" damping=".3"/>', "").replace(
    'ctrl=".5 0"', 'ctrl=".5"'
  )
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", prune.PruneWarning)
    pruned = prepare(prune.prune_for_inverse(mujoco.MjSpec.from_string(xml)))
  assert pruned.nu == 0
  assert pruned.ntendon == 1
  mx = mjx.put_model(pruned)
  d = mjx.make_data(mx)
  qpos, qvel, qacc = random_states(pruned, 1, np.random.default_rng(4))[0]
  d = d.replace(
    qpos=jnp.asarray(qpos, d.qpos.dtype),
    qvel=jnp.asarray(qvel, d.qvel.dtype),
    qacc=jnp.asarray(qacc, d.qacc.dtype),
  )
  out = np.asarray(jax.jit(mjx.inverse)(mx, d).qfrc_inverse)
  ref = c_inverse(pruned, qpos, qvel, qacc).qfrc_inverse
  np.testing.assert_allclose(out, ref, rtol=0, atol=1e-4 * np.abs(ref).max())


def test_sensor_acc_fails_on_unpruned_myoleg_and_not_on_pruned(composed, myolegs):
  """Tracing only (no compile): MyoLeg's four foot touch sensors hit the same failure."""
  full = composed[0]
  assert {int(t) for t in full.sensor_type} == {int(mujoco.mjtSensor.mjSENS_TOUCH)}
  mx = mjx.put_model(full)
  with pytest.raises(ValueError, match=SENSOR_ACC_ERROR):
    jax.eval_shape(mjx.inverse, mx, mjx.make_data(mx))
  mx = myolegs.mjx()
  out = jax.eval_shape(mjx.inverse, mx, mjx.make_data(mx))
  assert out.qfrc_inverse.shape == (34,)

"""MyoLeg from myo-sim: exact pruning for inverse dynamics, MJX's sensor_acc failure, jaxid on it.

The whole module needs the optional extra (pip install "jaxid[myo]"). Tests that compile MJX
programs for MyoLeg are marked slow (15-40 s each on CPU); `nox -s parity_myo` runs them all.
"""

from __future__ import annotations

import copy
import sys
import warnings

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest
from mujoco import mjx

pytest.importorskip("myo_sim", reason='MyoLeg tests need myo-sim: pip install "jaxid[myo]"')

import jaxid  # noqa: E402
from jaxid import myo  # noqa: E402
from jaxid.model import prepare  # noqa: E402

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
# Fixtures and helpers


@pytest.fixture(scope="module")
def myolegs():
  """jaxid.load_model("myolegs"): composed by myo-sim, pruned, contact disabled."""
  return jaxid.load_model("myolegs")


@pytest.fixture(scope="module")
def composed():
  """(unpruned MjModel prepared like jaxid's models, the PruneReport of its spec)."""
  spec = myo.myolegs_spec()
  full = prepare(myo._compile(spec))
  _, report = myo.prune_for_inverse(spec, report=True)
  return full, report


def random_states(m, n, rng, coupled=False, margin=0.1):
  """n states: free root anywhere, joints across (and margin beyond) their ranges."""
  out = []
  for _ in range(n):
    qpos = m.qpos0.copy()
    for j in range(m.njnt):
      a = int(m.jnt_qposadr[j])
      if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE:
        q = rng.normal(size=4)
        qpos[a : a + 7] = np.concatenate([rng.normal(size=3), q / np.linalg.norm(q)])
      elif m.jnt_limited[j]:
        lo, hi = m.jnt_range[j]
        qpos[a] = rng.uniform(lo - margin * (hi - lo), hi + margin * (hi - lo))
      else:
        qpos[a] = rng.uniform(-1, 1)
    qvel, qacc = 2 * rng.normal(size=m.nv), 20 * rng.normal(size=m.nv)
    if coupled:
      qpos, qvel, qacc = myo.couple_kinematics(m, qpos, qvel, qacc)
    out.append((qpos, qvel, qacc))
  return out


def c_inverse(m, qpos, qvel, qacc):
  d = mujoco.MjData(m)
  d.qpos[:], d.qvel[:], d.qacc[:] = qpos, qvel, qacc
  mujoco.mj_inverse(m, d)
  return d


def worst_relative(m_a, m_b, states):
  worst, constraint = 0.0, 0.0
  for s in states:
    da, db = c_inverse(m_a, *s), c_inverse(m_b, *s)
    scale = np.abs(da.qfrc_inverse).max()
    worst = max(worst, np.abs(da.qfrc_inverse - db.qfrc_inverse).max() / scale)
    constraint = max(constraint, np.abs(da.qfrc_constraint).max())
  return worst, constraint


# ---------------------------------------------------------------------------------------------
# Pruning: what goes, what stays, exactness


def test_load_model_hook_gives_pruned_myoleg_with_feet(myolegs):
  m = myolegs.mj_model
  assert myolegs.body_names == ("calcn_l", "calcn_r")
  assert [m.body(i).name for i in myolegs.body_ids] == ["calcn_l", "calcn_r"]
  assert (m.nq, m.nv, m.njnt, m.nbody, m.neq) == (35, 34, 29, 30, 14)
  assert (m.nu, m.na, m.ntendon, m.nsensor, m.npair, m.nexclude, m.nmesh) == (0,) * 7
  assert not m.geom_contype.any() and not m.geom_conaffinity.any()
  assert m.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_CONTACT
  assert jaxid.model.root_is_free(m)


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
  with pytest.warns(myo.PruneWarning) as rec:
    pruned, report = myo.prune_for_inverse(str(path), report=True)
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
  assert worst <= 1e-10 and constraint > 0


def test_prune_accepts_spec_model_and_rejects_others(tmp_path):
  spec = mujoco.MjSpec.from_string(SMALL_XML)
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", myo.PruneWarning)
    pruned = myo.prune_for_inverse(spec)
  assert pruned.nsensor == 0 and len(spec.sensors) == 2  # the caller's spec is not changed
  full = mujoco.MjModel.from_xml_string(SMALL_XML)
  neutral = myo.prune_for_inverse(full)  # an MjModel: contact and sensors switched off, a copy
  assert neutral is not full and full.geom_contype.any() and not neutral.geom_contype.any()
  assert neutral.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_SENSOR
  states = random_states(full, 20, np.random.default_rng(3))
  assert worst_relative(prepare(full), neutral, states)[0] == 0.0
  with pytest.raises(jaxid.InputError, match="source"):
    myo.prune_for_inverse(tmp_path / "missing.xml")
  with pytest.raises(jaxid.InputError, match="source"):
    myo.prune_for_inverse(42)


def test_missing_myo_sim_names_the_extra(monkeypatch):
  monkeypatch.setitem(sys.modules, "myo_sim.build.compose", None)
  with pytest.raises(ImportError, match=r'pip install "jaxid\[myo\]"'):
    myo.load_myolegs_mj()
  with pytest.raises(ImportError, match=r'pip install "jaxid\[myo\]"'):
    jaxid.load_model("myolegs")


# ---------------------------------------------------------------------------------------------
# MJX's sensor_acc with contact disabled


def test_sensor_acc_fails_with_contact_disabled_and_pruning_avoids_it_small():
  """Touch sensors need contacts: with contact disabled MJX concatenates an empty list."""
  full = prepare(mujoco.MjModel.from_xml_string(SMALL_XML))
  assert full.nsensor == 2 and full.opt.disableflags & mujoco.mjtDisableBit.mjDSBL_CONTACT
  mx = mjx.put_model(full)
  with pytest.raises(ValueError, match=SENSOR_ACC_ERROR):
    jax.eval_shape(mjx.inverse, mx, mjx.make_data(mx))
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", myo.PruneWarning)
    mx = mjx.put_model(prepare(myo.prune_for_inverse(mujoco.MjSpec.from_string(SMALL_XML))))
  assert jax.eval_shape(mjx.inverse, mx, mjx.make_data(mx)).qfrc_inverse.shape == (9,)


@pytest.mark.slow
def test_mjx_on_pruned_small_model_matches_mujoco_c():
  # without the damped motor: MJX 3.17 ignores actuator damping/armature (MuJoCo C does not)
  xml = SMALL_XML.replace('<motor name="damped" joint="j1" damping=".3"/>', "").replace(
    'ctrl=".5 0"', 'ctrl=".5"'
  )
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", myo.PruneWarning)
    pruned = prepare(myo.prune_for_inverse(mujoco.MjSpec.from_string(xml)))
  assert pruned.nu == 0 and pruned.ntendon == 1
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


# ---------------------------------------------------------------------------------------------
# Coordinates and the knee's coupled joints


def test_coordinate_map_covers_every_joint(myolegs):
  m = myolegs.mj_model
  names = {m.joint(j).name for j in range(m.njnt)}
  assert set(myo.MYOLEG_COORDINATES) | set(myo.MYOLEG_COUPLED) == names
  assert not set(myo.MYOLEG_COORDINATES) & set(myo.MYOLEG_COUPLED)
  for name, coords in myo.MYOLEG_COORDINATES.items():
    j = m.joint(name).id
    n_dof = 6 if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE else 1
    assert len(coords) == n_dof, name
  dofs = myo.dof_coordinates(m)
  assert dofs[:6] == [
    "pelvis_tz",
    "pelvis_tx",
    "pelvis_ty",
    "pelvis_tilt",
    "pelvis_list",
    "pelvis_rotation",
  ]
  assert dofs[m.jnt_dofadr[m.joint("knee_angle_r").id]] == "knee_angle_r"
  assert sum(c is not None for c in dofs) == 6 + 14
  coupled = {
    m.joint(int(m.eq_obj1id[e])).name: m.joint(int(m.eq_obj2id[e])).name for e in range(m.neq)
  }
  assert coupled == myo.MYOLEG_COUPLED


def test_root_signs_follow_the_pelvis_frame(myolegs):
  """Root dof k moves along (or about) MYOLEG_ROOT_SIGNS[k] times the OpenSim pelvis axis.

  OpenSim: tx forward (pelvis x), ty up (y), tz right (z); tilt about z, list about x,
  rotation about y. At qpos0 the pelvis frame's axes in the world give the correspondence.
  """
  m = myolegs.mj_model
  d = mujoco.MjData(m)
  mujoco.mj_kinematics(m, d)
  pelvis = d.xmat[m.body("pelvis").id].reshape(3, 3)  # columns: pelvis axes in the world
  axis_of = {"tx": 0, "ty": 1, "tz": 2, "list": 0, "rotation": 1, "tilt": 2}
  for k, (coord, sign) in enumerate(
    zip(myo.MYOLEG_COORDINATES["root"], myo.MYOLEG_ROOT_SIGNS, strict=True)
  ):
    world = np.eye(3)[k % 3]  # free joint: world translations, then rotations in the root frame
    along = pelvis[:, axis_of[coord.removeprefix("pelvis_")]]
    np.testing.assert_allclose(sign * world, along, atol=2e-3, err_msg=coord)


def test_couple_kinematics_satisfies_the_knee_constraints(myolegs):
  m = myolegs.mj_model
  for qpos, qvel, qacc in random_states(m, 10, np.random.default_rng(5), coupled=True):
    d = c_inverse(m, qpos, qvel, qacc)
    eq = d.efc_type == mujoco.mjtConstraint.mjCNSTR_EQUALITY
    assert eq.sum() == 14
    assert np.abs(d.efc_pos[eq]).max() < 1e-14
    assert np.abs(d.efc_vel[eq]).max() < 1e-12


def test_projected_knee_torque_does_not_depend_on_the_soft_constraints(myolegs):
  """G' qfrc_inverse (the OpenSim knee moment) is exact; the raw knee entry is not.

  With consistent kinematics, MuJoCo's equality rows still see J qacc = p'' qvel^2 (MuJoCo
  drops J-dot qvel), and the stiff solimp (0.9999) turns that into large constraint forces on
  the knee and its coupled dofs. G' J' = 0 removes them: the projection equals the projection
  with equality constraints disabled, and with other solref/solimp.
  """
  m = myolegs.mj_model
  no_eq, soft = copy.copy(m), copy.copy(m)
  no_eq.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_EQUALITY
  soft.eq_solref[:] = [0.05, 1.0]
  soft.eq_solimp[:, :2] = 0.9
  knee = [int(m.jnt_dofadr[m.joint(f"knee_angle_{s}").id]) for s in "lr"]
  raw_gap = 0.0
  for qpos, qvel, qacc in random_states(m, 20, np.random.default_rng(6), coupled=True, margin=0.0):
    ref = myo.project_coupled(m, qpos, c_inverse(no_eq, qpos, qvel, qacc).qfrc_inverse)
    scale = np.abs(ref).max()
    for variant in (m, soft):
      raw = c_inverse(variant, qpos, qvel, qacc).qfrc_inverse
      got = myo.project_coupled(m, qpos, raw)
      np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10 * scale)
    raw_gap = max(
      raw_gap, np.abs(c_inverse(m, qpos, qvel, qacc).qfrc_inverse[knee] - ref[knee]).max()
    )
  assert raw_gap > 10.0  # N m: raw knee entries are dominated by constraint forces


def test_project_coupled_is_traceable_and_equals_numpy(myolegs):
  """The JAX path (jit, grad) of project_coupled gives the NumPy path's knee moments."""
  m = myolegs.mj_model
  rng = np.random.default_rng(9)
  states = random_states(m, 6, rng, coupled=True, margin=0.0)
  qpos = np.stack([s[0] for s in states])
  qfrc = np.stack([c_inverse(m, *s).qfrc_inverse for s in states])
  want = myo.project_coupled(m, qpos, qfrc)
  with jax.enable_x64(True):
    got = jax.jit(lambda q, f: myo.project_coupled(m, q, f))(jnp.asarray(qpos), jnp.asarray(qfrc))
    np.testing.assert_allclose(np.asarray(got), want, rtol=0, atol=1e-12 * np.abs(want).max())
    knee = int(m.jnt_dofadr[m.joint("knee_angle_r").id])
    # d(knee moment)/d(qfrc) is row knee of G': 1 on the knee, p'(x) on each coupled dof
    grad = jax.grad(lambda f: myo.project_coupled(m, jnp.asarray(qpos[0]), f)[knee])(
      jnp.asarray(qfrc[0])
    )
    basis = np.eye(m.nv)
    np.testing.assert_allclose(
      np.asarray(grad), myo.project_coupled(m, qpos[0], basis)[:, knee], rtol=0, atol=1e-12
    )
  assert np.asarray(grad)[knee] == 1.0 and np.count_nonzero(np.asarray(grad)) == 8


# ---------------------------------------------------------------------------------------------
# Sample trials on MyoLeg and the parity harness's scales (MuJoCo C only)


@pytest.fixture(scope="module")
def myo_sample(myolegs):
  return jaxid.sample_trial(myolegs, n_frames=120, seed=1)


def test_sample_trial_walks_forward_with_coupled_knees_and_balanced_loads(myolegs, myo_sample):
  """MyoLeg faces -y at qpos0; its sample walks along +x, knees coupled, loads balanced in C."""
  m, k, ld = myolegs.mj_model, myo_sample.kinematics, myo_sample.loads
  d = mujoco.MjData(m)
  pelvis = m.body("pelvis").id
  weight = m.body_mass.sum() * 9.81
  assert k.qpos[-1, 0] - k.qpos[0, 0] > 1.0  # 1.2 s at 1.3 m/s, along +x
  for t in range(0, k.qpos.shape[0], 7):
    d.qpos, d.qvel, d.qacc = k.qpos[t], k.qvel[t], k.qacc[t]
    mujoco.mj_inverse(m, d)
    fwd = d.xmat[pelvis].reshape(3, 3)[:, 0]  # OpenSim's pelvis x axis: forward
    assert fwd[0] > 0.99, fwd
    eq = d.efc_type == mujoco.mjtConstraint.mjCNSTR_EQUALITY
    assert eq.sum() == 14 and eq.all()  # the knee equalities, and no joint limit reached
    assert np.abs(d.efc_pos).max() < 1e-12 and np.abs(d.efc_vel).max() < 1e-10
    # loads balance the root: C's root residual after the foot wrenches is round-off of BW
    applied = np.zeros(m.nv)
    for side, b in zip("lr", myolegs.body_ids, strict=True):
      cop, grf, mom = (getattr(ld, f"{n}_{side}")[t] for n in ("cop", "grf", "moment"))
      if np.abs(cop).sum() > 0:
        mujoco.mj_applyFT(m, d, grf, np.cross(cop - d.xipos[b], grf) + mom, d.xipos[b], b, applied)
    assert np.abs(d.qfrc_inverse[:6] - applied[:6]).max() < 1e-6 * weight


def test_harness_scales_are_per_dof_only_where_constraints_act(myolegs, myo_sample, gait_model):
  """The parity harness widens the scale on the knee's constrained dofs only (docs/parity.md)."""
  from jaxid_parity import compare, oracle

  m = myolegs.mj_model
  k, ld = myo_sample.kinematics, myo_sample.loads
  ref = oracle.run(m, k, ld, myolegs.body_names)
  sc = compare.scales(ref)["joint_forces"]
  assert np.shape(sc) == (m.nv,)
  scalar = max(np.abs(ref["joint_forces"]).max(), np.abs(ref["inertial_terms"]).max(), 1.0)
  touched = np.zeros(m.nv, bool)
  for j in range(m.njnt):
    name = m.joint(j).name
    if name in myo.MYOLEG_COUPLED or name in ("knee_angle_r", "knee_angle_l"):
      touched[m.jnt_dofadr[j]] = True
  np.testing.assert_array_equal(sc[~touched], scalar)  # root, hips, ankles: unchanged
  assert np.all(sc[touched] > 10 * scalar)  # 1/R of the stiff knee equalities
  t = jaxid.sample_trial(gait_model, n_frames=20)
  base = oracle.run(gait_model.mj_model, t.kinematics, t.loads, gait_model.body_names)
  assert np.ndim(compare.scales(base)["joint_forces"]) == 0  # no constraint rows: a scalar


# ---------------------------------------------------------------------------------------------
# jaxid on the pruned MyoLeg (MJX compiles: slow)


def _trial(m, feet, n, rng, dtype):
  """n coupled, gait-like frames (upright root) with foot loads whose COPs are under the feet."""
  states = random_states(m, n, rng, coupled=True, margin=0.0)
  qpos, qvel, qacc = (np.stack(x) for x in zip(*states, strict=True))
  qpos[:, :7] = [0.0, 0.0, 0.95, 1.0, 0.0, 0.0, 0.0]
  qvel, qacc = qvel / 4, qacc / 4  # gait-like speeds
  qpos, qvel, qacc = myo.couple_kinematics(m, qpos, qvel, qacc)
  loads = {}
  d = mujoco.MjData(m)
  for side, b in zip("lr", feet, strict=True):
    cop = np.zeros((n, 3))
    for t in range(n):
      d.qpos[:] = qpos[t]
      mujoco.mj_kinematics(m, d)
      cop[t] = d.xpos[b] + rng.normal(0, 0.05, size=3)
    loads[f"cop_{side}"] = cop
    loads[f"grf_{side}"] = rng.normal([0, 0, 400], [50, 50, 100], size=(n, 3))
    loads[f"moment_{side}"] = rng.normal(0, 2, size=(n, 3))
  loads["cop_l"][0] = 0.0  # left foot in swing in frame 0
  ext = np.zeros((n, m.nbody, 6))
  trial = jaxid.Trial(jaxid.Kinematics(qpos, qvel, qacc), jaxid.Loads(ext_forces=ext, **loads))
  return jax.tree.map(lambda x: jnp.asarray(x, dtype), trial)


def _check_against_c(model, trial, prec):
  """jaxid vs MuJoCo C float64 (the parity oracle) at the harness's policy, raw and projected.

  Raw outputs: per-dof scales (the knee's stiff constraint rows amplify round-off by 1/R,
  docs/parity.md). Projected (G' tau, the OpenSim knee moment): G' sums dofs, so its error is
  bounded by RTOL times |G'| applied to the per-dof scale.
  """
  from jaxid_parity import compare, oracle

  m = model.mj_model
  keys = ("joint_forces", "joint_torques", "residuals")
  out = {k: np.asarray(v, np.float64) for k, v in jaxid.inverse_dynamics(model, trial).items()}
  wide = jax.tree.map(lambda x: np.asarray(x, np.float64), trial)  # the values jaxid saw
  ref = oracle.run(m, wide.kinematics, wide.loads, model.body_names)
  scales = compare.scales(ref)
  for key in keys:
    compare.assert_close(
      key, out[key], ref[key], scales[key], label="myoleg", prec=prec, record=False
    )
  qpos = wide.kinematics.qpos
  for key in ("joint_forces", "joint_torques"):
    rows = [np.abs(myo.project_coupled(m, q, np.eye(m.nv))) for q in qpos]  # row i: |G' e_i|
    scale = np.max([r.T @ np.broadcast_to(scales[key], (m.nv,)) for r in rows], axis=0)
    got, want = (myo.project_coupled(m, qpos, x) for x in (out[key], ref[key]))
    compare.assert_close(
      f"projected {key}", got, want, np.maximum(scale, 1.0), label="myoleg", prec=prec, record=False
    )
  np.testing.assert_array_equal(out["residuals"], out["joint_torques"][:, :6])


@pytest.mark.slow
def test_jaxid_on_pruned_myoleg_float32_matches_mujoco_c(myolegs):
  trial32 = _trial(myolegs.mj_model, myolegs.body_ids, 4, np.random.default_rng(7), jnp.float32)
  _check_against_c(myolegs, trial32, "float32")


@pytest.mark.slow
@pytest.mark.x64
def test_jaxid_on_pruned_myoleg_float64_matches_mujoco_c(myolegs, x64):
  trial64 = _trial(myolegs.mj_model, myolegs.body_ids, 4, np.random.default_rng(8), jnp.float64)
  _check_against_c(myolegs, trial64, "float64")

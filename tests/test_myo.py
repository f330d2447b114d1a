"""MyoLeg from myo-sim: its coordinates, the coupled knee, sample trials, jaxid vs MuJoCo C on it.

Pruning is tested in test_prune.py.

The whole module needs the optional extra (pip install "jaxid[myo]"). Tests that compile MJX
programs for MyoLeg are marked slow (15-40 s each on CPU); `nox -s parity_myo` runs them all.
"""

from __future__ import annotations

import copy

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

pytest.importorskip("myo_sim", reason='MyoLeg tests need myo-sim: pip install "jaxid[myo]"')

from myo_support import c_inverse, random_states

import jaxid
from jaxid.kinematics import couple_kinematics, project_coupled
from jaxid.models import myolegs as myo

# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def myolegs():
  """jaxid.load_model("myolegs"): composed by myo-sim, pruned, contact disabled."""
  return jaxid.load_model("myolegs")


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
    ref = project_coupled(m, qpos, c_inverse(no_eq, qpos, qvel, qacc).qfrc_inverse)
    scale = np.abs(ref).max()
    for variant in (m, soft):
      raw = c_inverse(variant, qpos, qvel, qacc).qfrc_inverse
      got = project_coupled(m, qpos, raw)
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
  want = project_coupled(m, qpos, qfrc)
  with jax.enable_x64(True):
    got = jax.jit(lambda q, f: project_coupled(m, q, f))(jnp.asarray(qpos), jnp.asarray(qfrc))
    np.testing.assert_allclose(np.asarray(got), want, rtol=0, atol=1e-12 * np.abs(want).max())
    knee = int(m.jnt_dofadr[m.joint("knee_angle_r").id])
    # d(knee moment)/d(qfrc) is row knee of G': 1 on the knee, p'(x) on each coupled dof
    grad = jax.grad(lambda f: project_coupled(m, jnp.asarray(qpos[0]), f)[knee])(
      jnp.asarray(qfrc[0])
    )
    basis = np.eye(m.nv)
    np.testing.assert_allclose(
      np.asarray(grad), project_coupled(m, qpos[0], basis)[:, knee], rtol=0, atol=1e-12
    )
  assert np.asarray(grad)[knee] == 1.0
  assert np.count_nonzero(np.asarray(grad)) == 8


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
    assert eq.sum() == 14
    # the only other rows allowed: knee_angle_rotation2's upper limit, which MyoLeg's own
    # coupling polynomial passes by 2.5e-4 rad for knee flexion ~43-49 deg (swing)
    for i in np.where(~eq)[0]:
      assert d.efc_type[i] == mujoco.mjtConstraint.mjCNSTR_LIMIT_JOINT
      assert m.joint(d.efc_id[i]).name in ("knee_angle_rotation2_r", "knee_angle_rotation2_l")
      assert -3e-4 < d.efc_pos[i] <= 0.0
    assert np.abs(d.efc_pos[eq]).max() < 1e-12
    assert np.abs(d.efc_vel[eq]).max() < 1e-10
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
  qpos, qvel, qacc = couple_kinematics(m, qpos, qvel, qacc)
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
    rows = [np.abs(project_coupled(m, q, np.eye(m.nv))) for q in qpos]  # row i: |G' e_i|
    scale = np.max([r.T @ np.broadcast_to(scales[key], (m.nv,)) for r in rows], axis=0)
    got, want = (project_coupled(m, qpos, x) for x in (out[key], ref[key]))
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

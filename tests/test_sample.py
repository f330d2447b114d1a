"""Sample trials: shapes, units, unit quaternions, consistent derivatives, balanced loads."""

import mujoco
import numpy as np
import pytest

import jaxid
from jaxid import sample as sample_lib

BODY_WEIGHT = 75.01 * 9.81


def test_shapes_and_units(sample, gait_model):
  m = gait_model.mj_model
  k, ld = sample.kinematics, sample.loads
  assert k.qpos.shape == (200, m.nq)
  assert k.qvel.shape == k.qacc.shape == (200, m.nv)
  for a in (ld.grf_l, ld.grf_r, ld.cop_l, ld.cop_r, ld.moment_l, ld.moment_r):
    assert a.shape == (200, 3)
    assert a.dtype == np.float64
  assert ld.ext_forces.shape == (200, m.nbody, 6)
  # units: N and m. Vertical GRF sums to about body weight (0.5-1.6 BW over the stride), COP on
  # the floor (z = 0) within a foot's reach of the pelvis, forward progression ~1.3 m/s.
  fz = ld.grf_l[:, 2] + ld.grf_r[:, 2]
  assert fz.min() > 0.5 * BODY_WEIGHT
  assert fz.max() < 1.6 * BODY_WEIGHT
  assert abs(fz.mean() / BODY_WEIGHT - 1.0) < 0.05
  speed = (k.qpos[-1, 0] - k.qpos[0, 0]) / (199 * 0.01)
  assert speed == pytest.approx(sample_lib.SPEED, rel=0.05)


def test_quaternions_unit_norm(sample):
  q = sample.kinematics.qpos[:, 3:7]
  np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-12)


def test_hinges_inside_ranges(sample, gait_model):
  m = gait_model.mj_model
  for j in range(1, m.njnt):
    lo, hi = m.jnt_range[j]
    a = sample.kinematics.qpos[:, m.jnt_qposadr[j]]
    assert lo <= a.min(), m.joint(j).name
    assert a.max() <= hi, m.joint(j).name


def test_derivatives_finite_difference_consistent(gait_model):
  """qvel ~ differentiatePos(q[t-1], q[t+1]) / 2dt and qacc ~ (qvel[t+1]-qvel[t-1]) / 2dt.

  Central differences at dt = 2 ms are O(dt^2) accurate: the error bound is dt^2/6 times the
  third derivative; with angular frequencies up to ~2*pi*10 rad/s that is ~3e-3 relative.
  """
  m = gait_model.mj_model
  dt = 0.002
  tr = jaxid.sample_trial(gait_model, n_frames=60, seed=3, dt=dt)
  q, v, a = tr.kinematics.qpos, tr.kinematics.qvel, tr.kinematics.qacc
  v_fd = np.zeros_like(v)
  for t in range(1, 59):
    mujoco.mj_differentiatePos(m, v_fd[t], 2 * dt, q[t - 1], q[t + 1])
  a_fd = (v[2:] - v[:-2]) / (2 * dt)
  np.testing.assert_allclose(v_fd[1:-1], v[1:-1], atol=3e-3 * np.abs(v).max())
  np.testing.assert_allclose(a_fd, a[1:-1], atol=3e-3 * np.abs(a).max())
  # and the free joint's angular velocity is not a component-wise quaternion difference (which
  # is about half of it: omega = 2 conj(q) dq/dt)
  naive = (q[2:, 4:7] - q[:-2, 4:7]) / (2 * dt)
  assert np.abs(naive - v[1:-1, 3:6]).max() > 0.25 * np.abs(v[:, 3:6]).max()


def test_swing_frames_exact_zeros_and_phases(sample):
  ld = sample.loads
  for s in "lr":
    cop, grf, mom = (getattr(ld, f"{k}_{s}") for k in ("cop", "grf", "moment"))
    swing = np.abs(cop).sum(1) == 0
    assert 0.25 < swing.mean() < 0.5  # swing ~38 % of the cycle
    assert np.all(grf[swing] == 0)
    assert np.all(mom[swing] == 0)
    assert np.all(grf[~swing, 2] > 0)
  stance = [np.abs(getattr(ld, f"cop_{s}")).sum(1) > 0 for s in "lr"]
  double = stance[0] & stance[1]
  assert 0.1 < double.mean() < 0.4
  assert np.all(stance[0] | stance[1])


def test_root_residual_below_1e_6_body_weight(sample, gait_model):
  """Through MuJoCo C: qfrc_inverse minus J' (foot wrenches) on the free root dofs.

  The loads are constructed to balance the motion, so the residual is float64 round-off of
  forces ~1e3 N: the bound stated in docs/model.md is 1e-6 body weight (about 1e-3 N).
  """
  m = gait_model.mj_model
  d = mujoco.MjData(m)
  k, ld = sample.kinematics, sample.loads
  worst = 0.0
  for t in range(len(k.qpos)):
    d.qpos, d.qvel, d.qacc = k.qpos[t], k.qvel[t], k.qacc[t]
    mujoco.mj_inverse(m, d)
    qfrc = np.zeros(m.nv)
    for s, b in zip("lr", gait_model.body_ids):
      cop, grf, mom = (getattr(ld, f"{n}_{s}")[t] for n in ("cop", "grf", "moment"))
      if np.abs(cop).sum() > 0:
        torque = np.cross(cop - d.xipos[b], grf) + mom
        mujoco.mj_applyFT(m, d, grf, torque, d.xipos[b], b, qfrc)
    worst = max(worst, np.abs(d.qfrc_inverse[:6] - qfrc[:6]).max())
  assert worst < 1e-6 * BODY_WEIGHT
  # without the loads the root would need the whole body weight
  assert np.abs(d.qfrc_inverse[:6]).max() > 0.5 * BODY_WEIGHT


def test_ext_forces_balanced(gait_model):
  tr = jaxid.sample_trial(gait_model, n_frames=20, seed=1, ext_forces=True)
  torso = gait_model.mj_model.body("torso").id
  assert np.all(tr.loads.ext_forces[:, torso, 2] == pytest.approx(-2 * 9.81))
  base = jaxid.sample_trial(gait_model, n_frames=20, seed=1)
  extra = (tr.loads.grf_l + tr.loads.grf_r)[:, 2] - (base.loads.grf_l + base.loads.grf_r)[:, 2]
  np.testing.assert_allclose(extra, 2 * 9.81, rtol=1e-9)


def test_seed_changes_motion_and_bad_args(gait_model):
  a = jaxid.sample_trial(gait_model, n_frames=5, seed=0)
  b = jaxid.sample_trial(gait_model, n_frames=5, seed=1)
  assert not np.allclose(a.kinematics.qpos, b.kinematics.qpos)
  with pytest.raises(jaxid.InputError, match="n_frames"):
    jaxid.sample_trial(gait_model, n_frames=0)
  with pytest.raises(jaxid.InputError, match="dt"):
    jaxid.sample_trial(gait_model, n_frames=5, dt=0.0)

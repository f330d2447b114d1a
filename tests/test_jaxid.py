"""jaxid's rewrite: jit, grad and vmap safety, compile-once, schedules, other models."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.test_util import check_grads
from mujoco import mjx

import jaxid
from jaxid import pipeline
from jaxid.diagnostics import count_compiles

T = 8


def window(trial, start, n):
  return jax.tree.map(lambda x: x[start : start + n], trial)


def scale_close(a, b, rel):
  """Every leaf agrees to rel times its scale: its largest magnitude, or for the residuals (a
  cancellation of forces of body-weight size, ~1e3 N) the joint torques' largest magnitude."""

  def scale(k, y):
    y = b["joint_torques"] if k == "residuals" and "joint_torques" in b else y
    return max(np.abs(np.asarray(y)).max(), 1.0)

  for k in b:
    x, y = np.asarray(a[k], np.float64), np.asarray(b[k], np.float64)
    np.testing.assert_allclose(x, y, rtol=0, atol=rel * scale(k, b[k]), err_msg=k)


@pytest.fixture(scope="module")
def short(sample):
  """Frames 40-47 of the sample: double support then single support (both feet used)."""
  return window(sample, 40, T)


def test_jit_equals_eager(gait_model, short):
  m = gait_model.mjx()
  data = mjx.make_data(m)
  args = (m, data, short.kinematics, short.loads, gait_model.body_ids)
  _, eager = jaxid.run_inverse_dynamics_jax(*args)
  jitted = jax.jit(jaxid.run_inverse_dynamics_jax, static_argnums=4)
  _, compiled = jitted(*args)
  # Same float32 operations, possibly fused differently by XLA: agreement to a few float32
  # ulps of each output's scale (eps32 = 1.2e-7; 1e-5 allows ~80 ulps of accumulated error).
  scale_close(compiled, eager, 1e-5)


def test_vmap_equals_python_loop(gait_model, sample):
  trials = [window(sample, s, T) for s in (0, 30, 70)]
  batch = jax.tree.map(lambda *x: jnp.stack(x), *trials)
  out = jaxid.inverse_dynamics(gait_model, batch, outputs=jaxid.TORQUES)
  for i, tr in enumerate(trials):
    single = jaxid.inverse_dynamics(gait_model, tr, outputs=jaxid.TORQUES)
    scale_close(jax.tree.map(lambda x, i=i: x[i], out), single, 1e-5)


def test_schedules_and_remat_agree(gait_model, short):
  ref = jaxid.inverse_dynamics(gait_model, short, schedule="scan")
  for schedule in ("vmap", "chunked", "auto"):
    scale_close(jaxid.inverse_dynamics(gait_model, short, schedule=schedule), ref, 1e-5)
  # remat checkpoints the frame of whichever schedule runs: the same values, bit for bit.
  for schedule in ("scan", "vmap", "chunked"):
    plain = jaxid.inverse_dynamics(gait_model, short, schedule=schedule)
    scale_close(
      jaxid.inverse_dynamics(gait_model, short, schedule=schedule, remat=True), plain, 0.0
    )
  odd = jax.tree.map(lambda x: x[:5], short)  # T = 5: chunks of 8 are padded, then stripped
  out = jaxid.inverse_dynamics(gait_model, odd, schedule="chunked", outputs=("joint_torques",))
  scale_close(out, {"joint_torques": ref["joint_torques"][:5]}, 1e-5)


def test_one_compilation_for_ten_calls(gait_model, sample):
  """New values, same shapes: one compile (the first call; a persistent-cache hit counts too)."""
  trials = [window(sample, 3 + 11 * i, 13) for i in range(10)]  # T = 13: a fresh shape
  with count_compiles() as c:
    for tr in trials:
      jax.block_until_ready(jaxid.inverse_dynamics(gait_model, tr, outputs=("joint_torques",)))
  assert c.count == 1


def test_traced_program_size_independent_of_t(gait_model, sample):
  def n_eqns(n):
    tr = window(sample, 0, n)
    fn = lambda k, ld: pipeline.run_inverse_dynamics_jax(
      gait_model.mjx(), mjx.make_data(gait_model.mjx()), k, ld, gait_model.body_ids
    )
    return len(jax.make_jaxpr(fn)(tr.kinematics, tr.loads).jaxpr.eqns)

  assert n_eqns(4) == n_eqns(64)


def test_traces_once_under_jit(gait_model, short):
  m = gait_model.mjx()

  @jax.jit
  @chex.assert_max_traces(n=1)
  def torques(k, ld):
    data = mjx.make_data(m)
    return pipeline.run_inverse_dynamics_jax(
      m, data, k, ld, gait_model.body_ids, outputs=("joint_torques",)
    )[1]

  for shift in (0.0, 0.01, 0.02):
    k = short.kinematics.replace(qacc=short.kinematics.qacc + shift)
    jax.block_until_ready(torques(k, short.loads))


@pytest.mark.x64
def test_check_grads_float64(x64, gait_model, short):
  """First order, forward and reverse mode, on a stance window (contact on throughout: the
  contact rule is a step in cop, so finite differences across it are meaningless)."""
  stance = short
  m = gait_model.mjx()
  data = mjx.make_data(m)
  k0, l0 = jax.tree.map(jnp.asarray, (stance.kinematics, stance.loads))
  assert np.all(np.abs(np.asarray(l0.cop_l)).sum(1) > 0) or np.all(
    np.abs(np.asarray(l0.cop_r)).sum(1) > 0
  )

  @jax.jit
  def loss(qpos, qvel, qacc, grf_l, grf_r, cop_l, cop_r):
    k = jaxid.Kinematics(qpos, qvel, qacc)
    ld = l0.replace(grf_l=grf_l, grf_r=grf_r, cop_l=cop_l, cop_r=cop_r)
    out = pipeline.run_inverse_dynamics_jax(
      m, data, k, ld, gait_model.body_ids, outputs=("joint_torques",)
    )[1]
    return jnp.sum(out["joint_torques"] ** 2) * 1e-6

  args = (k0.qpos, k0.qvel, k0.qacc, l0.grf_l, l0.grf_r, l0.cop_l, l0.cop_r)
  check_grads(loss, args, order=1, modes=("fwd", "rev"), eps=1e-6, atol=1e-5, rtol=1e-5)


def test_gradients_at_swing_onset_and_rest(gait_model, sample):
  """Swing frames (COP and GRF exactly 0), contact onset and zero velocities: the gradient is
  finite, zero with respect to a swing foot's GRF/COP, and equal to the no-load gradient there."""
  m = gait_model.mjx()
  cop_r = np.abs(sample.loads.cop_r).sum(1) > 0
  onset = int(np.argmax(~cop_r[:-1] & cop_r[1:])) + 1  # first right stance frame after swing
  tr = window(sample, onset - 4, T)
  tr = tr.replace(kinematics=tr.kinematics.replace(qvel=np.zeros_like(tr.kinematics.qvel)))
  data = mjx.make_data(m)

  def loss(ld):
    out = pipeline.run_inverse_dynamics_jax(
      m, data, tr.kinematics, ld, gait_model.body_ids, outputs=("joint_torques",)
    )[1]
    return jnp.sum(out["joint_torques"] ** 2)

  g = jax.jit(jax.grad(loss))(jax.tree.map(jnp.asarray, tr.loads))
  for leaf in jax.tree.leaves(g):
    assert np.all(np.isfinite(leaf))
  swing = np.abs(tr.loads.cop_r).sum(1) == 0
  assert swing[:4].all()
  assert not swing[4:].any()
  assert np.all(np.asarray(g.grf_r)[swing] == 0)
  assert np.all(np.asarray(g.cop_r)[swing] == 0)
  assert np.abs(np.asarray(g.grf_r)[~swing]).min(axis=1).max() > 0


def test_planar_yup_model_without_free_root():
  """An OpenSim-style model: y-up gravity, slide/hinge pelvis, an extra unloaded joint."""
  import mujoco

  model = jaxid.load_model("tests/models/planar_yup.xml")
  m, d = model.mj_model, mujoco.MjData(model.mj_model)
  rng = np.random.default_rng(0)
  n = 6
  qpos = rng.uniform(-0.3, 0.3, (n, m.nq))
  qvel, qacc = rng.uniform(-1, 1, (n, m.nv)), rng.uniform(-5, 5, (n, m.nv))
  grf = np.tile([30.0, 400.0, 0.0], (n, 1))
  cop = np.tile([0.1, 0.0, 0.05], (n, 1))
  cop[:2] = 0.0  # left foot in swing for two frames
  zeros = np.zeros((n, 3))
  trial = jaxid.Trial(
    jaxid.Kinematics(qpos, qvel, qacc),
    jaxid.Loads(grf, zeros, cop, zeros, zeros, zeros, np.zeros((n, m.nbody, 6))),
  )
  out = jaxid.inverse_dynamics(
    model, trial, validate=False
  )  # swing frames keep a force: the rule drops it
  assert "residuals" not in out  # no free root: documented in docs/api.md
  arm = m.joint("arm_swing").dofadr[0]
  for t in range(n):
    d.qpos, d.qvel, d.qacc = qpos[t], qvel[t], qacc[t]
    mujoco.mj_inverse(m, d)
    expect = d.qfrc_inverse.copy()
    if t >= 2:
      b = model.body_ids[0]
      mujoco.mj_applyFT(
        m, d, -grf[t], -np.cross(cop[t] - d.xipos[b], grf[t]), d.xipos[b], b, expect
      )
    # float32 round-off of forces ~5e2 N
    np.testing.assert_allclose(out["joint_torques"][t], expect, atol=1e-5 * 500)
    assert abs(out["joint_torques"][t][arm] - d.qfrc_inverse[arm]) < 1e-5 * 500

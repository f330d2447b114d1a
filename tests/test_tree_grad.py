"""Gradients through the tree backend: against central finite differences in float64, finite
where a user trains (zero velocity, identity root quaternion, a foot at contact onset).

Policy: the directional derivative along a random direction agrees with the central difference
(step 1e-6, truncation error ~1e-12 of the curvature) to 1e-6 of the derivative's magnitude.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxid
from jaxid import batching, contract
from jaxid_parity.source_checks import eqns

# jaxid's XLA option on each test's own jit, as docs/performance.md tells a caller to pass it.
jit = functools.partial(jax.jit, compiler_options=jaxid.XLA_OPTIONS)


@pytest.fixture(scope="module")
def gait(gait_model):
  """conftest's bundled Model: the one the other modules compile their programs for."""
  return gait_model


def _trial(gait, n=3):
  tr = jaxid.sample_trial(gait, n_frames=n, seed=0)
  return jax.tree.map(lambda x: jnp.asarray(x), tr)


def _loss(gait, w):
  def f(trial):
    out = jaxid.inverse_dynamics(
      gait, trial, outputs=("joint_torques", "contact_force"), validate=False, backend="tree"
    )
    return jnp.sum(w * out["joint_torques"]) + 1e-3 * jnp.sum(out["contact_force"] ** 2)

  return f


@pytest.mark.x64
def test_gradient_matches_finite_differences(gait, x64):
  trial = jax.tree.map(lambda x: jnp.asarray(x, jnp.float64), _trial(gait))
  rng = np.random.default_rng(0)
  w = jnp.asarray(rng.normal(size=trial.kinematics.qvel.shape))
  f = jit(_loss(gait, w))
  g = jit(jax.grad(_loss(gait, w)))(trial)
  direction = jax.tree.map(lambda x: jnp.asarray(rng.normal(size=x.shape)), trial)
  # a swing foot's COP stays at zero: moving it would switch the contact rule on (a jump)
  stance = {s: contract.in_contact(getattr(trial.loads, f"cop_{s}"))[:, None] for s in "lr"}
  direction = direction.replace(
    loads=direction.loads.replace(
      cop_l=direction.loads.cop_l * stance["l"], cop_r=direction.loads.cop_r * stance["r"]
    )
  )
  ad = sum(jnp.vdot(a, b) for a, b in zip(jax.tree.leaves(g), jax.tree.leaves(direction)))
  h = 1e-6
  step = lambda s: jax.tree.map(lambda x, d: x + s * h * d, trial, direction)
  fd = (f(step(1.0)) - f(step(-1.0))) / (2 * h)
  assert np.isfinite(float(ad))
  assert abs(float(ad) - float(fd)) <= 1e-6 * max(abs(float(ad)), 1.0), (float(ad), float(fd))


def _batch(gait, rng):
  """Two trials of 3 frames, float64: the second a perturbed copy of the first."""
  trial = jax.tree.map(lambda x: jnp.asarray(x, jnp.float64), _trial(gait))
  return jax.tree.map(lambda x: jnp.stack([x, x + 1e-2 * rng.normal(size=x.shape)]), trial)


def _scans(f, batch) -> list:
  """The scan equations of jax.grad(f)'s program at batch."""
  return [e for e in eqns(jax.make_jaxpr(jax.grad(f))(batch).jaxpr) if e.primitive.name == "scan"]


@pytest.fixture
def rerun_every_batch(monkeypatch):
  """batching.VMAP_JVP_MAX_FRAMES = 0: every mapped batch's reverse pass runs trial by trial.
  JAX's trace caches are cleared before and after, so no program traced with the other rule is
  reused here or this one elsewhere."""
  jax.clear_caches()
  monkeypatch.setattr(batching, "VMAP_JVP_MAX_FRAMES", 0)
  yield
  jax.clear_caches()


@pytest.mark.x64
def test_small_batch_differentiates_as_vmap(gait, x64):
  """A batch of at most VMAP_JVP_MAX_FRAMES frames (B x T) is differentiated as jax.vmap: its
  gradient has no loop over the trials (vmap's gradient was the faster there)."""
  batch = _batch(gait, np.random.default_rng(1))
  assert batching.VMAP_JVP_MAX_FRAMES >= 2 * 3
  f = _loss(gait, jnp.ones(batch.kinematics.qvel.shape[1:]))
  assert "scan" in str(jax.make_jaxpr(f)(batch)), "the batch did not run trial by trial"
  assert _scans(f, batch) == [], "a small batch's gradient loops over its trials"


@pytest.mark.x64
def test_batch_runs_trial_by_trial_and_differentiates_as_vmap(gait, x64, rerun_every_batch):
  """A CPU batch runs its trials one after another (lax.map inside a custom_jvp, Options.batch
  "map"); above VMAP_JVP_MAX_FRAMES frames (here: always) its reverse pass too, rerunning each
  trial's forward (jax.checkpoint) instead of storing the batch's intermediates: value, grad and
  jvp of the batch equal those of jax.vmap over single-trial calls to 1e-10 of their magnitude
  (float64 round-off)."""
  rng = np.random.default_rng(1)
  batch = _batch(gait, rng)
  trial = jax.tree.map(lambda x: x[0], batch)
  w = jnp.asarray(rng.normal(size=trial.kinematics.qvel.shape))
  f = _loss(gait, w)  # on the batch: the sum of the trials' losses
  each = lambda b: jnp.sum(jax.vmap(f)(b))
  jaxpr = str(jax.make_jaxpr(f)(batch))
  assert "custom_jvp_call" in jaxpr, "the batch is not differentiated by its own rule"
  assert "scan" in jaxpr, "the batch did not run trial by trial"
  scans = _scans(f, batch)
  assert len(scans) == 2, "the gradient is not a forward and a reverse loop over the trials"
  reverse = [e.primitive.name for e in eqns(scans[-1].params["jaxpr"].jaxpr)]
  assert "cos" in reverse, "the reverse loop does not rerun each trial's kinematics"
  close = lambda a, b: abs(float(a) - float(b)) <= 1e-10 * max(abs(float(b)), 1.0)
  assert close(jit(f)(batch), jit(each)(batch))
  g, g_each = jit(jax.grad(f))(batch), jit(jax.grad(each))(batch)
  for (path, a), b in zip(jax.tree_util.tree_leaves_with_path(g), jax.tree.leaves(g_each)):
    atol = 1e-10 * max(float(jnp.max(jnp.abs(b))), 1.0)
    np.testing.assert_allclose(a, b, rtol=0, atol=atol, err_msg=jax.tree_util.keystr(path))
  v = jax.tree.map(lambda x: jnp.asarray(rng.normal(size=x.shape)), batch)
  v = v.replace(loads=v.loads.replace(cop_l=0 * v.loads.cop_l, cop_r=0 * v.loads.cop_r))
  _, tangent = jit(lambda b, v: jax.jvp(f, (b,), (v,)))(batch, v)
  assert close(tangent, sum(jnp.vdot(a, b) for a, b in zip(jax.tree.leaves(g), jax.tree.leaves(v))))


def test_gradient_finite_at_rest_identity_and_contact_onset(gait):
  trial = _trial(gait, n=2)
  k, ld = trial.kinematics, trial.loads
  qpos = k.qpos.at[:, 3:7].set(jnp.array([1.0, 0.0, 0.0, 0.0]))  # identity root quaternion
  kin = jaxid.Kinematics(qpos, jnp.zeros_like(k.qvel), k.qacc)  # zero velocity
  cop_l = ld.cop_l.at[0].set(0.0)  # left foot: swing in frame 0 (the contact rule's boundary)
  trial = jaxid.Trial(kin, ld.replace(cop_l=cop_l))

  def f(trial):
    out = jaxid.inverse_dynamics(gait, trial, validate=False, backend="tree")
    return sum(jnp.sum(v) for v in out.values())

  g = jit(jax.grad(f))(trial)
  for path, leaf in jax.tree_util.tree_leaves_with_path(g):
    assert np.all(np.isfinite(leaf)), jax.tree_util.keystr(path)
  assert np.any(np.asarray(g.kinematics.qacc) != 0)


def test_vmap_of_grad_over_trials_equals_each(gait):
  trial = _trial(gait, n=2)
  batch = jax.tree.map(lambda x: jnp.stack([x, x * 1.01]), trial)
  w = jnp.ones(trial.kinematics.qvel.shape)
  f = _loss(gait, w)
  gb = jit(jax.vmap(jax.grad(f)))(batch)
  g1 = jit(jax.grad(f))(jax.tree.map(lambda x: x[1], batch))
  np.testing.assert_allclose(gb.kinematics.qacc[1], g1.kinematics.qacc, rtol=1e-5, atol=1e-5)

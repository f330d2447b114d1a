"""The guide's "Testing ML Integration" tests ML1-ML4: jit, grad, vmap, inside a Flax module.

Each item is tested on the legacy, on the candidate and on the guide's claim
(jaxid_parity.suite.checklist_common says how).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxid.diagnostics import count_compiles
from jaxid_parity import compare
from jaxid_parity import strategies as S
from jaxid_parity.harness import OPTIONAL, REQUIRED, cast
from jaxid_parity.suite.checklist_common import (
  cast_trial,
  checklist,
  legacy_raises,
  traced,
)

pytestmark = pytest.mark.usefixtures("bundled_model_only")


# ---------------------------------------------------------------------------------------------
# ML1: "Can it JIT compile?"


@checklist(item="ML1", side="legacy")
def test_ml1_legacy_cannot_be_jitted_and_recompiles_every_call(legacy_fn, harness, measured):
  t = cast_trial()
  f = jax.jit(lambda k, ld: legacy_fn(harness.mj_model, k, ld, harness.body_names, verbose=False))
  err, line = legacy_raises(f, t.kinematics, t.loads)
  onset = cast_trial("onset")

  def run():
    return legacy_fn(
      harness.mj_model,
      onset.kinematics,
      onset.loads,
      harness.body_names,
      verbose=False,
    )

  run()
  counts = run()["compile_counts"]  # a second call: nothing new to the process but the closures
  spikes = [int(i) for i in np.flatnonzero(counts[1:]) + 1]
  assert spikes, "the legacy compiled nothing after frame 0"
  measured(
    f"jax.jit raises {type(err).__name__} (`{line}`); it compiles on every call, at "
    f"frames {spikes} of a trial whose feet land at frames 3 and 6"
  )


@checklist(
  item="ML1",
  side="candidate",
  verdict="confirmed",
  claim="Test 1: jax.jit(run_inverse_dynamics_jax)(...) works",
)
def test_ml1_candidate_jits_and_compiles_once(harness, measured):
  rng = np.random.default_rng(0)
  base = cast(S.long_sample(), "float32")

  def candidate_program(kinematics, loads):
    return traced(harness)(kinematics, loads)

  fn = jax.jit(candidate_program)

  def call_and_check():
    s = int(rng.integers(0, base.n_frames - 9))
    t = jax.tree.map(lambda a, s=s: a[s : s + 9], base)  # T = 9: a shape no other test uses
    out = fn(t.kinematics, t.loads)
    ref = harness.oracle(t)
    for key in REQUIRED:
      compare.assert_close(key, out[key], ref[key], compare.scales(ref)[key], label="jit")

  call_and_check()  # the one compilation (and any eager setup of the candidate's model)
  with count_compiles() as n:
    for _ in range(9):
      call_and_check()
  assert n.count == 0, f"{n.count} more compilations for 9 more calls with new values"
  measured(
    "jax.jit of the candidate matches MuJoCo C; compiled on the first call, no recompilation in"
    " 9 more calls with new values"
  )


# ---------------------------------------------------------------------------------------------
# ML2: "Can it differentiate?"

GRAD_ARGS = ("qpos", "qvel", "qacc", "grf_l", "grf_r", "cop_l", "cop_r")


def _loss_key(harness) -> str:
  """The output the ML losses sum: joint_torques where the candidate has it."""
  return "joint_torques" if "joint_torques" in harness.output_keys() else "joint_forces"


def _loss_fn(harness, t, key):
  def loss(qpos, qvel, qacc, grf_l, grf_r, cop_l, cop_r):
    k = t.kinematics.replace(qpos=qpos, qvel=qvel, qacc=qacc)
    ld = t.loads.replace(grf_l=grf_l, grf_r=grf_r, cop_l=cop_l, cop_r=cop_r)
    out = harness.candidate(harness.mj_model, k, ld, harness.body_names)
    return jnp.sum(out[key] ** 2) * 1e-6

  return loss


def _args(t):
  return tuple(
    jnp.asarray(getattr(t.kinematics if n.startswith("q") else t.loads, n)) for n in GRAD_ARGS
  )


@checklist(item="ML2", side="legacy")
def test_ml2_legacy_cannot_be_differentiated(legacy_fn, harness, measured):
  t = cast_trial()

  def loss(qacc):
    k = t.kinematics.replace(qacc=qacc)
    out = legacy_fn(harness.mj_model, k, t.loads, harness.body_names, verbose=False)
    return jnp.sum(out["joint_forces"] ** 2)

  err, line = legacy_raises(jax.grad(loss), jnp.asarray(t.kinematics.qacc))
  measured(f"jax.grad raises {type(err).__name__} (`{line}`)")


@checklist(
  item="ML2",
  side="candidate",
  verdict="confirmed",
  claim="Test 2: jax.grad(loss)(kinematics) returns gradients",
)
def test_ml2_candidate_gradient_matches_finite_differences(harness, x64, measured):
  key = _loss_key(harness)
  t = cast_trial("sample", "float64")
  loss = _loss_fn(harness, t, key)
  args = _args(t)
  _, grads = jax.value_and_grad(loss, argnums=tuple(range(len(args))))(*args)
  for name, g in zip(GRAD_ARGS, grads, strict=True):
    assert np.all(np.isfinite(g)), f"non-finite gradient w.r.t. {name}"
  # A direction that keeps quaternions unit (to first order) and swing COPs at zero.
  rng = np.random.default_rng(1)
  v = [rng.standard_normal(np.shape(a)) for a in args]
  q = np.asarray(args[0])[:, 3:7]
  v[0][:, 3:7] -= np.sum(v[0][:, 3:7] * q, axis=1, keepdims=True) * q
  for i in (5, 6):  # cop_l, cop_r
    v[i] *= (np.abs(np.asarray(args[i])).sum(axis=1, keepdims=True) > 0) * 0.01
    v[i - 2] *= 10.0  # GRFs: newtons
  eps = 1e-6
  plus = loss(*(a + eps * d for a, d in zip(args, v, strict=True)))
  minus = loss(*(a - eps * d for a, d in zip(args, v, strict=True)))
  fd = (plus - minus) / (2 * eps)
  ad = sum(float(jnp.vdot(g, d)) for g, d in zip(grads, v, strict=True))
  assert abs(ad - fd) <= 1e-5 * max(abs(fd), 1e-3), (ad, fd)
  swing = np.abs(np.asarray(t.loads.cop_l)).sum(axis=1) == 0
  assert swing.any()
  assert np.all(np.asarray(grads[3])[swing] == 0.0)
  measured(
    f"jax.grad of sum({key}^2) w.r.t. qpos, qvel, qacc, GRFs and COPs (float64): finite, "
    "zero w.r.t. a swing foot's GRF, equal to central finite differences to 1e-5"
  )


# ---------------------------------------------------------------------------------------------
# ML3: "Can it vectorize?"


@checklist(item="ML3", side="legacy")
def test_ml3_legacy_cannot_be_vmapped(legacy_fn, harness, measured):
  t = cast_trial()
  batch = jax.tree.map(lambda a: np.stack([a, a]), t)
  f = jax.vmap(
    lambda k, ld: legacy_fn(harness.mj_model, k, ld, harness.body_names, verbose=False)[
      "joint_forces"
    ]
  )
  err, line = legacy_raises(f, batch.kinematics, batch.loads)
  measured(f"jax.vmap raises {type(err).__name__} (`{line}`)")


@checklist(
  item="ML3",
  side="candidate",
  verdict="confirmed",
  claim="Test 3: jax.vmap over a batch of kinematics works",
)
def test_ml3_candidate_vmap_equals_a_loop(harness, measured):
  trials = [cast_trial(kind) for kind in ("sample", "onset", "tiny_cop")]
  batch = jax.tree.map(lambda *a: np.stack(a), *trials)
  out = jax.vmap(traced(harness))(batch.kinematics, batch.loads)
  for i, t in enumerate(trials):
    single, ref = harness.run(t), harness.oracle(t)
    for key in single:
      if key in REQUIRED or key in OPTIONAL:
        compare.assert_close(
          key,
          np.asarray(out[key])[i],
          single[key],
          compare.scales(ref)[key],
          label="vmap vs loop",
          both_rounded=True,
        )
  measured("jax.vmap over a batch of 3 trials equals a Python loop over them, every key")


# ---------------------------------------------------------------------------------------------
# ML4: "Can it integrate with a neural network?" (Flax linen)


def _id_model(harness, t, key):
  import flax.linen as nn

  loss = _loss_fn(harness, t, key)
  stance = {
    s: (np.abs(np.asarray(getattr(t.loads, f"cop_{s}"))).sum(1, keepdims=True) > 0) for s in "lr"
  }

  class IDModel(nn.Module):
    """Predicts small corrections to a trial's kinematics and loads; returns the ID loss."""

    @nn.compact
    def __call__(self, x):
      h = jnp.tanh(nn.Dense(16)(x))
      args = list(_args(t))
      for i, name in enumerate(GRAD_ARGS):
        width = args[i].shape[1]
        delta = 1e-3 * nn.Dense(width, name=f"d_{name}")(h)
        if name.startswith("cop"):
          delta = delta * stance[name[-1]]  # a swing foot stays in swing
        args[i] = args[i] + delta
      return loss(*args)

  return IDModel()


@checklist(item="ML4", side="legacy")
def test_ml4_legacy_cannot_run_inside_a_flax_module(legacy_fn, harness, measured):
  import flax.linen as nn

  t = cast_trial()

  class Wrapped(nn.Module):
    @nn.compact
    def __call__(self, x):
      qacc = t.kinematics.qacc + nn.Dense(t.kinematics.qacc.shape[1])(x)
      k = t.kinematics.replace(qacc=qacc)
      return legacy_fn(harness.mj_model, k, t.loads, harness.body_names, verbose=False)[
        "joint_forces"
      ]

  x = jnp.ones((t.kinematics.qpos.shape[0], 4))
  model = Wrapped()
  err, line = legacy_raises(lambda: jax.jit(model.init)(jax.random.PRNGKey(0), x))
  measured(f"model.init under jit raises {type(err).__name__} (`{line}`)")


@checklist(
  item="ML4",
  side="candidate",
  verdict="confirmed",
  claim="Test 4: inverse dynamics inside a Flax nn.Module: init and apply work",
)
def test_ml4_candidate_trains_inside_a_flax_module(harness, x64, measured):
  import optax

  key = _loss_key(harness)
  t = cast_trial("sample", "float64")
  model = _id_model(harness, t, key)
  x = jnp.linspace(0.0, 1.0, 4 * t.kinematics.qpos.shape[0]).reshape(-1, 4)
  params = model.init(jax.random.PRNGKey(0), x)
  opt = optax.adam(1e-2)
  state = opt.init(params)
  losses = []
  for _ in range(3):
    value, grads = jax.value_and_grad(model.apply)(params, x)
    leaves = jax.tree.leaves(grads)
    assert all(np.all(np.isfinite(g)) for g in leaves)
    assert any(np.any(g != 0) for g in leaves)
    updates, state = opt.update(grads, state)
    params = optax.apply_updates(params, updates)
    losses.append(float(value))
  assert losses[-1] < losses[0], losses
  measured(
    f"a Flax linen module calls the candidate; init, apply and 3 Adam steps on sum({key}^2) "
    "run with finite gradients and the loss decreases"
  )

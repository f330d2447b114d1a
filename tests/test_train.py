"""Training through jaxid: a few Adam steps of examples/train_through_id.py's network.

Needs flax and optax (the `ml` extra, installed in the test environment by noxfile.py). Not
marked slow: it runs in the default suite. Its cost is compiling the train step (gradient of the
jaxid scan, vmapped over trials); the conftest's persistent compilation cache keeps reruns short.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("flax", reason="needs the ml extra: pip install -e .[ml]")
pytest.importorskip("optax", reason="needs the ml extra: pip install -e .[ml]")

import chex
import jax
import jax.numpy as jnp

import jaxid

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "train_through_id.py"
N_STEPS = 4


@pytest.fixture(scope="module")
def example():
  """The example script as a module (examples/ is not a package)."""
  spec = importlib.util.spec_from_file_location("train_through_id", EXAMPLE)
  mod = importlib.util.module_from_spec(spec)
  sys.modules[spec.name] = mod  # dataclasses look their module up by name
  spec.loader.exec_module(mod)
  yield mod
  sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def run(example, gait_model):
  """Compile the train step once (with a trace counter) and take N_STEPS steps on one batch."""
  cfg = example.Config(n_frames=32, batch=4, n_train=4, hidden=32, lr=1e-2)
  data = example.make_data(gait_model, range(cfg.batch), cfg.n_frames, np.float32)
  other = example.make_data(gait_model, range(50, 50 + cfg.batch), cfg.n_frames, np.float32)
  graphdef, params, tx, opt_state = example.init(gait_model, cfg, N_STEPS)
  step = jax.jit(
    chex.assert_max_traces(example.make_train_step(gait_model, graphdef, tx), n=1),
    compiler_options=jaxid.XLA_OPTIONS,  # as the example's main() jits it
  )
  batch = jax.tree.map(jnp.asarray, data)
  params0 = params
  metrics = []
  for _ in range(N_STEPS + 1):  # the last call only measures the loss after N_STEPS updates
    new_params, new_opt_state, m = step(params, opt_state, batch)
    metrics.append(m)
    params, opt_state = new_params, new_opt_state
  # New data values of the same shapes: still the one trace (assert_max_traces raises if not).
  m_other = step(params, opt_state, jax.tree.map(jnp.asarray, other))[2]
  return dict(metrics=metrics, params0=params0, params=params, other=m_other, step=step)


def test_loss_decreases(run):
  losses = [float(m["loss"]) for m in run["metrics"]]
  assert all(np.isfinite(losses)), losses
  assert losses[-1] < 0.9 * losses[0], f"loss did not drop 10 % in {N_STEPS} steps: {losses}"
  assert float(run["metrics"][-1]["torque_rmse"]) < float(run["metrics"][0]["torque_rmse"])


def test_gradients_finite_and_nonzero_on_every_parameter(run):
  grads = run["metrics"][0]["grads"]
  leaves = jax.tree_util.tree_leaves_with_path(grads)
  assert len(leaves) == 6  # kernel and bias of three Linear layers
  for path, g in leaves:
    g = np.asarray(g)
    name = jax.tree_util.keystr(path)
    assert np.isfinite(g).all(), f"non-finite gradient in {name}"
    assert np.abs(g).max() > 0, f"zero gradient in {name}"
  moved = jax.tree.map(
    lambda a, b: float(np.abs(np.asarray(a) - np.asarray(b)).max()), run["params"], run["params0"]
  )
  assert all(v > 0 for v in jax.tree.leaves(moved)), moved


def test_train_step_compiles_once(run):
  # chex.assert_max_traces(n=1) inside the jit would have raised on a second trace: N_STEPS + 2
  # calls, with new parameters, new optimizer state and a batch of other trials, traced (and so
  # compiled) once.
  assert len(run["metrics"]) == N_STEPS + 1
  assert np.isfinite(float(run["other"]["loss"]))

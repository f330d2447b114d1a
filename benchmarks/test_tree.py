"""The tree backend (jaxid.tree): forward one trial and batch, value_and_grad (MJX rows: test_forward.py).

Rows share the groups of test_forward.py / test_grad.py so the report puts them beside the MJX
and C rows; every row jits with jaxid.XLA_OPTIONS (what a caller's jit passes to get jaxid's own
top-level compile), compiles before timing, blocks on its outputs and checks its result
against MuJoCo C (benchmarks/check.py, the parity policy; gradients: the value and a finite
difference of the tree forward in float64 along a random direction).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxid
from benchmarks import conftest as fx
from benchmarks.check import check
from benchmarks.common import CFG, bench, f32, first_call
from jaxid.options import auto_schedule
from jaxid.pipeline import XLA_OPTIONS

T = CFG.t_main
BACKENDS = ("tree",)  # the MJX rows of the same groups are test_forward.py's


def _fn(gait, trial, backend, outputs=jaxid.TORQUES):
  # a caller's jit of the tree backend, with the XLA options jaxid's own top-level call uses
  f = jax.jit(
    lambda tr: jaxid.inverse_dynamics(gait, tr, outputs=outputs, backend=backend),
    compiler_options=XLA_OPTIONS,
  )
  return lambda: jax.block_until_ready(f(trial))


@pytest.mark.parametrize("backend", BACKENDS)
def test_single_torques(benchmark, gait, backend):
  fn = _fn(gait, f32(fx.trial(T)), backend)
  first = first_call(fn)
  out = bench(
    benchmark, fn, group=f"forward T={T} torques", frames=T, impl=f"jaxid-{backend}",
    outputs="torques", T=T, B=1, schedule="auto", resolved=auto_schedule(False, T, backend),
    first_call_s=first, backend=backend,
  )  # fmt: skip
  check(gait, fx.trial(T), out)


@pytest.mark.parametrize("backend", BACKENDS)
def test_single_all(benchmark, gait, backend):
  fn = _fn(gait, f32(fx.trial(T)), backend, outputs=None)
  first = first_call(fn)
  out = bench(
    benchmark, fn, group=f"forward T={T} all", frames=T, impl=f"jaxid-{backend}",
    outputs="all", T=T, B=1, schedule="auto", resolved=auto_schedule(False, T, backend),
    first_call_s=first, backend=backend,
  )  # fmt: skip
  check(gait, fx.trial(T), out)


@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_torques(benchmark, gait, backend):
  batch = 32
  fn = _fn(gait, f32(fx.batch_trial(batch, T)), backend)
  first = first_call(fn)
  out = bench(
    benchmark, fn, group=f"batch T={T} torques", frames=batch * T, impl=f"jaxid-{backend}",
    outputs="torques", T=T, B=batch, schedule="auto", resolved=auto_schedule(True, T, backend),
    first_call_s=first, backend=backend,
  )  # fmt: skip
  seeds = fx.batch_seeds(batch)
  for i in range(min(batch, CFG.distinct_trials)):
    check(gait, fx.trial(T, seeds[i]), jax.tree.map(lambda x, i=i: x[i], out))


def _loss(gait, backend):
  def loss(trial):
    out = jaxid.inverse_dynamics(gait, trial, outputs=jaxid.TORQUES, backend=backend)
    return jnp.mean(out["joint_torques"] ** 2)

  return loss


@pytest.mark.parametrize("batch", [1, 32])
def test_value_and_grad_tree(benchmark, gait, batch):
  trial = fx.trial(T) if batch == 1 else fx.batch_trial(batch, T)
  vg = jax.jit(jax.value_and_grad(_loss(gait, "tree")), compiler_options=XLA_OPTIONS)
  x = f32(trial)
  fn = lambda: jax.block_until_ready(vg(x))
  first = first_call(fn)
  value, grad = bench(
    benchmark, fn, group=f"value_and_grad T={T} B={batch}", frames=batch * T,
    impl="jaxid-tree", outputs="torques", T=T, B=batch, schedule="auto", first_call_s=first,
    backend="tree", kind="grad",
  )  # fmt: skip
  # value vs the float32 forward, gradient vs a float64 central difference of the forward
  assert np.isfinite(float(value))
  with jax.enable_x64(True):
    wide = jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), trial)
    rng = np.random.default_rng(0)
    d = jax.tree.map(lambda a: jnp.asarray(rng.normal(size=a.shape) * 1e-3), wide)
    f = jax.jit(_loss(gait, "tree"))
    h = 1e-3
    fd = (
      f(jax.tree.map(lambda a, b: a + h * b, wide, d))
      - f(jax.tree.map(lambda a, b: a - h * b, wide, d))
    ) / (2 * h)
    ref = float(f(wide))
  ad = sum(float(jnp.vdot(g, b)) for g, b in zip(jax.tree.leaves(grad), jax.tree.leaves(d)))
  assert abs(float(value) - ref) <= 1e-3 * abs(ref), (float(value), ref)
  assert abs(ad - float(fd)) <= 1e-2 * max(abs(float(fd)), 1e-6), (ad, float(fd))

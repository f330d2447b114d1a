"""MyoLeg (pruned, jaxid[myo]): the bundled model's rows on a real musculoskeletal model.

Rows: the MuJoCo C peer loop, the legacy loop, jaxid on one trial (all outputs, torques), a batch of
32 (MJX, and the tree backend for issue 19's MyoLeg target), value_and_grad of the joint-torque
loss, and compile (cold and warm cache, a fresh process each). Every row carries extra_info
model="myolegs"; the report puts them in their own groups and states the MyoLeg targets (cold
compile <= 8 s, vmap(32) >= 20x the C loop). Results are checked against MuJoCo C with the parity
harness's policy (benchmarks/myo.py). The ci run keeps the rows the targets need, skipping the
legacy and the gradient.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

import jaxid
from benchmarks import cpeer
from benchmarks import myo as fx
from benchmarks.common import CFG, MODE, bench, f32, first_call, legacy_row, resolved
from benchmarks.test_grad import check_grad, grad_row

pytestmark = pytest.mark.skipif(
  not fx.available(), reason='MyoLeg rows need myo-sim: pip install "jaxid[myo]"'
)

T = CFG.t_main
B = 32
OUTPUTS = {"all": None, "torques": jaxid.TORQUES}
INFO = {"model": fx.NAME, "T": T}
full_only = pytest.mark.skipif(MODE != "full", reason="full run only (compiles MyoLeg again)")


def group(kind: str) -> str:
  return f"{fx.NAME} {kind} T={T}"


@pytest.fixture(scope="module")
def myo():
  return fx.model()


@pytest.mark.parametrize("outputs", ["all", "torques"])
def test_myo_cpeer(benchmark, myo, outputs):
  peer = cpeer.Peer(myo.mj_model, myo.body_ids, fx.trial(T), OUTPUTS[outputs])
  out = bench(
    benchmark,
    peer.run,
    group=group(f"forward {outputs}"),
    frames=T,
    impl="cpeer",
    outputs=outputs,
    B=1,
    schedule="c-loop",
    **INFO,
  )
  fx.check_oracle(out, T, 0, dtype="float64")


@full_only
def test_myo_legacy(benchmark, myo):
  out = legacy_row(benchmark, myo, fx.trial(T), group=group("forward all"), **INFO)
  # legacy joint_forces are qfrc_inverse, not the joint torques; contact_force is all zeros
  fx.check_oracle({k: out[k] for k in ("joint_forces", "mass_matrix")}, T, 0)


@pytest.mark.parametrize("outputs", ["all", "torques"])
def test_myo_jaxid_single(benchmark, myo, outputs):
  tr = f32(fx.trial(T))

  def fn():
    return jax.block_until_ready(
      jaxid.inverse_dynamics(myo, tr, outputs=OUTPUTS[outputs], backend="mjx")
    )

  first = first_call(fn)
  out = bench(
    benchmark,
    fn,
    group=group(f"forward {outputs}"),
    frames=T,
    impl="jaxid",
    outputs=outputs,
    B=1,
    schedule="auto",
    resolved=resolved("auto", False),
    first_call_s=first,
    **INFO,
  )
  fx.check_oracle(out, T, 0)


def test_myo_jaxid_batch(benchmark, myo):
  _batch_row(benchmark, myo, "mjx")


def test_myo_tree_batch(benchmark, myo):
  """Issue 19's MyoLeg target: the tree backend's batch of 32 against the same C peer."""
  _batch_row(benchmark, myo, "tree")


def _batch_row(benchmark, myo, backend: str) -> None:
  seeds = [i % 4 for i in range(B)]
  tr = f32(jax.tree.map(lambda *x: np.stack(x), *[fx.trial(T, s) for s in seeds]))

  def fn():
    return jax.block_until_ready(
      jaxid.inverse_dynamics(myo, tr, outputs=jaxid.TORQUES, backend=backend)
    )

  first = first_call(fn)
  out = bench(
    benchmark,
    fn,
    group=group("batch torques"),
    frames=B * T,
    impl="jaxid" if backend == "mjx" else f"jaxid-{backend}",
    outputs="torques",
    B=B,
    schedule="auto",
    resolved=resolved("auto", True, T, backend),
    first_call_s=first,
    backend=backend,
    **INFO,
  )
  for i in range(4):  # each distinct trial once
    fx.check_oracle(jax.tree.map(lambda x, i=i: x[i], out), T, seeds[i])


@full_only
def test_myo_grad(benchmark, myo):
  # the bundled rows' loss, mean(joint_torques**2), and their timing
  value, grad = grad_row(benchmark, myo, fx.trial(T), "auto", group=group("grad torques"), **INFO)
  # value vs the C peer; <grad, v> vs the C peer's float64 central difference along v
  check_grad(myo, fx.trial(T), value, grad)


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_myo_compile(benchmark, cache_root, cache):
  from benchmarks.test_compile import probe

  program = f"{fx.NAME}-single"
  cache_dir = str(cache_root / program)
  if cache == "warm" and not (cache_root / program).exists():
    probe("compile", program, cache_dir)
  result = {}

  def run():
    result.update(probe("compile", program, cache_dir))

  benchmark.group = "compile"
  benchmark.pedantic(run, rounds=1, iterations=1)
  benchmark.extra_info.update(
    result, kind="compile", cache=cache, impl="jaxid", frames=T, model=fx.NAME
  )
  assert result["ok"]
  if cache == "warm":
    assert result["cache_hits"] >= 1
    assert result["backend_s"] <= result["first_call_s"]

"""Forward inverse dynamics: legacy loop, MuJoCo C peer, jaxid single, batched and scaling rows.

Every row times whole calls (a trial, or a batch of trials) after compilation, blocks on the
outputs, records frames per call in extra_info and checks its result against MuJoCo C in float64
at the parity harness's policy (benchmarks/check.py: float64 rows 1e-10, float32 rows 1e-5 of
each key's scale). The jaxid rows here are the MJX pipeline (backend="mjx", the guide's
migration target); the tree backend's rows are in test_tree.py, in the same groups.
"""

from __future__ import annotations

import jax
import pytest

import jaxid
from benchmarks import cloop, cpeer
from benchmarks import conftest as fx
from benchmarks.check import check
from benchmarks.common import CFG, MODE, available, bench, f32, first_call, legacy_row, resolved
from jaxid.contract import OUTPUT_SHAPES

T = CFG.t_main
OUTPUTS = {"all": None, "torques": jaxid.TORQUES}


def group_single(outputs: str) -> str:
  return f"forward T={T} {outputs}"


# --- MuJoCo C peer -------------------------------------------------------------------------------


@pytest.mark.parametrize("outputs", ["all", "torques"])
def test_cpeer(benchmark, gait, outputs):
  peer = cpeer.Peer(gait.mj_model, gait.body_ids, fx.trial(T), OUTPUTS[outputs])
  out = bench(
    benchmark,
    peer.run,
    group=group_single(outputs),
    frames=T,
    impl="cpeer",
    outputs=outputs,
    T=T,
    B=1,
    schedule="c-loop",
  )
  check(gait, fx.trial(T), out, "float64")


def test_cpeer_literal(benchmark, gait):
  def fn():
    return cpeer.run_literal(gait.mj_model, gait.body_ids, fx.trial(T))

  out = bench(
    benchmark,
    fn,
    group=group_single("all"),
    frames=T,
    impl="cpeer-literal",
    outputs="all",
    T=T,
    B=1,
    schedule="c-loop",
  )
  check(gait, fx.trial(T), out, "float64")


def test_cloop(benchmark, gait):
  """mj_inverse in a C loop (benchmarks/cloop.c): MuJoCo C with no Python per frame."""
  peer = cloop.CLoop(gait.mj_model, gait.body_ids, fx.trial(T))
  out = bench(
    benchmark,
    peer.run,
    group=group_single("torques"),
    frames=T,
    impl="cloop",
    outputs="torques",
    T=T,
    B=1,
    schedule="c-loop",
  )
  check(gait, fx.trial(T), out, "float64")


# --- legacy loop ---------------------------------------------------------------------------------


def test_legacy(benchmark, gait):
  tr = fx.trial(T)
  out = legacy_row(benchmark, gait, tr, group=group_single("all"), T=T)
  # contact_force is all zeros in the legacy loop (MJX's inverse leaves cfrc_ext unset); the
  # other contract keys agree with MuJoCo C.
  check(gait, tr, out, keys=[k for k in OUTPUT_SHAPES if k != "contact_force"])


# --- jaxid, one trial ----------------------------------------------------------------------------


def _jaxid_fn(gait, trial, outputs, schedule):
  """The public call, as a user makes it (input validation on the host included)."""
  outs = OUTPUTS[outputs]
  return lambda: jax.block_until_ready(
    jaxid.inverse_dynamics(gait, trial, outputs=outs, schedule=schedule, backend="mjx")
  )


def _jitted_fn(gait, trial, outputs, schedule):
  """The same call inside the caller's jit, as in an ML step: no per-call host work."""
  outs = OUTPUTS[outputs]
  f = jax.jit(  # with jaxid's XLA options, as its docs tell a caller's jit to pass them
    lambda tr: jaxid.inverse_dynamics(gait, tr, outputs=outs, schedule=schedule, backend="mjx"),
    compiler_options=jaxid.XLA_OPTIONS,
  )
  return lambda: jax.block_until_ready(f(trial))


@pytest.mark.parametrize("schedule", available(CFG.schedules))
@pytest.mark.parametrize("outputs", ["all", "torques"])
def test_jaxid_single(benchmark, gait, outputs, schedule):
  fn = _jaxid_fn(gait, f32(fx.trial(T)), outputs, schedule)
  first = first_call(fn)  # compiles (or loads from the persistent cache)
  out = bench(
    benchmark,
    fn,
    group=group_single(outputs),
    frames=T,
    impl="jaxid",
    outputs=outputs,
    T=T,
    B=1,
    schedule=schedule,
    resolved=resolved(schedule, False),
    first_call_s=first,
  )
  check(gait, fx.trial(T), out)


def _in_jit_cases():
  """The gradient rows' (B, schedule) pairs: each value_and_grad row's forward counterpart."""
  cases = [(1, s) for s in available(CFG.grad_schedules)]
  return cases + [(CFG.grad_batch, s) for s in available(("auto", "vmap")) if CFG.grad_batch]


@pytest.mark.parametrize(
  ("batch", "schedule"),
  _in_jit_cases(),
  ids=[str(b) if s == "auto" else f"{b}-{s}" for b, s in _in_jit_cases()],
)
def test_jaxid_in_jit(benchmark, gait, batch, schedule):
  """Torques, called inside jax.jit, as value_and_grad calls it: no per-call host work."""
  trial = fx.trial(T) if batch == 1 else fx.batch_trial(batch, T)
  fn = _jitted_fn(gait, f32(trial), "torques", schedule)
  first = first_call(fn)
  group = group_single("torques") if batch == 1 else f"batch T={T} torques"
  out = bench(
    benchmark,
    fn,
    group=group,
    frames=batch * T,
    impl="jaxid-in-jit",
    outputs="torques",
    T=T,
    B=batch,
    schedule=schedule,
    resolved=resolved(schedule, batch > 1),
    first_call_s=first,
  )
  seeds = fx.batch_seeds(batch)
  for i in range(min(batch, CFG.distinct_trials)):  # each distinct trial once
    one = out if batch == 1 else jax.tree.map(lambda x, i=i: x[i], out)
    check(gait, fx.trial(T, seeds[i]), one)


# --- jaxid, batches of trials (vmap) -------------------------------------------------------------


def _batch_cases():
  """Every batch size with the default schedule; in the full run B = 32 also with the others."""
  cases = [(b, "auto") for b in CFG.batches]
  if MODE == "full":
    cases += [
      (32, s) for s in available(("scan", "vmap", "chunked")) if s != resolved("auto", True)
    ]
  return cases


@pytest.mark.parametrize(("batch", "schedule"), _batch_cases())
def test_jaxid_batch(benchmark, gait, batch, schedule):
  fn = _jaxid_fn(gait, f32(fx.batch_trial(batch, T)), "torques", schedule)
  first = first_call(fn)
  out = bench(
    benchmark,
    fn,
    group=f"batch T={T} torques",
    frames=batch * T,
    impl="jaxid",
    outputs="torques",
    T=T,
    B=batch,
    schedule=schedule,
    resolved=resolved(schedule, True),
    first_call_s=first,
  )
  seeds = fx.batch_seeds(batch)
  for i in range(min(batch, CFG.distinct_trials)):  # each distinct trial once
    check(gait, fx.trial(T, seeds[i]), jax.tree.map(lambda x, i=i: x[i], out))


# --- scaling with T (torques, default schedule), C peer alongside ---------------------------------


@pytest.mark.parametrize("n_frames", CFG.t_scaling)
@pytest.mark.parametrize("impl", ["cpeer", "jaxid"])
def test_scaling_t(benchmark, gait, impl, n_frames):
  tr = fx.trial(n_frames)
  if impl == "cpeer":
    fn = cpeer.Peer(gait.mj_model, gait.body_ids, tr, jaxid.TORQUES).run
    first, schedule = 0.0, "c-loop"
  else:
    fn = _jaxid_fn(gait, f32(tr), "torques", "auto")
    first, schedule = first_call(fn), "auto"
  out = bench(
    benchmark,
    fn,
    group="scaling T torques",
    frames=n_frames,
    impl=impl,
    outputs="torques",
    T=n_frames,
    B=1,
    schedule=schedule,
    resolved=resolved(schedule, False),
    first_call_s=first,
  )
  check(gait, tr, out, "float32" if impl == "jaxid" else "float64")

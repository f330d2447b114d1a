"""Shared configuration and helpers of the benchmark suites.

The mode comes from JAXID_BENCH_MODE (set by benchmarks/run.py): "full" (default) or "ci", the
short run CI prints. Both use the bundled model, float32 and T = 200 for the rows the issue's
targets are stated on; ci drops the larger sweeps and runs fewer rounds. Compilation, not run
time, dominates the ci budget, so it trims the number of distinct programs, not T.
"""

from __future__ import annotations

import dataclasses
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

MODE = os.environ.get("JAXID_BENCH_MODE", "full")


@dataclasses.dataclass(frozen=True)
class Config:
  t_main: int  # trial length of the target rows
  batches: tuple[int, ...]  # vmap batch sizes (torques only)
  t_scaling: tuple[int, ...]  # trial lengths of the scaling rows
  schedules: tuple[str, ...]  # single-trial schedules (torques only and all outputs); "auto" is
  # jaxid's default (it picks a schedule per shape)
  grad_schedules: tuple[str, ...]  # value_and_grad, single trial
  grad_batch: int  # value_and_grad, batched (0: skip)
  legacy_rounds: int
  rounds: int  # max timed rounds of a fast row
  budget_s: float  # max seconds of timed rounds per row
  compile_programs: tuple[str, ...]  # programs whose cold and warm compile are measured
  memory_t: int  # T of the remat memory rows (0: skip)
  distinct_trials: int  # distinct sample trials tiled into a batch


CONFIGS = {
  "full": Config(
    t_main=200,
    batches=(8, 32, 128),
    t_scaling=(50, 200, 1000),
    schedules=("auto", "scan", "vmap", "chunked"),
    grad_schedules=("auto", "scan", "vmap"),
    grad_batch=32,
    legacy_rounds=3,
    rounds=50,
    budget_s=3.0,
    compile_programs=("single", "batch32"),
    memory_t=5000,
    distinct_trials=8,
  ),
  "ci": Config(
    t_main=200,
    batches=(32,),
    t_scaling=(),
    schedules=("auto",),
    grad_schedules=("auto",),
    grad_batch=0,
    legacy_rounds=1,
    rounds=10,
    budget_s=0.5,
    compile_programs=("single",),
    memory_t=0,
    distinct_trials=4,
  ),
}
CFG = CONFIGS[MODE]


def resolved(schedule: str, batched: bool, n_frames: int = 200) -> str:
  """The schedule jaxid runs for "auto" (pipeline.auto_schedule), else the schedule itself."""
  if schedule != "auto":
    return schedule
  from jaxid import pipeline

  return pipeline.auto_schedule(batched, n_frames)


def available(schedules) -> tuple[str, ...]:
  """The schedules this jaxid offers, in the given order."""
  from jaxid import pipeline

  return tuple(s for s in schedules if s in pipeline.SCHEDULES)


# float32 jaxid against the float64 C peer: every output within REL of its scale (the largest
# magnitude of the output; residuals, a cancellation of body-weight forces, use the joint
# torques' scale). float32 eps is 1.2e-7; the chain kinematics -> rne -> J' wrench accumulates a
# few hundred ulps, and the sample trial's qacc is up to ~1e3 rad/s^2 at the toes.
REL = 2e-4


def f32(tree):
  """float32 device arrays of a NumPy pytree (done before timing)."""
  return jax.block_until_ready(jax.tree.map(lambda x: jnp.asarray(x, jnp.float32), tree))


def stack(trials):
  """Stack trials into a batch pytree with a leading batch axis."""
  return jax.tree.map(lambda *x: np.stack(x), *trials)


def check_close(out: dict, ref: dict, rel: float = REL, keys=None) -> None:
  """Assert every output key is within rel of its scale of the float64 reference."""
  keys = [k for k in (keys or out) if k in ref]
  assert keys, "no common outputs to check"
  for k in keys:
    x, y = np.asarray(out[k], np.float64), np.asarray(ref[k], np.float64)
    assert x.shape == y.shape, (k, x.shape, y.shape)
    src = ref.get("joint_torques", y) if k == "residuals" else y
    scale = max(float(np.abs(src).max()), 1.0)
    err = float(np.abs(x - y).max())
    assert np.all(np.isfinite(x)), f"{k}: non-finite values"
    assert err <= rel * scale, f"{k}: max error {err:.3g} > {rel:g} x scale {scale:.3g}"


def rounds_for(fn, cfg: Config = CFG, min_rounds: int = 3) -> int:
  """Timed rounds that fit the row's time budget, from one timed call (after compilation)."""
  t0 = time.perf_counter()
  fn()
  dt = max(time.perf_counter() - t0, 1e-6)
  return int(max(min_rounds, min(cfg.rounds, cfg.budget_s // dt)))


def bench(
  benchmark, fn, *, group: str, frames: int, warmup: int = 1, rounds: int | None = None, **info
):
  """Time fn (already compiled by the caller) with pytest-benchmark; record frames per call.

  fn must block until its result is ready. Returns fn's result of the last round.
  """
  for _ in range(warmup):
    fn()
  rounds = rounds or rounds_for(fn)
  benchmark.group = group
  benchmark.extra_info.update(frames=int(frames), mode=MODE, **info)
  return benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0)

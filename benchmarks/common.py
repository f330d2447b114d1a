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
    compile_programs=(
      "single",
      "batch32",
      "tree-single",
      "tree-batch32",
      "tree-grad",
      "myolegs-tree-batch32",
    ),
    memory_t=10_000,  # issue 19: a gradient over T = 10,000 frames within 1 GB
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
    compile_programs=("single", "tree-single"),  # tree-grad: full run only (about 2 min cold)
    memory_t=0,
    distinct_trials=4,
  ),
}
CFG = CONFIGS[MODE]


def resolved(schedule: str, batched: bool, n_frames: int = 200, backend: str = "mjx") -> str:
  """The schedule jaxid runs for "auto" (jaxid.options.auto_schedule), else the schedule itself."""
  from jaxid.options import auto_schedule

  return auto_schedule(batched, n_frames, backend) if schedule == "auto" else schedule


def available(schedules) -> tuple[str, ...]:
  """The schedules this jaxid offers, in the given order."""
  from jaxid.options import SCHEDULES

  return tuple(s for s in schedules if s in SCHEDULES)


def f32(tree):
  """float32 device arrays of a NumPy pytree (done before timing)."""
  return jax.block_until_ready(jax.tree.map(lambda x: jnp.asarray(x, jnp.float32), tree))


def stack(trials):
  """Stack trials into a batch pytree with a leading batch axis."""
  return jax.tree.map(lambda *x: np.stack(x), *trials)


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


def first_call(fn) -> float:
  """Seconds of fn's first call (compilation, or a load from the persistent cache)."""
  t0 = time.perf_counter()
  fn()
  return time.perf_counter() - t0


def legacy_row(benchmark, model, trial, /, *, group: str, **info) -> dict:
  """Time the legacy per-frame loop on a trial; record its first call and steady frames.

  Returns the legacy outputs of the last round (frame_durations and compile_counts included).
  """
  import pytest

  legacy = pytest.importorskip("jaxid_legacy.MJX_RunID")
  kin, loads = trial.kinematics, trial.loads

  def fn():
    return legacy.run_inverse_dynamics_loop(
      model.mj_model, kin, loads, model.body_names, verbose=False
    )

  t0 = time.perf_counter()
  first = fn()  # frame 0 compiles the jitted helpers, a foot's first stance frame another
  first_s = time.perf_counter() - t0
  out = bench(
    benchmark,
    fn,
    group=group,
    frames=kin.qpos.shape[0],
    warmup=0,
    rounds=CFG.legacy_rounds,
    impl="legacy",
    outputs="all",
    B=1,
    schedule="python-loop",
    **info,
  )
  quiet = out["frame_durations"][1:][out["compile_counts"][1:] == 0]
  benchmark.extra_info.update(
    first_call_s=first_s,
    first_frame_s=float(first["frame_durations"][0]),
    first_call_compiles=int(first["compile_counts"].sum()),
    timed_call_compiles=int(out["compile_counts"].sum()),
    steady_frame_s=float(np.median(quiet)) if quiet.size else float("nan"),
    steady_frame_min_s=float(quiet.min()) if quiet.size else float("nan"),
  )
  return out

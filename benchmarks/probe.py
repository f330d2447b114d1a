"""Measurements that need a fresh process: compile time (cold / warm cache) and peak memory.

  python -m benchmarks.probe compile PROGRAM CACHE_DIR   -> JSON on the last stdout line
  python -m benchmarks.probe memory T REMAT MODE CACHE_DIR SCHEDULE -> JSON, last stdout line

compile: the first call of a program (PROGRAMS: jaxid.inverse_dynamics on a backend, or the
tree backend's jit(value_and_grad)) in a new process, with the persistent
compilation cache at CACHE_DIR (empty: cold; filled by a previous probe: warm). Reports the first
call, a steady call, compile = first - steady, and where the first call's time went (jax.monitoring
events: tracing to jaxpr, lowering to MLIR, XLA compile or persistent-cache retrieval).

memory: value_and_grad of mean(joint_torques**2) over a T-frame trial, with or without remat
(remat checkpoints each frame: reverse mode keeps only its inputs). MODE "analyze" compiles
(filling the session's persistent cache) and reports XLA's memory_analysis() of the executable;
MODE "run" loads it from the cache and runs it, reporting the process's resident set before the
call and its peak during the call (VmRSS, and VmHWM reset just before the call) and the call's
time.
"""

from __future__ import annotations

import json
import os
import sys
import time

T0 = time.perf_counter()

PROGRAMS = {
  # name: (batch, outputs, schedule, model, backend, grad)
  "single": (0, None, "auto", "gait_lowerbody", "mjx", False),
  "batch32": (32, "torques", "auto", "gait_lowerbody", "mjx", False),
  "myolegs-single": (0, None, "auto", "myolegs", "mjx", False),  # pruned MyoLeg (jaxid[myo])
  "tree-single": (0, None, "auto", "gait_lowerbody", "tree", False),
  "tree-batch32": (32, "torques", "auto", "gait_lowerbody", "tree", False),
  "tree-grad": (0, "torques", "auto", "gait_lowerbody", "tree", True),  # value_and_grad
  "myolegs-tree-batch32": (32, "torques", "auto", "myolegs", "tree", False),
}


class Events:
  """Durations of jax.monitoring events, summed per name (and the largest one).

  Tracing, lowering and cache loads; XLA compilations are counted by
  jaxid.diagnostics.count_compiles.
  """

  def __init__(self):
    self.total: dict[str, float] = {}
    self.largest: dict[str, float] = {}
    self.count: dict[str, int] = {}

  def __call__(self, event, duration, **_):
    self.total[event] = self.total.get(event, 0.0) + duration
    self.largest[event] = max(self.largest.get(event, 0.0), duration)
    self.count[event] = self.count.get(event, 0) + 1


def _setup_cache(cache_dir: str):
  import jax

  jax.config.update("jax_compilation_cache_dir", cache_dir)
  jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
  jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)


def compile_probe(program: str, cache_dir: str) -> dict:
  _setup_cache(cache_dir)
  import jax
  import numpy as np

  import jaxid
  from benchmarks.check import check, reference
  from benchmarks.common import f32, stack
  from jaxid.diagnostics import count_compiles
  from jaxid.pipeline import XLA_OPTIONS

  t_import = time.perf_counter() - T0
  batch, outputs, schedule, model_name, backend, grad = PROGRAMS[program]
  outputs = jaxid.TORQUES if outputs == "torques" else None

  def call(tr):
    return jaxid.inverse_dynamics(model, tr, outputs=outputs, schedule=schedule, backend=backend)

  # tree-grad: jit(value_and_grad) of mean(joint_torques^2), as a training step compiles it
  loss = lambda tr: jax.numpy.mean(call(tr)["joint_torques"] ** 2)
  # with the XLA options jaxid's own top-level call uses, as a caller passes them
  fn = jax.jit(jax.value_and_grad(loss), compiler_options=XLA_OPTIONS) if grad else call
  model = jaxid.load_model(model_name)
  model.mjx()  # the device model is built before timing
  trials = [jaxid.sample_trial(model, n_frames=200, seed=s) for s in range(max(batch, 1))[:4]]
  np_trial = trials[0] if batch == 0 else stack([trials[i % len(trials)] for i in range(batch)])
  trial = f32(np_trial)
  events = Events()
  jax.monitoring.register_event_duration_secs_listener(events)
  t0 = time.perf_counter()
  with count_compiles() as compiles:
    out = jax.block_until_ready(fn(trial))
  first = time.perf_counter() - t0
  jax.monitoring.unregister_event_duration_listener(events)
  steady = []
  for _ in range(3):
    t0 = time.perf_counter()
    jax.block_until_ready(fn(trial))
    steady.append(time.perf_counter() - t0)
  first_trial = out if batch == 0 else jax.tree.map(lambda x: np.asarray(x[0]), out)
  if grad:  # the value against MuJoCo C's torques of the same float32 inputs
    ref = reference(model, trials[0], "float32")["joint_torques"]
    value, want = float(out[0]), float(np.mean(ref**2))
    assert abs(value - want) <= 1e-3 * want, (value, want)  # test_grad.py's policy
  elif model_name == "gait_lowerbody":
    check(model, trials[0], first_trial)
  else:
    from benchmarks.myo import check_oracle

    check_oracle(first_trial, 200, 0)

  def ev(k):
    return events.total.get(k, 0.0)

  return {
    "program": program,
    "backend": backend,
    "import_s": t_import,
    "first_call_s": first,
    "steady_s": min(steady),
    "compile_s": first - min(steady),
    # Nested jits each record a trace event inside the outer one: the largest is the total.
    "trace_s": events.largest.get("/jax/core/compile/jaxpr_trace_duration", 0.0),
    "lower_s": ev("/jax/core/compile/jaxpr_to_mlir_module_duration"),
    "backend_s": compiles.seconds,
    "cache_retrieval_s": ev("/jax/compilation_cache/cache_retrieval_time_sec"),
    "executables": compiles.count,
    "cache_hits": events.count.get("/jax/compilation_cache/cache_retrieval_time_sec", 0),
    "ok": True,
  }


def memory_probe(n_frames: int, remat: bool, mode: str, cache_dir: str, schedule: str) -> dict:
  _setup_cache(cache_dir)
  import jax
  import jax.numpy as jnp
  import numpy as np

  import jaxid
  from benchmarks import cpeer
  from benchmarks.common import f32
  from jaxid import options

  model = jaxid.load_model("gait_lowerbody")
  model.mjx()
  np_trial = jaxid.sample_trial(model, n_frames=n_frames, seed=0)
  trial = f32(np_trial)

  def loss(tr):
    out = jaxid.inverse_dynamics(model, tr, outputs=jaxid.TORQUES, remat=remat, schedule=schedule)
    return jnp.mean(out["joint_torques"] ** 2)

  backend = options.resolve_backend(model.mj_model, "auto")
  # with the XLA options jaxid's own top-level call uses, as a caller passes them
  vg = jax.jit(jax.value_and_grad(loss), compiler_options=jaxid.XLA_OPTIONS)
  result = {"T": n_frames, "remat": remat, "mode": mode, "schedule": schedule, "backend": backend}
  if mode == "analyze":
    t0 = time.perf_counter()
    compiled = vg.lower(trial).compile()
    result["compile_s"] = time.perf_counter() - t0
    ma = compiled.memory_analysis()
    for k in (
      "temp_size_in_bytes",
      "argument_size_in_bytes",
      "output_size_in_bytes",
      "generated_code_size_in_bytes",
      "alias_size_in_bytes",
    ):
      result[k] = int(getattr(ma, k, -1)) if ma is not None else -1
    result["ok"] = True
    return result
  compiled = vg.lower(trial).compile()  # from the persistent cache filled by "analyze"
  jax.block_until_ready(trial)
  rss0 = _status_bytes("VmRSS")
  reset = _reset_peak_rss()
  t0 = time.perf_counter()
  value, grad = jax.block_until_ready(compiled(trial))
  result["call_s"] = time.perf_counter() - t0
  rss1 = _status_bytes("VmHWM") if reset else -1
  result.update(
    rss_before_bytes=rss0, rss_peak_bytes=rss1, rss_delta_bytes=rss1 - rss0 if reset else -1
  )
  tau = cpeer.run(model.mj_model, model.body_ids, np_trial, ("joint_torques",))["joint_torques"]
  ref = float(np.mean(tau**2))
  finite = all(bool(np.all(np.isfinite(np.asarray(g)))) for g in jax.tree.leaves(grad))
  result["ok"] = bool(abs(float(value) - ref) <= 1e-3 * abs(ref) and finite)
  result["value"], result["reference"] = float(value), ref
  return result


def _status_bytes(key: str) -> int:
  """A field of /proc/self/status in bytes (VmRSS: resident now, VmHWM: peak since reset).

  ru_maxrss is no use here: Linux keeps it across fork and exec, so a child starts with its
  parent's (pytest's) peak.
  """
  try:
    with open("/proc/self/status") as f:
      for line in f:
        if line.startswith(key + ":"):
          return int(line.split()[1]) * 1024
  except OSError:
    pass
  return -1


def _reset_peak_rss() -> bool:
  """Reset VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs)."""
  try:
    with open("/proc/self/clear_refs", "w") as f:
      f.write("5")
    return True
  except OSError:
    return False


def main(argv: list[str]) -> None:
  kind = argv[0]
  if kind == "compile":
    result = compile_probe(argv[1], argv[2])
  elif kind == "memory":
    result = memory_probe(int(argv[1]), argv[2] == "1", argv[3], argv[4], argv[5])
  else:
    raise SystemExit(f"unknown probe {kind!r}")
  sys.stdout.flush()
  print(json.dumps(result))


if __name__ == "__main__":
  os.environ.setdefault("PYTHONWARNINGS", "ignore")
  main(sys.argv[1:])

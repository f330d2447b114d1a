"""Peak memory of reverse-mode gradients over a long trial, with and without remat.

value_and_grad of mean(joint_torques**2) over CFG.memory_t frames: schedule scan without and with
remat (which checkpoints each frame), and jaxid's default schedule without remat. A
first process compiles and reports XLA's memory_analysis() (temp_size_in_bytes: the peak of
buffers live during the call beyond arguments and outputs); a second process loads the
executable from the persistent cache, runs it once and reports its peak RSS before and after.
"""

from __future__ import annotations

import jax
import pytest

from benchmarks.common import CFG, resolved
from benchmarks.test_compile import probe

pytestmark = pytest.mark.skipif(CFG.memory_t == 0, reason="full run only")


CASES = [("scan", False), ("scan", True), ("auto", False)]


@pytest.mark.parametrize(("schedule", "remat"), CASES, ids=["scan", "scan-remat", "auto"])
def test_grad_memory(benchmark, schedule, remat):
  t = CFG.memory_t
  cache_dir = jax.config.jax_compilation_cache_dir
  assert cache_dir, "the persistent compilation cache is off (see conftest.py)"
  flag = "1" if remat else "0"
  analysis = probe("memory", str(t), flag, "analyze", cache_dir, schedule)
  result = {}

  def run():
    result.update(probe("memory", str(t), flag, "run", cache_dir, schedule))

  benchmark.group = "memory"
  benchmark.pedantic(run, rounds=1, iterations=1)
  benchmark.extra_info.update(
    kind="memory",
    impl="jaxid",
    remat=remat,
    T=t,
    B=1,
    frames=t,
    schedule=schedule,
    backend=analysis["backend"],
    resolved=resolved(schedule, False, t, analysis["backend"]),
    compile_s=analysis["compile_s"],
    **{k: v for k, v in analysis.items() if k.endswith("_bytes")},
    **{k: v for k, v in result.items() if k.endswith("_bytes") or k == "call_s"},
  )
  assert analysis["ok"], analysis
  assert result["ok"], result

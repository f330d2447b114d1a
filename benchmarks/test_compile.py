"""Compile time of jaxid's first call, in fresh processes: cold (empty persistent cache) and warm.

Cold: a new process with an empty compilation cache directory traces, lowers and compiles.
Warm: a second new process with the directory the cold one filled: tracing and lowering again,
then the executable comes from the cache. extra_info carries the first call, the steady call and
the breakdown; the row's time is the whole subprocess (imports included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import CFG

ROOT = Path(__file__).resolve().parent.parent
_filled: set[str] = set()


def probe(*args: str) -> dict:
  """Run benchmarks.probe in a new process; its last stdout line is a JSON result."""
  env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
  for k in ("JAX_COMPILATION_CACHE_DIR",):  # the probe sets the cache it is told to use
    env.pop(k, None)
  proc = subprocess.run(
    [sys.executable, "-m", "benchmarks.probe", *args],
    cwd=ROOT,
    env=env,
    capture_output=True,
    text=True,
  )
  assert proc.returncode == 0, f"probe {args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
  return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("cache", ["cold", "warm"])
@pytest.mark.parametrize("program", CFG.compile_programs)
def test_compile(benchmark, cache_root, program, cache):
  cache_dir = str(cache_root / program)
  if cache == "warm" and program not in _filled:
    probe("compile", program, cache_dir)  # fill the cache when the cold row did not run
  if cache == "cold":
    assert not os.path.exists(cache_dir) or not os.listdir(cache_dir)
  result = {}

  def run():
    result.update(probe("compile", program, cache_dir))

  benchmark.group = "compile"
  benchmark.pedantic(run, rounds=1, iterations=1)
  _filled.add(program)
  benchmark.extra_info.update(
    result,
    kind="compile",
    cache=cache,
    impl="jaxid" if result["backend"] == "mjx" else f"jaxid-{result['backend']}",
    frames=200 * (32 if program.endswith("batch32") else 1),
  )
  assert result["ok"]
  if cache == "warm":
    assert result["cache_hits"] >= 1
    assert result["backend_s"] <= result["first_call_s"]

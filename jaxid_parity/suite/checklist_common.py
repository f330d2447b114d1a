"""Shared fixtures and helpers of the checklist tests (test_checklist_*.py).

Items 1-8 are the guide's "Conversion Checklist" (Before -> After); ML1-ML4 its "Testing ML
Integration" tests. Each item has tests of three sides:

  side="legacy"     the anti-pattern is in legacy/MJX_RunID.py and has the measured effect
  side="candidate"  the candidate is free of it (measured on what it runs and returns)
  side="claim"      the guide's stated reason, tested as stated: verdict "confirmed" when it holds,
                    "corrected" when the test shows what is actually true instead

`nox -s checklist` writes docs/checklist.md from these outcomes (jaxid_parity.checklist_report).
The measured texts recorded here go into that page, so they hold no timings or run-dependent
numbers.

The fixtures here are registered by jaxid_parity.plugin; the helpers are imported by the tests.
"""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import pytest

from jaxid_parity import source_checks, traced_calls
from jaxid_parity import strategies as S
from jaxid_parity.harness import cast

checklist = pytest.mark.checklist


@pytest.fixture(scope="module")
def bundled_model_only(model_name):
  """The checklist's trials are the bundled model's; its items are properties of the code."""
  if model_name != S.BUNDLED:
    pytest.skip(f"checklist items run on the bundled model ({S.BUNDLED}), not --model {model_name}")


# Shared: the trial, the traced candidate, the legacy's source.


def cast_trial(kind="sample", prec="float32"):
  return cast(S.edge_trial(kind), prec)


def traced(harness):
  """The candidate as a function of (kinematics, loads) only, for jit / grad / vmap / tracing."""

  def fn(kinematics, loads):
    return harness.candidate(harness.mj_model, kinematics, loads, harness.body_names)

  return fn


@pytest.fixture(scope="module")
def legacy_fn(harness):
  if harness.legacy_fn is None:
    pytest.skip(f"legacy/MJX_RunID.py could not be imported: {harness.legacy_error}")
  return harness.legacy_fn


@pytest.fixture(scope="module")
def legacy_file(legacy_fn) -> Path:
  return Path(inspect.getsourcefile(legacy_fn))


@pytest.fixture(scope="module")
def legacy_loop(legacy_file):
  """{file: the frame loop's AST} of the legacy source."""
  tree = ast.parse(legacy_file.read_text())
  return {str(legacy_file): source_checks.legacy_loop(tree)}


@pytest.fixture(scope="module")
def jaxpr8(harness):
  """The candidate's jaxpr on an 8-frame float32 trial, every input abstract."""
  t = cast_trial()
  try:
    return jax.make_jaxpr(traced(harness))(t.kinematics, t.loads)
  except Exception as e:  # the candidate-side checks below all need a traceable candidate
    pytest.fail(f"candidate {harness.spec} is not traceable: {type(e).__name__}: {e}"[:600])


@pytest.fixture(scope="module")
def traced_fns(jaxpr8, harness):
  """The candidate's own functions that emit traced operations."""
  fns = source_checks.traced_functions(jaxpr8, harness.packages)
  assert fns, "found none of the candidate's functions on the traced stacks"
  return fns


@pytest.fixture(scope="session")
def profiled(harness, model_name):
  """What the candidate runs while traced (jaxid_parity.traced_calls): traced code, its calls.

  On a 5-frame float32 trial, a shape no other test traces, so no trace cache skips the
  candidate's Python (a cached jit trace runs none of it).
  """
  if model_name != S.BUNDLED:  # session-scoped: set up before bundled_model_only can skip
    pytest.skip(f"checklist items run on the bundled model ({S.BUNDLED}), not --model {model_name}")
  t = jax.tree.map(lambda a: a[:5], cast_trial())
  try:
    return traced_calls.profile(traced(harness), (t.kinematics, t.loads), harness.packages)
  except Exception as e:
    pytest.fail(f"candidate {harness.spec} is not traceable: {type(e).__name__}: {e}"[:600])


def legacy_raises(fn, *args):
  """Run fn, expecting a JAX tracer error raised from the legacy source: (error, source line)."""
  with pytest.raises(TypeError) as info:  # JAX's tracer errors are TypeErrors
    fn(*args)
  assert isinstance(info.value, jax.errors.JAXTypeError) or "Tracer" in repr(info.value)
  line = ""
  for entry in info.traceback:
    if Path(str(entry.path)).name == "MJX_RunID.py":
      line = str(entry.statement).strip()
  return info.value, line


# Run in a fresh interpreter: after the legacy is traced under jax.jit far enough to call
# mjx.put_model and raises there, a later jax.jit(mjx.inverse) under jax.enable_x64(True) in the
# same process fails at run time ("Executable(jit_inverse) expected parameter 0 ... f64[3] but got
# ... f32[3]", RuntimeProgramInputMismatch; JAX 0.10.2, MJX 3.17.0; jax.clear_caches() does not
# help), which would fail the legacy's float64 parity tests for a reason that is not the legacy's.
JIT_OVER_COPS = r"""
import json, traceback
import jax
from jaxid_legacy.MJX_RunID import run_inverse_dynamics_loop as legacy
from jaxid_parity import strategies as S
from jaxid_parity.harness import cast

m, t = S.bundled(), cast(S.edge_trial("sample"), "float32")

def with_traced_cop(cop_l, cop_r):
  loads = t.loads.replace(cop_l=cop_l, cop_r=cop_r)
  return legacy(m.mj_model, t.kinematics, loads, m.body_names, verbose=False)

out = {"raised": None, "line": ""}
try:
  jax.jit(with_traced_cop)(t.loads.cop_l, t.loads.cop_r)
except Exception as e:
  lines = [f.line for f in traceback.extract_tb(e.__traceback__) if f.filename.endswith("MJX_RunID.py")]
  out = {"raised": type(e).__name__, "line": (lines or [""])[-1].strip()}
print("RESULT " + json.dumps(out))
"""


def in_subprocess(code: str) -> dict:
  """Run code in a fresh interpreter that imports what this one does; its RESULT line's JSON."""
  env = dict(os.environ)
  env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
  cache = jax.config.jax_compilation_cache_dir
  if cache:
    env.setdefault("JAX_COMPILATION_CACHE_DIR", str(cache))
  proc = subprocess.run(
    [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600, check=False
  )
  for line in proc.stdout.splitlines():
    if line.startswith("RESULT "):
      return json.loads(line[len("RESULT ") :])
  raise AssertionError(f"subprocess failed ({proc.returncode}):\n{proc.stderr[-3000:]}")


def loads_with(loads, **kw):
  return loads.replace(**kw)


def mjx_version() -> str:
  return importlib.metadata.version("mujoco-mjx")

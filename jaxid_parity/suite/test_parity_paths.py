"""Every execution path of the candidate against the MuJoCo C oracle, float64 and float32.

A candidate that exposes `candidate.paths(mj_model, kinematics, loads, body_names, *, schedule,
backend, remat, check_finite)` (jaxid's adapter does; jaxid_parity.mutants._paths too) is checked on
each schedule it lists (`candidate.schedules`: jaxid's scan, vmap, chunked and auto) and each
backend (`candidate.backends`, jaxid's options.BACKENDS without "auto"; a backend the candidate
declares unable to run the model, `candidate.unsupported(mj_model, backend)`, is skipped with its
reason), on one trial and on a batch of trials (leading axes B, T; jaxid: inverse_dynamics_batched),
every key at the harness's policy (1e-10 of the scale in float64, 1e-5 in float32). Variants: one
trial plain and a batch with remat and the finite checks on, on every schedule; one trial with both
on, on "auto" only. remat and the checks wrap the per-trial program the same way batched or not (a
batch is that program under vmap), and every schedule's batch certifies them; the single-trial
variant on each schedule compiled 12 more programs (~75 s of a 2-core CI run) for no path the others
miss. T = 2 * CHUNK + 3 frames: the scan and the chunked schedule really loop (three chunks, the
last one padded). One trial shape and one batch shape: each path compiles once per precision. On
another --model (MyoLeg) only the plain single-trial variant runs (3 programs per precision):
batching, remat and the finite checks do not depend on the model.
"""

from __future__ import annotations

import warnings

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxid
from jaxid_parity import compare
from jaxid_parity import strategies as S
from jaxid_parity.harness import INPUT_WARNING, OPTIONAL, REQUIRED, cast

CHUNK = getattr(jaxid.options, "CHUNK", 8)
T = 2 * CHUNK + 3  # not a multiple of the chunk
B = 2
SCHEDULES = ("scan", "vmap", "chunked", "auto")
BACKENDS = tuple(b for b in getattr(jaxid.options, "BACKENDS", ("mjx",)) if b != "auto")
# (batched, remat, check_finite): one trial plain and with both options on, a batch with both on.
VARIANTS = {"single": (False, False, False), "single-remat-checked": (False, True, True)}
VARIANTS["batch-remat-checked"] = (True, True, True)
# ids as "scan-mjx-single" (schedule-backend-variant); single-remat-checked on "auto" only
CASES = [
  pytest.param(s, b, v, id=f"{s}-{b}-{v}")
  for s in SCHEDULES
  for b in BACKENDS
  for v in VARIANTS
  if v != "single-remat-checked" or s == "auto"
]
LABEL = "path vs oracle"


def _paths(harness, schedule, backend):
  fn = getattr(harness.candidate, "paths", None)
  if fn is None:
    pytest.skip(f"candidate {harness.spec} has no .paths (one path: test_parity_oracle)")
  if schedule not in getattr(harness.candidate, "schedules", SCHEDULES):
    pytest.skip(f"candidate {harness.spec} has no schedule {schedule!r}")
  if backend not in getattr(harness.candidate, "backends", ("mjx",)):
    pytest.skip(f"candidate {harness.spec} has no backend {backend!r}")
  why = getattr(harness.candidate, "unsupported", lambda m, b: None)(harness.mj_model, backend)
  if why:  # a limit the candidate declares (jaxid: jaxid.tree.unsupported), not a parity failure
    pytest.skip(f"backend {backend!r} does not support {harness.model_name}: {why}")
  return fn


def _stack(trials):
  return jax.tree.map(lambda *a: np.stack(a), *trials)


def _window(name: str, start: int):
  """T frames of the named model's walking sample (balanced loads, single and double support)."""
  return jax.tree.map(lambda a: np.asarray(a)[start : start + T], S.long_sample(name))


def _check(harness, fn, trials, schedule, backend, remat, checks, batched):
  prec = compare.precision()
  cast_trials = [cast(t, prec) for t in trials]
  inp = _stack(cast_trials) if batched else cast_trials[0]
  kw = dict(schedule=schedule, backend=backend, remat=remat, check_finite=checks)
  with warnings.catch_warnings():  # drawn COPs lie anywhere (the contract allows it)
    if INPUT_WARNING is not None:
      warnings.simplefilter("ignore", INPUT_WARNING)
    out = fn(harness.mj_model, inp.kinematics, inp.loads, harness.body_names, **kw)
  keys = [k for k in REQUIRED + OPTIONAL if k in out]
  assert set(REQUIRED) <= set(keys), f"path {kw} returned no {set(REQUIRED) - set(keys)}"
  for i, t in enumerate(cast_trials):
    ref = harness.oracle(t)
    scale = compare.scales(ref)
    for k in keys:
      got = np.asarray(out[k])[i] if batched else np.asarray(out[k])
      label = f"{LABEL} ({schedule}, {backend}{', batched' if batched else ''})"
      compare.assert_close(k, got, ref[k], scale[k], label=label)


def _run(harness, schedule, backend, variant):
  batched, remat, checks = VARIANTS[variant]
  if variant != "single" and harness.model_name != S.BUNDLED:
    pytest.skip(f"{variant}: the options are model-independent, certified on {S.BUNDLED}")
  fn = _paths(harness, schedule, backend)
  name = harness.model_name
  trial = S.trials(harness.mj_model, n_frames=T)

  @S.fixture_settings()
  @given(trials=st.lists(trial, min_size=B, max_size=B) if batched else st.tuples(trial))
  def check(trials):
    _check(harness, fn, list(trials), schedule, backend, remat, checks, batched)

  edges = [_window(name, 0), _window(name, 60)] if batched else [_window(name, 0)]
  _check(harness, fn, edges, schedule, backend, remat, checks, batched)
  check()


@pytest.mark.parametrize(("schedule", "backend", "variant"), CASES)
def test_path_vs_oracle_f64(harness, schedule, backend, variant, x64):
  """float64: every key of this path equals MuJoCo C to 1e-10 of its scale."""
  _run(harness, schedule, backend, variant)


@pytest.mark.parametrize(("schedule", "backend", "variant"), CASES)
def test_path_vs_oracle_f32(harness, schedule, backend, variant):
  """float32: every key of this path equals MuJoCo C to 1e-5 of its scale."""
  _run(harness, schedule, backend, variant)

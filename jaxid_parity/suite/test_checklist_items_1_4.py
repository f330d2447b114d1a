"""Items 1-4 of the guide's "Conversion Checklist": frame loop, time.time(), float(), try/except.

Each item is tested on the legacy, on the candidate and on the guide's claim
(jaxid_parity.suite.checklist_common says how).
"""

from __future__ import annotations

import ast
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from mujoco import mjx

from jaxid_parity import compare, source_checks, traced_calls
from jaxid_parity.harness import OPTIONAL, REQUIRED
from jaxid_parity.suite.checklist_common import (
  cast_trial,
  checklist,
  legacy_raises,
  loads_with,
  traced,
)

pytestmark = pytest.mark.usefixtures("bundled_model_only")


# ---------------------------------------------------------------------------------------------
# Item 1: Python `for` loop with `if t == 0`  ->  jax.lax.scan / fori_loop


@checklist(item="1", side="legacy")
def test_item1_legacy_loop_runs_python_per_frame(
  legacy_fn, legacy_file, legacy_loop, harness, measured
):
  loop = next(iter(legacy_loop.values()))
  ifs = [n for n in ast.walk(loop) if isinstance(n, ast.If) and "t == 0" in ast.unparse(n.test)]
  assert ifs, "no `if t == 0:` in the legacy's frame loop"
  t8 = cast_trial()
  first, last = loop.lineno, loop.end_lineno
  lines = {}
  for n in (2, 4, 8):
    kin, loads = jax.tree.map(lambda a, n=n: a[:n], (t8.kinematics, t8.loads))
    count = [0]

    def local(frame, event, arg, count=count):
      if event == "line" and first <= frame.f_lineno <= last:
        count[0] += 1
      return local

    def tracer(frame, event, arg, target=str(legacy_file)):
      if frame.f_code.co_filename == target and frame.f_code.co_name == legacy_fn.__name__:
        return local
      return None

    sys.settrace(tracer)
    try:
      legacy_fn(harness.mj_model, kin, loads, harness.body_names, verbose=False)
    finally:
      sys.settrace(None)
    lines[n] = count[0]
  assert lines[2] < lines[4] < lines[8]
  per_frame = (lines[8] - lines[4]) / 4
  assert per_frame >= 10
  measured(
    f"a Python `for t in range(T)` with `if t == 0:` (init); Python work grows with T: "
    f"{lines[2]} / {lines[4]} / {lines[8]} lines of the loop executed for T = 2 / 4 / 8"
  )


@checklist(item="1", side="candidate")
def test_item1_candidate_program_size_is_independent_of_T(harness, jaxpr8, measured):
  """No Python loop over frames: the traced program is the same size for 8 and 16 frames.

  The guide's "After" is lax.scan or fori_loop; a candidate may instead batch the frames (vmap:
  they are independent). Either way the frames must not be unrolled into the program.
  """
  t16 = jax.tree.map(lambda a: np.concatenate([a, a]), cast_trial())
  jaxpr16 = jax.make_jaxpr(traced(harness))(t16.kinematics, t16.loads)
  n8, n16 = source_checks.count_eqns(jaxpr8), source_checks.count_eqns(jaxpr16)
  assert n8 == n16, f"jaxpr grows with T: {n8} equations at T=8, {n16} at T=16"
  loops = sorted(source_checks.primitives(jaxpr8) & {"scan", "while"})
  how = (
    f"frames in a `{'`, `'.join(loops)}`"
    if loops
    else "no loop primitive: all frames in one batched (vmapped) computation"
  )
  measured(f"the same number of jaxpr equations at T = 8 and 16; {how}")


@checklist(
  item="1",
  side="claim",
  verdict="corrected",
  claim="JAX cannot trace Python if/else on values that change during execution",
)
def test_item1_claim_python_if_on_the_loop_index_traces(measured):
  def unrolled(x):
    out = []
    for t in range(x.shape[0]):
      if t == 0:  # a Python int: decided at trace time
        out.append(x[t] * 2.0)
      else:
        out.append(x[t] + out[-1])
    return jnp.stack(out)

  x4, x8 = jnp.arange(4.0), jnp.arange(8.0)
  np.testing.assert_allclose(jax.jit(unrolled)(x4), [0.0, 1.0, 3.0, 6.0])
  n4 = len(jax.make_jaxpr(unrolled)(x4).jaxpr.eqns)
  n8 = len(jax.make_jaxpr(unrolled)(x8).jaxpr.eqns)
  assert n8 > n4
  with pytest.raises(jax.errors.TracerBoolConversionError):
    jax.jit(lambda t: 1.0 if t == 0 else 2.0)(0)
  measured(
    "`if t == 0` on the Python loop index traces under jit (decided at trace time), but the "
    f"loop unrolls: {n4} equations at T = 4, {n8} at T = 8; only `if` on a traced value "
    "raises (TracerBoolConversionError)"
  )


# ---------------------------------------------------------------------------------------------
# Item 2: time.time() calls  ->  timing outside the JIT region


@checklist(item="2", side="legacy")
def test_item2_legacy_times_each_frame_and_its_output_is_not_a_function_of_the_input(
  legacy_fn, legacy_loop, harness, measured
):
  clocks = source_checks.find_in_trees(legacy_loop, source_checks.clock_calls)
  assert clocks, "no time.time() in the legacy's frame loop"
  t = cast_trial()
  runs = [
    legacy_fn(harness.mj_model, t.kinematics, t.loads, harness.body_names, verbose=False)
    for _ in range(2)
  ]
  for key in REQUIRED:
    np.testing.assert_array_equal(runs[0][key], runs[1][key], err_msg=key)
  assert not np.array_equal(runs[0]["frame_durations"], runs[1]["frame_durations"])
  measured(
    f"{len(clocks)} time.time() calls per frame; its frame_durations output differs between "
    "two runs on identical inputs while every contract key is identical"
  )


@checklist(item="2", side="candidate")
def test_item2_candidate_traced_code_reads_no_clock(harness, traced_fns, profiled, measured):
  hits = source_checks.find_in_functions(traced_fns, source_checks.clock_calls)
  hits += traced_calls.hits_2(profiled)
  assert not hits, f"clock calls in traced code: {hits}"
  extra = set(harness.output_keys()) - set(REQUIRED) - set(OPTIONAL)
  assert not {k for k in extra if "duration" in k or "time" in k}, extra
  measured(
    "no clock reached from traced code (any name, a built-in call seen at run time, a host"
    " callback); no timing among the outputs"
  )


@checklist(
  item="2",
  side="claim",
  verdict="corrected",
  claim="time.time() is non-deterministic and JAX functions must be pure, so it fails",
)
def test_item2_claim_time_is_frozen_at_trace_time(measured):
  stamp = jax.jit(lambda x: x + (time.time() % 100.0))
  first = float(stamp(jnp.float32(0.0)))
  t0 = time.time() % 100.0
  time.sleep(0.05)
  second = float(stamp(jnp.float32(0.0)))
  assert first == second, "time.time() was re-evaluated under jit"
  assert (time.time() % 100.0) != t0
  measured(
    "time.time() under jit does not fail: it runs once at trace time and its value is a "
    "constant of the compiled program (two calls 50 ms apart return the same value)"
  )


# ---------------------------------------------------------------------------------------------
# Item 3: float() conversions  ->  keep JAX arrays as-is


@checklist(item="3", side="legacy")
def test_item3_legacy_float_of_a_tracer_raises(legacy_fn, legacy_loop, harness, measured):
  floats = source_checks.find_in_trees(legacy_loop, source_checks.float_calls)
  assert floats, "no float() in the legacy's frame loop"
  t = cast_trial()

  def moment_sum(grf_l, grf_r):  # everything else concrete: the contact test passes
    loads = loads_with(t.loads, grf_l=grf_l, grf_r=grf_r)
    out = legacy_fn(harness.mj_model, t.kinematics, loads, harness.body_names, verbose=False)
    return jnp.sum(out["moment_calcn_l"])

  # jax.grad, not jax.jit: under jit every jnp op is staged (the COPs too), so the Python sum()
  # contact test (item 5) raises before any float() is reached.
  err, line = legacy_raises(
    jax.grad(moment_sum), jnp.asarray(t.loads.grf_l), jnp.asarray(t.loads.grf_r)
  )
  assert isinstance(err, jax.errors.ConcretizationTypeError), repr(err)
  assert "float(" in line, line
  measured(
    f"{len(floats)} float() calls per frame; jax.grad w.r.t. the GRFs raises "
    f"{type(err).__name__} at `{line}` (under jax.jit item 5's sum() test raises first)"
  )


@checklist(item="3", side="candidate")
def test_item3_candidate_traces_with_every_input_abstract(harness, traced_fns, profiled, measured):
  hits = source_checks.find_in_functions(traced_fns, source_checks.float_calls)
  hits += traced_calls.hits_3(profiled)
  assert not hits, f"float() in traced code: {hits}"
  t = cast_trial()
  out = jax.jit(traced(harness))(t.kinematics, t.loads)
  assert all(isinstance(v, jax.Array) for v in out.values())
  measured(
    "traces with every input abstract (make_jaxpr, jit); no float() (any name) nor .item() in"
    " traced code; outputs stay jax.Array"
  )


@checklist(
  item="3",
  side="claim",
  verdict="confirmed",
  claim="float() converts a JAX tracer to a Python float, breaking the trace",
)
def test_item3_claim_float_of_a_tracer_raises(measured):
  with pytest.raises(jax.errors.ConcretizationTypeError):
    jax.jit(lambda x: float(x) * 2.0)(1.0)
  measured("float(tracer) under jit raises ConcretizationTypeError")


# ---------------------------------------------------------------------------------------------
# Item 4: try/except blocks  ->  no exception handling in traced code


@checklist(item="4", side="legacy")
def test_item4_legacy_try_hides_an_all_zero_cfrc_ext(legacy_loop, harness, measured):
  loop = next(iter(legacy_loop.values()))
  tries = [ast.unparse(n) for n in source_checks.try_blocks(loop)]
  assert any("_impl.cfrc_ext" in t and "AttributeError" in t for t in tries), tries
  m = harness.model.mjx()
  d = mjx.make_data(m)
  assert hasattr(d._impl, "cfrc_ext"), "the except branch would run: _impl has no cfrc_ext"
  t = cast_trial()
  leg = harness.legacy(t)
  ref = harness.oracle(t)
  assert np.all(leg["contact_force"] == 0.0)
  peak = float(np.abs(ref["contact_force"]).max())
  assert peak > 1.0
  measured(
    "try: _impl.cfrc_ext / except AttributeError: zeros. The except branch never runs (the "
    "field exists), yet contact_force is all zeros: mjx.inverse does not fill cfrc_ext "
    f"(MuJoCo C's mj_rnePostConstraint gives up to {peak:.0f} N on the same frames)"
  )


@checklist(item="4", side="candidate")
def test_item4_candidate_has_no_try_and_real_cfrc_ext(harness, traced_fns, profiled, measured):
  hits = source_checks.find_in_functions(traced_fns, source_checks.try_blocks)
  hits += traced_calls.hits_4(profiled)
  assert not hits, f"try/except in traced code: {hits}"
  t = cast_trial()
  out, ref = harness.run(t), harness.oracle(t)
  compare.assert_close(
    "contact_force",
    out["contact_force"],
    ref["contact_force"],
    compare.scales(ref)["contact_force"],
    label="checklist",
  )
  measured(
    "no try/except nor contextlib.suppress in traced code; contact_force equals MuJoCo C's "
    "mj_rnePostConstraint cfrc_ext (float32 tolerance)"
  )


@checklist(
  item="4", side="claim", verdict="corrected", claim="exception handling is not traceable by JAX"
)
def test_item4_claim_try_runs_at_trace_time(harness, measured):
  m = harness.model.mjx()
  d = mjx.make_data(m)

  @jax.jit
  def cfrc(d):
    try:  # decided once, at trace time
      return d._impl.not_a_field
    except AttributeError:
      return jnp.zeros((m.nbody, 6))

  assert cfrc(d).shape == (harness.mj_model.nbody, 6)

  @jax.jit
  def safe_inverse(x):
    try:
      return 1.0 / x
    except ZeroDivisionError:
      return jnp.zeros_like(x)

  assert np.isinf(safe_inverse(jnp.float32(0.0)))
  measured(
    "try/except traces: it runs once at trace time, so it handles Python errors (an "
    "AttributeError) but never a value error, which JAX does not raise (1/0 under jit "
    "returns inf, not ZeroDivisionError)"
  )

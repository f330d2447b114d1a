"""Items 5-8 of the guide's "Conversion Checklist": sum(), _impl, print(), in-place append.

Each item is tested on the legacy, on the candidate and on the guide's claim
(jaxid_parity.suite.checklist_common says how).
"""

from __future__ import annotations

import ast

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from mujoco import mjx

from jaxid_parity import compare, source_checks, traced_calls
from jaxid_parity.harness import REQUIRED
from jaxid_parity.suite.checklist_common import (
  JIT_OVER_COPS,
  cast_trial,
  checklist,
  in_subprocess,
  mjx_version,
  traced,
)

pytestmark = pytest.mark.usefixtures("bundled_model_only")


# ---------------------------------------------------------------------------------------------
# Item 5: Python sum()  ->  jnp.sum()


@checklist(item="5", side="legacy")
def test_item5_legacy_contact_test_raises_under_jit(legacy_fn, legacy_loop, harness, measured):
  sums = source_checks.find_in_trees(legacy_loop, source_checks.builtin_sum_calls)
  assert sums, "no Python sum() in the legacy's frame loop"
  res = in_subprocess(JIT_OVER_COPS)
  line = res["line"]
  assert res["raised"] == "TracerBoolConversionError", res
  assert "sum(" in line, line
  measured(f"jit over the COPs raises {res['raised']} at `{line}`")


@checklist(item="5", side="candidate")
def test_item5_candidate_contact_rule_traced_and_exact_on_its_edges(
  harness, traced_fns, profiled, measured
):
  hits = source_checks.find_in_functions(traced_fns, source_checks.builtin_sum_calls)
  hits += traced_calls.hits_5(profiled)
  assert not hits, f"Python sum() in traced code: {hits}"
  fn = jax.jit(traced(harness))
  counts = {}
  for kind in ("cop_zero", "tiny_cop", "onset"):
    t = cast_trial(kind)
    out, ref = fn(t.kinematics, t.loads), harness.oracle(t)
    n = 0
    for side in "lr":
      got = np.asarray(out[f"distance_calcn_{side}"]) > 0.0
      np.testing.assert_array_equal(got, ref[f"contact_{side}"], err_msg=f"{kind} {side}")
      n += int(got.sum())
    counts[kind] = n
  measured(
    "no Python sum() (any name) in traced code; contact rule traced under jit; in contact as"
    " MuJoCo C says: COP = 0 with GRF != 0: "
    f"{counts['cop_zero']}/16 foot-frames, COP 1e-30..1e-6 m: {counts['tiny_cop']}/16, "
    f"swing-to-stance onsets: {counts['onset']}/16"
  )


@checklist(
  item="5",
  side="claim",
  verdict="corrected",
  claim="Python sum() tries to iterate over the array, breaking tracing; jnp.sum fixes it",
)
def test_item5_claim_sum_traces_but_the_if_does_not(measured):
  cop = jnp.array([0.1, -0.2, 0.0])
  np.testing.assert_allclose(jax.jit(lambda c: sum(jnp.abs(c)))(cop), 0.3, rtol=1e-6)
  with pytest.raises(jax.errors.TracerBoolConversionError):
    jax.jit(lambda c: 1.0 if sum(jnp.abs(c)) > 0.0 else 0.0)(cop)
  with pytest.raises(jax.errors.TracerBoolConversionError):  # the guide's own fix
    jax.jit(lambda c: 1.0 if jnp.sum(jnp.abs(c)) > 0.0 else 0.0)(cop)
  assert jax.jit(lambda c: jnp.where(jnp.sum(jnp.abs(c)) > 0.0, 1.0, 0.0))(cop) == 1.0
  measured(
    "sum() over a tracer traces under jit (it iterates the leading axis, equal to jnp.sum); "
    "the Python `if` on the result raises TracerBoolConversionError, and so does the guide's "
    "fix `if jnp.sum(jnp.abs(cop_r)) > 0.0:`; jnp.where / lax.cond is the fix"
  )


# ---------------------------------------------------------------------------------------------
# Item 6: _impl attribute access  ->  public API only


@checklist(item="6", side="legacy")
def test_item6_legacy_reads_private_fields(legacy_loop, harness, measured):
  hits = source_checks.find_in_trees(legacy_loop, source_checks.impl_accesses)
  assert hits, "no _impl access in the legacy's frame loop"
  fields = set()
  for node in ast.walk(next(iter(legacy_loop.values()))):
    if (
      isinstance(node, ast.Attribute)
      and isinstance(node.value, ast.Attribute)
      and node.value.attr == "_impl"
    ):
      fields.add(node.attr)
  d = mjx.make_data(harness.model.mjx())
  assert not hasattr(d._impl, "qM"), "the guide's _impl.qM exists again"
  t = cast_trial()
  leg, ref = harness.legacy(t), harness.oracle(t)
  compare.assert_close(
    "mass_matrix",
    leg["mass_matrix"],
    ref["mass_matrix"],
    compare.scales(ref)["mass_matrix"],
    label="checklist",
  )
  measured(
    f"reads _impl.{', _impl.'.join(sorted(fields))}; the guide's _impl.qM does not exist in "
    f"mujoco-mjx {mjx_version()} (renamed M); the private M gives the right mass matrix today"
  )


@checklist(item="6", side="candidate")
def test_item6_candidate_uses_no_private_field_and_matches_it(
  harness, traced_fns, profiled, measured
):
  hits = source_checks.find_in_functions(traced_fns, source_checks.impl_accesses)
  hits += traced_calls.hits_6(profiled)
  packages = getattr(harness.candidate, "source_packages", ())
  if packages:
    hits += source_checks.find_in_trees(
      source_checks.module_asts(packages), source_checks.impl_accesses
    )
  assert not hits, f"_impl access in the candidate's source: {hits}"
  t = cast_trial()
  out = harness.run(t)
  m = harness.model.mjx()
  inverse = jax.jit(mjx.inverse)
  d = mjx.make_data(m)
  private = []
  for f in range(t.kinematics.qpos.shape[0]):
    d = inverse(
      m, d.replace(qpos=t.kinematics.qpos[f], qvel=t.kinematics.qvel[f], qacc=t.kinematics.qacc[f])
    )
    private.append(np.asarray(d._impl.M))
  ref = harness.oracle(t)
  compare.assert_close(
    "mass_matrix",
    out["mass_matrix"],
    np.stack(private),
    compare.scales(ref)["mass_matrix"],
    label="checklist",
    both_rounded=True,
  )
  where = f" or the packages {', '.join(packages)}" if packages else ""
  measured(
    f"no _impl (attribute or getattr string) in traced code{where}; mass_matrix equals MJX's"
    " private _impl.M"
  )


@checklist(
  item="6",
  side="claim",
  verdict="corrected",
  claim="_impl is not part of the traceable JAX interface",
)
def test_item6_claim_private_fields_trace_under_jit(harness, measured):
  m = harness.model.mjx()
  t = cast_trial()
  d = mjx.make_data(m).replace(
    qpos=t.kinematics.qpos[0], qvel=t.kinematics.qvel[0], qacc=t.kinematics.qacc[0]
  )
  d = jax.jit(mjx.inverse)(m, d)
  private = jax.jit(lambda d: d._impl.M * 1.0)(d)  # a traced read of the private field
  public = jax.jit(mjx.full_m)(m, d)
  np.testing.assert_allclose(private, public, rtol=1e-6, atol=1e-6)
  assert not hasattr(d._impl, "qM")
  measured(
    "_impl fields are pytree leaves and trace under jit (a jitted read of _impl.M equals "
    f"mjx.full_m); the real problem is that they are private: the guide's _impl.qM is gone in "
    f"mujoco-mjx {mjx_version()}"
  )


# ---------------------------------------------------------------------------------------------
# Item 7: print() statements in the loop  ->  no side effects in traced code


@checklist(item="7", side="legacy")
def test_item7_legacy_prints_every_frame(legacy_fn, harness, capsys, measured):
  t = cast_trial()
  legacy_fn(harness.mj_model, t.kinematics, t.loads, harness.body_names, verbose=True)
  lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("Frame ")]
  assert len(lines) == t.kinematics.qpos.shape[0]
  measured(f"prints one line per frame: {len(lines)} lines for {len(lines)} frames")


@checklist(item="7", side="candidate")
def test_item7_candidate_prints_nothing_and_is_bitwise_deterministic(
  harness, traced_fns, profiled, capsys, measured
):
  hits = source_checks.find_in_functions(traced_fns, source_checks.print_calls)
  hits += traced_calls.hits_7(profiled)
  assert not hits, f"print() or a host side effect in traced code: {hits}"
  t = cast_trial()
  first = harness.call(t.kinematics, t.loads)
  second = harness.call(t.kinematics, t.loads)
  assert capsys.readouterr().out == ""
  printed = [p for p in harness.printed if p]
  assert not printed, f"the candidate printed: {printed[:3]}"
  for key in first:
    a, b = np.asarray(first[key]), np.asarray(second[key])
    assert a.tobytes() == b.tobytes(), f"{key} differs between two identical calls"
  measured(
    "no print (any name) nor host callback with side effects (debug.callback, io_callback) in"
    " traced code; printed nothing on any call this session (tracing included); two calls on"
    " the same input are bitwise identical"
  )


@checklist(
  item="7",
  side="claim",
  verdict="corrected",
  claim="print() in the loop is a side effect that is not JAX-compatible",
)
def test_item7_claim_print_runs_once_at_trace_time(capsys, measured):
  def f(x):
    print("value:", x)
    return x * 2.0

  g = jax.jit(f)
  for v in (1.0, 2.0, 3.0):
    g(jnp.float32(v))
  out = capsys.readouterr().out.splitlines()
  assert len(out) == 1, out
  assert "Tracer" in out[0], out

  def h(x):
    jax.debug.print("value: {}", x)
    return x * 2.0

  hj = jax.jit(h)
  for v in (1.0, 2.0, 3.0):
    jax.block_until_ready(hj(jnp.float32(v)))
  jax.effects_barrier()
  assert len(capsys.readouterr().out.splitlines()) == 3
  measured(
    "print() under jit does not fail: it runs once, at trace time, and prints a tracer (1 "
    "line for 3 calls); jax.debug.print prints on every call (3 lines)"
  )


# ---------------------------------------------------------------------------------------------
# Item 8: modifying arrays in place (append)  ->  functional updates (.at[].set())


@checklist(item="8", side="legacy")
def test_item8_legacy_accumulates_on_the_host(legacy_loop, harness, measured):
  appends = source_checks.find_in_trees(legacy_loop, source_checks.append_calls)
  assert appends, "no .append in the legacy's frame loop"
  stores = [
    n
    for n in ast.walk(next(iter(legacy_loop.values())))
    if isinstance(n, ast.Assign)
    and any(isinstance(t, ast.Subscript) for t in n.targets)
    and "_all" in ast.unparse(n.targets[0])
  ]
  leg = harness.legacy(cast_trial())
  assert all(isinstance(leg[k], np.ndarray) and not isinstance(leg[k], jax.Array) for k in REQUIRED)
  measured(
    f"{len(appends)} list.append calls and {len(stores)} in-place stores into "
    "preallocated NumPy arrays per frame; outputs are host numpy.ndarray"
  )


@checklist(item="8", side="candidate")
def test_item8_candidate_outputs_come_from_the_traced_program(
  harness, traced_fns, profiled, measured
):
  hits = source_checks.find_in_functions(traced_fns, source_checks.append_calls)
  hits += traced_calls.hits_8(profiled)
  assert not hits, f".append in traced code: {hits}"
  t = cast_trial()
  out = jax.jit(traced(harness))(t.kinematics, t.loads)
  for k in REQUIRED:
    assert isinstance(out[k], jax.Array)
    assert out[k].shape[0] == t.kinematics.qpos.shape[0]
  measured(
    "no list.append / extend / insert in traced code; every output is one jax.Array with the"
    " frame "
    "axis first, produced by the traced program"
  )


@checklist(
  item="8",
  side="claim",
  verdict="confirmed",
  claim="in-place array[i] = value does not work with JAX arrays; use .at[i].set()",
)
def test_item8_claim_jax_arrays_are_immutable(measured):
  x = jnp.zeros(3)
  with pytest.raises(TypeError):
    x[0] = 1.0
  y = jax.jit(lambda x: x.at[0].set(1.0))(x)
  np.testing.assert_array_equal(y, [1.0, 0.0, 0.0])
  np.testing.assert_array_equal(x, [0.0, 0.0, 0.0])
  measured(
    "item assignment on a jax.Array raises TypeError; .at[0].set() returns a new array "
    "under jit and leaves the input unchanged"
  )

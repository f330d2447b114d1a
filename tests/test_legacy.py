"""legacy/MJX_RunID.py: contract outputs, agreement with MuJoCo C, its eight anti-patterns, the
three MuJoCo facts it rests on, and its mid-trial compilation spike (docs/legacy.md).

The legacy loop runs once per precision (module-scoped fixtures) on a 36-frame window of the
sample trial, frames 30-65: the left foot is in stance from the window's first frame, the right
foot's first stance frame is window frame 10 (double support begins), and window frame 24 is the
left foot's first swing frame. Compilation, not the frames, dominates the runtime.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import io
import re
import tokenize
from pathlib import Path

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest
from mujoco import mjx

from jaxid import contract
from jaxid_legacy import MJX_RunID
from jaxid_legacy.MJX_RunID import run_inverse_dynamics_loop
from jaxid_parity.source_checks import call_name

ROOT = Path(__file__).resolve().parents[1]
LEGACY_SRC = ROOT / "legacy" / "MJX_RunID.py"
LEGACY_DOC = ROOT / "docs" / "legacy.md"
WINDOW = slice(30, 66)
EPS32 = float(np.finfo(np.float32).eps)  # 1.19e-7

# Tolerance policy against MuJoCo C (float64) for the float32 loop: inputs are rounded to
# float32 (relative eps/2 each) and every output is a sum of products along the kinematic chain
# (pelvis to toes, a few dozen flops per level), whose round-off grows from ~1 eps to at most a
# few tens of eps of the largest magnitude involved. So |legacy - C| <= F32_FACTOR * eps32 *
# scale, with scale the output's largest magnitude over the trial (for joint_forces the root's
# vertical force, ~body weight, 946 N here: 3.6e-3 N). Measured: ~1.5 eps32 * scale. Any
# physics difference (e.g. the GRF entering joint_forces) would be hundreds of N, 1e5 x larger.
F32_FACTOR = 32
# Under jax_enable_x64 the same loop agrees with C to float64 round-off.
F64_RTOL = 1e-9


def _window(trial):
  return jax.tree.map(lambda x: np.asarray(x)[WINDOW], (trial.kinematics, trial.loads))


@pytest.fixture(scope="module")
def window(sample):
  return _window(sample)


@pytest.fixture(scope="module")
def legacy32(gait_model, window):
  """(results, printed output) of the float32 (default) run, verbose as the original."""
  kin, loads = window
  out = io.StringIO()
  with jax.enable_x64(False), contextlib.redirect_stdout(out):
    res = run_inverse_dynamics_loop(gait_model.mj_model, kin, loads, gait_model.body_names)
  return res, out.getvalue()


@pytest.fixture(scope="module")
def legacy64(gait_model, window):
  kin, loads = window
  with jax.enable_x64(True):
    return run_inverse_dynamics_loop(
      gait_model.mj_model, kin, loads, gait_model.body_names, verbose=False
    )


@pytest.fixture(scope="module")
def c_reference(gait_model, window):
  """MuJoCo C (float64) per frame: qfrc_inverse, dense mass matrix, foot xpos."""
  m = gait_model.mj_model
  d = mujoco.MjData(m)
  kin, _ = window
  qfrc, mass, xpos = [], [], []
  for q, v, a in zip(kin.qpos, kin.qvel, kin.qacc, strict=True):
    d.qpos, d.qvel, d.qacc = q, v, a
    mujoco.mj_inverse(m, d)
    full = np.zeros((m.nv, m.nv))
    mujoco.mj_fullM(m, d, full)
    qfrc.append(d.qfrc_inverse.copy())
    mass.append(full)
    xpos.append(d.xpos[list(gait_model.body_ids)].copy())
  return {"qfrc_inverse": np.array(qfrc), "mass_matrix": np.array(mass), "xpos": np.array(xpos)}


def _f32_close(actual, desired, what):
  scale = float(np.max(np.abs(desired)))
  atol = F32_FACTOR * EPS32 * scale
  err = float(np.max(np.abs(actual - desired)))
  assert err <= atol, (
    f"{what}: max |legacy - C| = {err:.3g} > {atol:.3g} ({F32_FACTOR} eps32 x {scale:.3g})"
  )


# Contract outputs ---------------------------------------------------------------------------


@pytest.mark.parametrize("run", ["legacy32", "legacy64"])
def test_contract_keys_shapes_dtypes(request, gait_model, run):
  res = request.getfixturevalue(run)
  res = res[0] if isinstance(res, tuple) else res
  m, n = gait_model.mj_model, WINDOW.stop - WINDOW.start
  keys = (*contract.OUTPUT_SHAPES, *contract.LEGACY_ONLY)
  for key in keys:
    assert key in res, key
    assert isinstance(res[key], np.ndarray), key
    assert res[key].shape == contract.shape_of(key, m, n), key
    assert res[key].dtype == np.float64, key  # float() into float64 preallocated arrays
    assert np.all(np.isfinite(res[key])), key
  assert res["compile_counts"].shape == (n,)
  assert res["compile_counts"].dtype == np.int64
  assert res["compile_seconds"].shape == (n,)
  assert np.all(res["frame_durations"] > 0)


def test_joint_forces_equal_mj_inverse_within_float32_roundoff(legacy32, c_reference):
  _f32_close(legacy32[0]["joint_forces"], c_reference["qfrc_inverse"], "joint_forces")


def test_joint_forces_equal_mj_inverse_under_x64(legacy64, c_reference):
  ref = c_reference["qfrc_inverse"]
  np.testing.assert_allclose(
    legacy64["joint_forces"], ref, rtol=0, atol=F64_RTOL * np.max(np.abs(ref))
  )


def test_mass_matrix_equals_mj_full_m(legacy32, legacy64, c_reference):
  ref = c_reference["mass_matrix"]
  _f32_close(legacy32[0]["mass_matrix"], ref, "mass_matrix")
  np.testing.assert_allclose(
    legacy64["mass_matrix"], ref, rtol=0, atol=F64_RTOL * np.max(np.abs(ref))
  )


def test_distance_and_moment_follow_the_contract(legacy32, window, c_reference):
  """About xpos of the current frame in contact (Python sum(|cop|) > 0), zero in swing."""
  res = legacy32[0]
  _, loads = window
  for i, side in enumerate("lr"):
    cop, grf = getattr(loads, f"cop_{side}"), getattr(loads, f"grf_{side}")
    xpos = c_reference["xpos"][:, i]
    contact = np.abs(cop).sum(axis=1) > 0
    assert contact.any()
    assert not contact.all()
    r = cop - xpos
    dist = np.where(contact, np.linalg.norm(r, axis=1), 0.0)
    moment = np.where(contact[:, None], np.cross(r, grf), 0.0)
    assert np.all(res[f"distance_calcn_{side}"][~contact] == 0.0)
    assert np.all(res[f"moment_calcn_{side}"][~contact] == 0.0)
    lever = float(np.max(np.abs(cop)))
    np.testing.assert_allclose(
      res[f"distance_calcn_{side}"], dist, rtol=0, atol=F32_FACTOR * EPS32 * lever
    )
    np.testing.assert_allclose(
      res[f"moment_calcn_{side}"],
      moment,
      rtol=0,
      atol=F32_FACTOR * EPS32 * lever * np.max(np.abs(grf)),
    )


def test_contact_force_is_zero_as_in_the_original(legacy32, legacy64):
  """_impl.cfrc_ext after mjx.inverse (fact 2): the original's contact_force output is zero."""
  assert np.all(legacy32[0]["contact_force"] == 0.0)
  assert np.all(legacy64["contact_force"] == 0.0)


# The compilation spike ----------------------------------------------------------------------


def test_compile_spike_at_the_first_frame_of_a_new_code_path(legacy32, window):
  res, printed = legacy32
  counts, comp_s, dur = res["compile_counts"], res["compile_seconds"], res["frame_durations"]
  _, loads = window
  state = [
    (bool(np.abs(left).sum() > 0), bool(np.abs(right).sum() > 0))
    for left, right in zip(loads.cop_l, loads.cop_r, strict=True)
  ]
  first_of_state = {state.index(s) for s in set(state)}
  right_onset = state.index((True, True))
  assert right_onset == 10  # the window's first double-support frame: right heel strike
  assert counts[0] > 0  # frame 0: make_data and the jitted helpers
  spikes = set(np.flatnonzero(counts[1:]) + 1)
  assert right_onset in spikes, f"no compilation at the right foot's first stance frame: {counts}"
  assert spikes <= first_of_state, f"compilations at {spikes}, not first frames of a contact state"
  assert np.all(comp_s <= dur)  # the compilation happened inside the frame's time.time() span
  assert comp_s[right_onset] > 0
  lines = printed.strip().splitlines()
  assert len(lines) == len(counts)
  assert lines[0].startswith("Frame 0: ")
  assert "compilation" in lines[0]
  assert lines[right_onset].startswith(f"Frame {right_onset}: ")
  assert "compilation" in lines[right_onset]
  assert all("compilation" not in lines[t] for t in range(1, len(lines)) if t not in spikes)


def test_main_prints_frames_and_summary(capsys):
  res = MJX_RunID.main(["--frames", "3"])
  text = capsys.readouterr().out
  assert res["joint_forces"].shape[0] == 3
  assert "Frame 0: " in text
  assert "Frame 2: " in text
  assert "steady" in text


# The eight anti-patterns --------------------------------------------------------------------

CHECKLIST = {  # the guide's "Before" checklist, in order
  1: "python for loop with if t == 0",
  2: "time.time() calls",
  3: "float() conversions",
  4: "try/except blocks",
  5: "python sum()",
  6: "_impl attribute access",
  7: "print() statements in loop",
  8: "modifying arrays in place (append)",
}
MARKER = re.compile(r"#\s*ANTI-PATTERN (\d): (.+)$")


def _markers() -> dict[int, list[int]]:
  """Anti-pattern number -> lines of its marker comments in legacy/MJX_RunID.py."""
  out: dict[int, list[int]] = {}
  with open(LEGACY_SRC, "rb") as f:
    for tok in tokenize.tokenize(f.readline):
      if tok.type == tokenize.COMMENT and (m := MARKER.match(tok.string)):
        n = int(m.group(1))
        assert m.group(2).lower().startswith(CHECKLIST[n]), f"marker {n}: {tok.string!r}"
        out.setdefault(n, []).append(tok.start[0])
  return out


def _is_t_eq_0(node) -> bool:
  return (
    isinstance(node, ast.Compare)
    and isinstance(node.left, ast.Name)
    and node.left.id == "t"
    and isinstance(node.ops[0], ast.Eq)
    and isinstance(node.comparators[0], ast.Constant)
    and node.comparators[0].value == 0
  )


def _pattern(n: int, node, loop) -> bool:
  """Whether `node` is real code of anti-pattern n."""
  if n == 1:
    return (
      node is loop
      and call_name(node.iter) == "range"
      and any(isinstance(s, ast.If) and _is_t_eq_0(s.test) and s.orelse for s in node.body)
    )
  if n == 2:
    return call_name(node) == "time.time"
  if n == 3:
    return call_name(node) == "float"
  if n == 4:
    return isinstance(node, ast.Try) and any(
      isinstance(h.type, ast.Name) and h.type.id == "AttributeError" for h in node.handlers
    )
  if n == 5:
    return (
      isinstance(node, ast.If)
      and isinstance(node.test, ast.Compare)
      and call_name(node.test.left) == "sum"
      and call_name(node.test.left.args[0]) == "jnp.abs"
    )
  if n == 6:
    return isinstance(node, ast.Attribute) and node.attr == "_impl"
  if n == 7:
    return call_name(node) == "print"
  if n == 8:
    return (
      isinstance(node, ast.Call)
      and isinstance(node.func, ast.Attribute)
      and (node.func.attr == "append")
    )
  raise AssertionError(n)


def test_each_anti_pattern_is_marked_real_code_in_the_frame_loop():
  tree = ast.parse(LEGACY_SRC.read_text())
  fn = next(
    n
    for n in ast.walk(tree)
    if isinstance(n, ast.FunctionDef) and n.name == "run_inverse_dynamics_loop"
  )
  loop = next(n for n in ast.walk(fn) if isinstance(n, ast.For))
  in_loop = list(ast.walk(loop))
  markers = _markers()
  assert sorted(markers) == list(range(1, 9)), f"markers found: {sorted(markers)}"
  for n, lines in markers.items():
    for line in lines:
      # The marked code starts on the line after its marker (a frame-loop node).
      hits = [
        node
        for node in in_loop
        if getattr(node, "lineno", None) == line + 1 and _pattern(n, node, loop)
      ]
      assert hits, f"ANTI-PATTERN {n} marker at line {line}: no such code on line {line + 1}"


def test_docs_line_references_point_at_the_markers():
  """docs/legacy.md cites each anti-pattern as MJX_RunID.py#L<line> of its marked code."""
  doc = LEGACY_DOC.read_text()
  markers = _markers()
  for n, lines in markers.items():
    row = next((r for r in doc.splitlines() if re.match(rf"\|\s*{n}\s*\|", r)), None)
    assert row, f"docs/legacy.md: no table row for anti-pattern {n}"
    cited = {int(x) for x in re.findall(r"MJX_RunID\.py#L(\d+)", row)}
    assert cited == {line + 1 for line in lines}, f"anti-pattern {n}: docs cite {cited}"


# The three facts about MuJoCo 4.0.0 / MJX 3.17.0 -------------------------------------------


@pytest.fixture(scope="module")
def probe(gait_model, window, legacy64):
  """One right-foot single-support frame, float64, with and without the right foot's GRF wrench.

  Depends on legacy64 only so that jax.jit(mjx.inverse / mjx.kinematics) reuse its compiles.
  """
  m = gait_model.mj_model
  kin, loads = window
  t, foot = 26, gait_model.body_ids[1]  # single support on the right foot: full body weight
  assert np.abs(loads.cop_r[t]).sum() > 0
  with jax.enable_x64(True):
    mx = mjx.put_model(m)
    d = mjx.make_data(mx).replace(qpos=kin.qpos[t], qvel=kin.qvel[t], qacc=kin.qacc[t])
    d = jax.jit(mjx.kinematics)(mx, d)
    wrench = np.array(
      contract.foot_wrench(
        jnp.asarray(loads.cop_r[t]),
        jnp.asarray(loads.grf_r[t]),
        jnp.asarray(loads.moment_r[t]),
        d.xipos[foot],
      )
    )
    xfrc = np.zeros((m.nbody, 6))
    xfrc[foot] = wrench
    dev = jax.devices()[0]
    inverse = jax.jit(mjx.inverse)
    plain = inverse(mx, d.replace(xfrc_applied=jax.device_put(np.zeros_like(xfrc), dev)))
    loaded = inverse(mx, d.replace(xfrc_applied=jax.device_put(xfrc, dev)))
    post = jax.jit(mjx.rne_postconstraint)(mx, loaded)
    full_m = np.asarray(mjx.full_m(mx, loaded))
  c = mujoco.MjData(m)
  c.qpos, c.qvel, c.qacc = kin.qpos[t], kin.qvel[t], kin.qacc[t]
  return dict(m=m, c=c, xfrc=xfrc, foot=foot, plain=plain, loaded=loaded, post=post, full_m=full_m)


def test_fact1_inverse_ignores_xfrc_applied(probe):
  m, c, xfrc = probe["m"], probe["c"], probe["xfrc"]
  mujoco.mj_inverse(m, c)
  without = c.qfrc_inverse.copy()
  c.xfrc_applied = xfrc
  mujoco.mj_inverse(m, c)
  with_wrench = c.qfrc_inverse.copy()
  # The wrench is not negligible: mapped to joint space it is hundreds of N on the root.
  qfrc_grf = np.zeros(m.nv)
  mujoco.mj_applyFT(
    m,
    c,
    xfrc[probe["foot"], :3],
    xfrc[probe["foot"], 3:],
    c.xipos[probe["foot"]],
    probe["foot"],
    qfrc_grf,
  )
  assert np.max(np.abs(qfrc_grf)) > 100.0
  np.testing.assert_array_equal(with_wrench, without)  # MuJoCo C
  np.testing.assert_array_equal(
    np.asarray(probe["loaded"].qfrc_inverse), np.asarray(probe["plain"].qfrc_inverse)
  )  # MJX
  np.testing.assert_allclose(
    np.asarray(probe["loaded"].qfrc_inverse),
    without,
    rtol=0,
    atol=F64_RTOL * np.max(np.abs(without)),
  )


def test_fact2_cfrc_ext_is_zero_after_inverse_and_filled_by_rne_postconstraint(probe):
  m, c = probe["m"], probe["c"]
  loaded = probe["loaded"]
  assert np.any(np.asarray(loaded.xfrc_applied) != 0)
  assert np.all(np.asarray(loaded._impl.cfrc_ext) == 0.0)
  filled = np.asarray(probe["post"]._impl.cfrc_ext)
  assert np.max(np.abs(filled)) > 1.0
  c.xfrc_applied = probe["xfrc"]
  mujoco.mj_inverse(m, c)
  mujoco.mj_rnePostConstraint(m, c)
  np.testing.assert_allclose(filled, c.cfrc_ext, rtol=0, atol=F64_RTOL * np.max(np.abs(c.cfrc_ext)))


def test_fact3_impl_has_no_qM_but_a_dense_M_equal_to_full_m(probe):
  m, c, loaded = probe["m"], probe["c"], probe["loaded"]
  fields = {f.name for f in dataclasses.fields(loaded._impl)}
  assert "qM" not in fields
  assert not hasattr(loaded._impl, "qM")
  assert "M" in fields
  assert not hasattr(c, "qM")  # MuJoCo 4.0's C data has no qM either (it has M, CSR)
  dense = np.asarray(loaded._impl.M)
  assert dense.shape == (m.nv, m.nv)
  np.testing.assert_array_equal(dense, probe["full_m"])
  mujoco.mj_inverse(m, c)
  full = np.zeros((m.nv, m.nv))
  mujoco.mj_fullM(m, c, full)
  np.testing.assert_allclose(dense, full, rtol=0, atol=F64_RTOL * np.max(np.abs(full)))

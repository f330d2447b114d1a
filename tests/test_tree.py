"""The tree backend (jaxid.tree) against MuJoCo C, through the public API: every output key.

Tolerance policy (jaxid_parity.compare): an output's error is held to 1e-5 (float32) or 1e-10
(float64) of its scale, the largest magnitude of that key over the trial as the C oracle
computes it (joint_forces: max(|qfrc_inverse|, |M||qacc|); on models with constraint rows, per
dof, the constraint terms' magnitude where larger). On the bundled 200-frame sample the scales
are ~1.1e3 N m, so float32 allows ~1.1e-2 N m and float64 ~1.1e-7 N m; the figures observed are
printed by the harness summary (docs/parity.md) and in the tree's report.
"""

from __future__ import annotations

import copy
import functools
import warnings

import chex
import jax
import mujoco
import numpy as np
import pytest

import jaxid
from jaxid import contract, tree
from jaxid.errors import InputError
from jaxid.validate import InputWarning
from jaxid_parity import compare, oracle

KEYS = contract.ALL_OUTPUTS


def _cast(trial, dtype):
  return jax.tree.map(lambda x: np.asarray(x, dtype), trial)


def check_against_c(model, trial, label, **kwargs) -> dict:
  """Every output of jaxid.inverse_dynamics(..., backend="tree") vs the C oracle, at the policy.
  Returns the relative errors."""
  out = jaxid.inverse_dynamics(model, trial, backend="tree", validate=False, **kwargs)
  wide = _cast(trial, np.float64)  # the values the candidate saw
  ref = oracle.run(model.mj_model, wide.kinematics, wide.loads, model.body_names)
  scales = compare.scales(ref)
  assert set(out) == set(kwargs.get("outputs") or jaxid.options.check_outputs(model.mj_model, None))
  return {
    k: compare.assert_close(k, v, ref[k], scales[k], label=label, record=False)
    for k, v in out.items()
  }


@pytest.fixture(scope="module")
def gait(gait_model):
  """conftest's bundled model: one Model instance, so its programs compile once per session."""
  return gait_model


@pytest.fixture(scope="module")
def gait_trial(gait):
  return jaxid.sample_trial(gait, n_frames=40, seed=0)


def test_bundled_model_is_supported(gait):
  assert tree.unsupported(gait.mj_model) is None


def test_bundled_float32_matches_mujoco_c(gait, gait_trial):
  rel = check_against_c(gait, _cast(gait_trial, np.float32), "tree vs oracle")
  assert set(rel) == set(KEYS)


@pytest.mark.x64
def test_bundled_float64_matches_mujoco_c(gait, gait_trial, x64):
  rel = check_against_c(gait, _cast(gait_trial, np.float64), "tree vs oracle")
  assert set(rel) == set(KEYS)


@pytest.mark.parametrize("schedule", ["scan", "vmap", "chunked"])
def test_schedules_batched_match_mujoco_c(gait, gait_trial, schedule):
  """Batch of 2 trials of 11 frames (chunked pads 11 to 16): each trial vs the oracle. The batch
  runs trial by trial on CPU (Options.batch "map", tests/test_tree_grad.py)."""
  one = jax.tree.map(lambda x: np.asarray(x[:11], np.float32), gait_trial)
  other = jax.tree.map(lambda x: np.asarray(x[11:22], np.float32), gait_trial)
  batch = jax.tree.map(lambda a, b: np.stack([a, b]), one, other)
  keys = ("joint_torques", "residuals", "contact_force")
  out = jaxid.inverse_dynamics(gait, batch, outputs=keys, schedule=schedule, backend="tree")
  for i, tr in enumerate((one, other)):
    wide = _cast(tr, np.float64)
    ref = oracle.run(gait.mj_model, wide.kinematics, wide.loads, gait.body_names)
    sc = compare.scales(ref)
    for k in keys:
      compare.assert_close(k, out[k][i], ref[k], sc[k], label="tree schedules", record=False)


def test_planar_yup_model_matches_mujoco_c():
  """No free root (no residuals), y-up gravity, slide/hinge pelvis."""
  model = jaxid.load_model("tests/models/planar_yup.xml")
  m = model.mj_model
  assert tree.unsupported(m) is None
  assert not contract.has_free_root(m)
  rng = np.random.default_rng(0)
  n = 6
  d = mujoco.MjData(m)
  qpos = rng.uniform(-0.3, 0.3, (n, m.nq))
  cop = np.zeros((n, 3))
  for i in range(2, n):  # stance from frame 2, COP near the foot
    d.qpos[:] = qpos[i]
    mujoco.mj_kinematics(m, d)
    cop[i] = d.xpos[model.body_ids[0]] + rng.normal(0, 0.03, 3)
  z = np.zeros((n, 3))
  trial = jaxid.Trial(
    jaxid.Kinematics(qpos, rng.uniform(-1, 1, (n, m.nv)), rng.uniform(-5, 5, (n, m.nv))),
    jaxid.Loads(np.tile([30.0, 400.0, 0.0], (n, 1)), z, cop, z, rng.normal(0, 2, (n, 3)), z,
                rng.normal(0, 5, (n, m.nbody, 6))),
  )  # fmt: skip
  rel = check_against_c(model, _cast(trial, np.float32), "tree planar")
  assert set(rel) == set(KEYS) - {"residuals"}


# ---------------------------------------------------------------------------------------------
# Backend selection


def _with(xml_extra: str) -> mujoco.MjModel:
  """A two-foot toy model with one extra feature."""
  xml = f"""
  <mujoco><option gravity="0 0 -9.81"/><worldbody>
    <body name="pelvis" pos="0 0 1"><freejoint/><geom size=".1" mass="10"/>
      <body name="calcn_l" pos="0 .1 -.5"><joint name="hl" type="hinge" axis="0 1 0"
        {xml_extra}/><geom size=".05" mass="1"/></body>
      <body name="calcn_r" pos="0 -.1 -.5"><joint name="hr" type="hinge" axis="0 1 0"/>
        <geom size=".05" mass="1"/></body>
    </body></worldbody></mujoco>"""
  return mujoco.MjModel.from_xml_string(xml)


@pytest.mark.parametrize(
  ("extra", "feature"),
  [('frictionloss="1"', "friction loss"), ('damping="1"', None), ('stiffness="3"', None)],
)
def test_unsupported_names_the_feature(extra, feature):
  why = tree.unsupported(jaxid.model.prepare(_with(extra)))
  assert (why is None) if feature is None else (feature in why)


def test_backend_tree_refuses_and_auto_warns_on_an_unsupported_model():
  model = jaxid.model.from_mj_model(_with('frictionloss="1"'))
  n, m = 3, model.mj_model
  qpos = np.tile(m.qpos0, (n, 1))
  z3, zv = np.zeros((n, 3)), np.zeros((n, m.nv))
  trial = jaxid.Trial(jaxid.Kinematics(qpos, zv, zv),
                      jaxid.Loads(z3, z3, z3, z3, z3, z3, np.zeros((n, m.nbody, 6))))  # fmt: skip
  with pytest.raises(InputError, match=r"backend: .*friction loss"):
    jaxid.inverse_dynamics(model, trial, backend="tree")
  with pytest.warns(InputWarning, match=r"friction loss.*mjx"):
    out = jaxid.inverse_dynamics(model, trial, outputs=("joint_forces",))
  want = jaxid.inverse_dynamics(model, trial, outputs=("joint_forces",), backend="mjx")
  np.testing.assert_array_equal(out["joint_forces"], want["joint_forces"])
  with pytest.raises(InputError, match="backend: expected one of"):
    jaxid.inverse_dynamics(model, trial, backend="fast")


def test_auto_picks_tree_without_a_warning_on_the_bundled_model(gait, gait_trial):
  tr = _cast(jax.tree.map(lambda x: x[:5], gait_trial), np.float32)
  with warnings.catch_warnings():
    warnings.simplefilter("error", InputWarning)
    auto = jaxid.inverse_dynamics(gait, tr, outputs=("joint_torques",))
  want = jaxid.inverse_dynamics(gait, tr, outputs=("joint_torques",), backend="tree")
  np.testing.assert_array_equal(auto["joint_torques"], want["joint_torques"])


# ---------------------------------------------------------------------------------------------
# Transformations


def test_top_level_calls_compile_with_the_xla_options(gait, gait_trial, monkeypatch):
  """A concrete call runs the program compiled with XLA_OPTIONS (an option this XLA knows: an
  unknown one raises "No such compile option"), on either backend and with check_finite too
  (checkify inside that jit); a traced call the plain one (JAX takes compiler options on a
  top-level jit only)."""
  from jaxid import pipeline

  jax.jit(lambda x: x + 1, compiler_options=pipeline.XLA_OPTIONS).lower(1.0).compile()
  used = []  # (checked, with the options) of each program run
  for (fn, tuned), real in list(pipeline._JITS.items()):
    key = (fn is pipeline.checked_trial_outputs, tuned)
    spy = lambda m, t, o, real=real, key=key: used.append(key) or real(m, t, o)
    monkeypatch.setitem(pipeline._JITS, (fn, tuned), spy)
  trial = jax.tree.map(lambda x: x[:8], _cast(gait_trial, np.float32))
  call = lambda tr, backend: jaxid.inverse_dynamics(
    gait, tr, outputs=("joint_torques",), backend=backend, validate=False
  )
  eager = call(trial, "tree")["joint_torques"]
  inside = jax.jit(lambda tr: call(tr, "tree"))(trial)["joint_torques"]
  checked = jaxid.inverse_dynamics(
    gait, trial, outputs=("joint_torques",), backend="tree", validate=False, check_finite=True
  )["joint_torques"]
  call(trial, "mjx")
  assert used == [(False, True), (False, False), (True, True), (False, True)]
  assert np.array_equal(checked, eager)  # the checks change no bit of the same compile
  # two compiles of the same sums, ordered apart by at most ~an ulp of the largest partial sum
  # per body: 4 eps32 of the key's scale (compare.scales, ~1e3 N m here: ~5e-4 N m)
  wide = _cast(trial, np.float64)
  ref = oracle.run(gait.mj_model, wide.kinematics, wide.loads, gait.body_names)
  atol = 4 * compare.EPS["float32"] * compare.scales(ref)["joint_torques"]
  np.testing.assert_allclose(inside, eager, rtol=0, atol=atol)


def test_a_traced_model_runs_inside_the_callers_jit(gait, gait_trial):
  """The tree backend passes no model arrays (Model.folded), but a Model that is itself a jit
  argument marks the call as traced: the nested program, not the top-level one with compiler
  options (JAX refuses those inside a trace), and the same torques as the top-level call."""
  trial = jax.tree.map(lambda x: x[:8], _cast(gait_trial, np.float32))
  run = lambda m, tr: jaxid.inverse_dynamics(m, tr, outputs=("joint_torques",), backend="tree")
  inside = jax.jit(lambda m: run(m, trial))(gait)["joint_torques"]  # the trial concrete
  eager = run(gait, trial)["joint_torques"]
  # two compiles of the same sums: 4 eps32 of the torque scale, as the test above argues
  wide = _cast(trial, np.float64)
  ref = oracle.run(gait.mj_model, wide.kinematics, wide.loads, gait.body_names)
  atol = 4 * compare.EPS["float32"] * compare.scales(ref)["joint_torques"]
  np.testing.assert_allclose(inside, eager, rtol=0, atol=atol)
  assert not gait.traced
  assert jax.tree.leaves(gait.folded()) == []


def test_a_changed_mj_model_is_refused_and_an_edited_copy_is_seen(gait_trial):
  """jaxid builds a model's programs from its constants once: editing model.mj_model after the
  first call is refused (before the check the call silently used the old constants: doubling
  body_mass changed the torques by 0 N m on both backends), and an edited copy in a new Model
  compiles anew and matches MuJoCo C on the edited model at the float32 policy."""
  model = jaxid.load_model("gait_lowerbody")  # its own MjModel: the session's stays as it is
  trial = jax.tree.map(lambda x: x[:8], _cast(gait_trial, np.float32))
  call = lambda m: jaxid.inverse_dynamics(m, trial, outputs=("joint_torques",), backend="tree")
  users_jit = jax.jit(lambda m: call(m)["joint_torques"])
  before = np.asarray(call(model)["joint_torques"])
  # another program (no XLA_OPTIONS in a caller's jit): float32 round-off, ~1e-6 of ~950 N m
  np.testing.assert_allclose(users_jit(model), before, rtol=0, atol=1e-3)  # N m
  edited = copy.deepcopy(model.mj_model)
  edited.body_mass[1:] *= 2.0
  model.mj_model.body_mass[1:] *= 2.0
  with pytest.raises(InputError, match=r"^model: its mj_model changed after the model's first"):
    call(model)
  with pytest.raises(InputError, match=r"^model: its mj_model changed"):
    jaxid.inverse_dynamics(model, trial, backend="mjx")
  with pytest.raises(InputError, match=r"^model: its mj_model changed"):
    users_jit(model)  # the Model as an argument of a caller's jit: checked as it is flattened
  # the same (edited) MjModel in a new Model: a new fingerprint, so a new program and new constants
  for mj in (edited, model.mj_model):
    fresh = jaxid.Model(mj, model.body_ids, model.body_names)
    errors = check_against_c(fresh, trial, "tree, edited model", outputs=("joint_torques",))
    assert errors["joint_torques"] <= compare.RTOL["float32"]
    assert np.abs(np.asarray(call(fresh)["joint_torques"]) - before).max() > 1.0  # N m


def test_the_constants_digest_runs_once_per_call(gait, gait_trial, monkeypatch):
  """The edited-model check costs one digest of the constants per warm call on the tree backend
  (19 us bundled), two on MJX (the call's check and jit's flatten of the Model): before, Model.folded
  re-ran it on every call and the MJX branch flattened the Model once more (2 and 3)."""
  trial = jax.tree.map(lambda x: x[:8], _cast(gait_trial, np.float32))
  runs = []
  real = tree.constants.fingerprint
  monkeypatch.setattr("jaxid.model.fingerprint", lambda m: runs.append(1) or real(m))
  for backend, digests in (("tree", 1), ("mjx", 2)):
    call = functools.partial(
      jaxid.inverse_dynamics, gait, trial, outputs=("joint_torques",), backend=backend
    )
    jax.block_until_ready(call())  # compiled (and the Model's fingerprint recorded) here
    runs.clear()
    jax.block_until_ready(call())
    assert len(runs) == digests, backend


def test_jit_traces_once_and_checks_name_the_frame(gait, gait_trial):
  tr = _cast(jax.tree.map(lambda x: x[:8], gait_trial), np.float32)

  @jax.jit
  @chex.assert_max_traces(n=1)
  def run(trial):
    return jaxid.inverse_dynamics(gait, trial, outputs=("joint_torques",), validate=False)

  a = run(tr)["joint_torques"]
  b = run(jax.tree.map(lambda x: x + 0.0, tr))["joint_torques"]
  np.testing.assert_array_equal(a, b)
  bad = jax.tree.map(np.copy, tr)
  bad.kinematics.qacc[5, 3] = np.inf
  with pytest.raises(Exception, match="non-finite joint_torques at frame 5"):
    jaxid.inverse_dynamics(
      gait, bad, outputs=("joint_torques",), validate=False, check_finite=True, backend="tree"
    )


@pytest.mark.slow
@pytest.mark.x64
def test_myoleg_float64_matches_mujoco_c(x64):
  """MyoLeg (ball-free, 14 polynomial knee couplings, joint limits, armature, damping): the raw
  entries at the per-dof scales of the policy (the stiff coupling rows amplify round-off)."""
  pytest.importorskip("myo_sim", reason='MyoLeg needs myo-sim: pip install "jaxid[myo]"')
  model = jaxid.load_model("myolegs")
  assert tree.unsupported(model.mj_model) is None
  trial = jax.tree.map(lambda x: x[:6], jaxid.sample_trial(model, n_frames=6, seed=1))
  keys = ("joint_forces", "joint_torques", "residuals", "contact_force")
  rel = check_against_c(model, _cast(trial, np.float64), "tree myoleg", outputs=keys)
  assert set(rel) == set(keys)

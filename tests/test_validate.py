"""Bad input: InputError naming the argument, or the documented warning; never XLA tracebacks."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from mujoco import mjx

import jaxid
from jaxid import validate

T = 6
FIELDS = [
  "kinematics.qpos",
  "kinematics.qvel",
  "kinematics.qacc",
  "loads.grf_l",
  "loads.grf_r",
  "loads.cop_l",
  "loads.cop_r",
  "loads.moment_l",
  "loads.moment_r",
  "loads.ext_forces",
]


@pytest.fixture(scope="module")
def good(sample):
  return jax.tree.map(lambda x: x[40 : 40 + T], sample)


def put(trial, field, value):
  group, name = field.split(".")
  part = getattr(trial, group).replace(**{name: value})
  return trial.replace(**{group: part})


def get(trial, field):
  group, name = field.split(".")
  return getattr(getattr(trial, group), name)


def run(model, trial):
  return jaxid.inverse_dynamics(model, trial, outputs=jaxid.TORQUES)


def malformed(kind, field, arr, data):
  """A malformed version of one array of a valid trial."""
  if kind == "rank":
    return arr[0] if data.draw(st.booleans()) else arr[None, None]
  if kind == "tail":
    return np.concatenate([arr, arr[..., :1]], axis=-1)
  if kind == "frames":
    return arr[: data.draw(st.integers(1, T - 1))]
  if kind == "int":
    return arr.astype(data.draw(st.sampled_from([np.int32, np.int64, np.bool_])))
  if kind == "complex":
    return arr.astype(np.complex64)
  if kind in ("nan", "inf"):
    out = arr.copy()
    idx = tuple(data.draw(st.integers(0, s - 1)) for s in arr.shape)
    out[idx] = np.nan if kind == "nan" else data.draw(st.sampled_from([np.inf, -np.inf]))
    return out
  raise AssertionError(kind)


KINDS = ["rank", "tail", "frames", "int", "complex", "nan", "inf"]


@given(kind=st.sampled_from(KINDS), field=st.sampled_from(FIELDS), data=st.data())
@example(kind="frames", field="loads.cop_r", data=None)
@example(kind="nan", field="kinematics.qacc", data=None)
def test_malformed_arrays_raise_input_error(gait_model, good, kind, field, data):
  if data is None:  # the @example edge cases: fixed choices instead of drawn ones

    class Fixed:
      def draw(self, s):
        return {"frames": 3}.get(kind, 0) if kind == "frames" else 0

    data = Fixed()
  bad = put(good, field, malformed(kind, field, np.asarray(get(good, field)), data))
  with pytest.raises(jaxid.InputError) as e:
    run(gait_model, bad)
  msg = str(e.value)
  # qpos fixes the frame axis: when qpos itself is cut short, the next array is the one named
  qpos_cut = field == "kinematics.qpos" and kind == "frames" and "like kinematics.qpos" in msg
  assert field in msg or qpos_cut, msg
  assert "\n" not in msg


def test_non_finite_names_array_and_frame(gait_model, good):
  qacc = np.array(good.kinematics.qacc)
  qacc[4, 7] = np.nan
  with pytest.raises(jaxid.InputError, match=r"kinematics\.qacc.*frame 4"):
    run(gait_model, put(good, "kinematics.qacc", qacc))


def test_model_size_mismatch_names_nv(gait_model, good):
  with pytest.raises(jaxid.InputError, match=r"kinematics\.qvel.*\(T, 20\).*\(6, 19\)"):
    run(gait_model, put(good, "kinematics.qvel", np.asarray(good.kinematics.qvel)[:, :19]))
  ext = np.zeros((T, 12, 6))
  with pytest.raises(jaxid.InputError, match=r"loads\.ext_forces.*13, 6"):
    run(gait_model, put(good, "loads.ext_forces", ext))


def test_not_a_trial_and_bad_options(gait_model, good):
  with pytest.raises(jaxid.InputError, match="trial"):
    run(gait_model, {"qpos": 1})
  with pytest.raises(jaxid.InputError, match="outputs"):
    jaxid.inverse_dynamics(gait_model, good, outputs=("torques",))
  with pytest.raises(jaxid.InputError, match="schedule"):
    jaxid.inverse_dynamics(gait_model, good, schedule="fast")
  with pytest.raises(jaxid.InputError, match="model"):
    jaxid.inverse_dynamics(gait_model.mj_model, good)


def test_quaternion_renormalised_within_tolerance_else_error(gait_model, good):
  qpos = np.array(good.kinematics.qpos)
  qpos[:, 3:7] *= 1 + 0.5 * validate.QUAT_TOL
  near = run(gait_model, put(good, "kinematics.qpos", qpos))
  ref = run(gait_model, good)
  np.testing.assert_allclose(near["joint_torques"], ref["joint_torques"], atol=1e-5 * 1e3)
  qpos[2, 3:7] *= 1.1
  with pytest.raises(jaxid.InputError, match=r"kinematics\.qpos.*quaternion.*frame 2"):
    run(gait_model, put(good, "kinematics.qpos", qpos))


def test_cop_far_from_foot_warns_with_frame_and_distance(gait_model, good):
  cop = np.array(good.loads.cop_l)
  stance = np.flatnonzero(np.abs(cop).sum(1) > 0)
  cop[stance[0]] *= 1000.0  # millimetres passed as metres
  with pytest.warns(jaxid.InputWarning, match=rf"cop_l.* m from calcn_l at frame {stance[0]}"):
    run(gait_model, put(good, "loads.cop_l", cop))
  with warnings.catch_warnings():
    warnings.simplefilter("error")
    run(gait_model, good)  # the sample itself: no warning


def test_checkify_reports_nan_with_frame_inside_jit(gait_model, good):
  """Traced inputs cannot be checked at the boundary: check_finite names key and frame."""
  from jax.experimental import checkify

  from jaxid import pipeline

  m = gait_model.mjx()

  @jax.jit
  def checked(qacc):
    k = good.kinematics.replace(qacc=qacc)
    fn = lambda: pipeline.run_inverse_dynamics_jax(
      m,
      mjx.make_data(m),
      k,
      good.loads,
      gait_model.body_ids,
      outputs=("joint_torques",),
      checks=True,
    )[1]
    return checkify.checkify(fn)()

  qacc = jnp.asarray(good.kinematics.qacc).at[3, 5].set(jnp.inf)
  err, _out = checked(qacc)
  assert "non-finite joint_torques at frame 3" in str(err.get())
  err, _ = checked(jnp.asarray(good.kinematics.qacc))
  assert err.get() is None


@pytest.mark.parametrize(
  ("value", "match"),
  [
    (lambda a: a.tolist(), r"loads\.grf_l: expected a NumPy or JAX array.*got list"),
    (lambda a: tuple(map(tuple, a)), r"loads\.grf_l: expected a NumPy or JAX array.*got tuple"),
    (lambda a: a.astype(np.float16), r"loads\.grf_l: expected a float32 or float64.*float16"),
  ],
)
def test_lists_and_float16_refused(gait_model, good, value, match):
  bad = put(good, "loads.grf_l", value(np.asarray(good.loads.grf_l)))
  with pytest.raises(jaxid.InputError, match=match):
    run(gait_model, bad)


def test_empty_batch_refused(gait_model, good):
  empty = jax.tree.map(lambda x: np.asarray(x)[None][:0], good)
  with pytest.raises(jaxid.InputError, match="B = 0"):
    run(gait_model, empty)


@pytest.mark.parametrize(
  ("kw", "match"),
  [
    ({"outputs": "joint_torques"}, r"outputs: .*sequence.*\('joint_torques',\).*the string"),
    ({"outputs": ("joint_torques", 3)}, r"outputs: expected output keys as strings"),
    ({"remat": "yes"}, r"remat: expected True or False, got 'yes'"),
    ({"check_finite": 1}, r"check_finite: expected True or False, got 1"),
    ({"validate": None}, r"validate: expected True or False, got None"),
    ({"schedule": ["scan"]}, r"schedule: expected one of"),
  ],
)
def test_option_types_refused(gait_model, good, kw, match):
  with pytest.raises(jaxid.InputError, match=match):
    jaxid.inverse_dynamics(gait_model, good, **kw)


def test_float64_beyond_float32_range_refused_before_the_cast(gait_model, good):
  """Finite in float64, Inf after the cast to float32 (x64 off): refused, naming field and frame."""
  grf = np.array(good.loads.grf_r, dtype=np.float64)
  grf[2, 1] = 1e40
  with pytest.raises(jaxid.InputError, match=r"loads\.grf_r: 1e\+40 at frame 2 overflows float32"):
    run(gait_model, put(good, "loads.grf_r", grf))


def test_device_arrays_are_checked_on_device(gait_model, good):
  """Valid JAX arrays are not copied to the host; their quaternions are renormalised there."""
  on_device = jax.tree.map(jnp.asarray, good)
  with jax.transfer_guard_device_to_host("disallow"):
    checked = validate.check_values(gait_model.mj_model, on_device)
  assert isinstance(checked.kinematics.qpos, jax.Array)
  host = validate.check_values(gait_model.mj_model, good)
  np.testing.assert_allclose(  # one renormalisation each: agree to float32 round-off
    checked.kinematics.qpos, host.kinematics.qpos, rtol=0, atol=2 * np.finfo(np.float32).eps
  )
  bad = on_device.kinematics.qacc.at[4, 2].set(jnp.nan)
  with pytest.raises(jaxid.InputError, match=r"kinematics\.qacc.*nan at frame 4"):
    run(gait_model, put(on_device, "kinematics.qacc", bad))


def test_eager_and_traced_calls_run_one_program(gait_model, good, monkeypatch):
  """The options (hence the program) do not depend on whether the trial is concrete."""
  from jaxid import pipeline

  seen = []
  real = pipeline.jit_trial_outputs
  monkeypatch.setattr(
    pipeline, "jit_trial_outputs", lambda m, t, opts: seen.append(opts) or real(m, t, opts)
  )
  run(gait_model, good)
  jax.make_jaxpr(lambda t: run(gait_model, t))(jax.tree.map(jnp.asarray, good))
  assert len(seen) == 2
  assert seen[0] == seen[1]


def test_check_finite_through_the_api_eager_and_inside_jit(gait_model, good):
  """check_finite=True leaves clean results unchanged, and names key and frame on NaN/Inf."""
  plain = run(gait_model, good)
  checked = jaxid.inverse_dynamics(gait_model, good, outputs=jaxid.TORQUES, check_finite=True)
  assert all(np.array_equal(plain[k], checked[k]) for k in plain)
  qacc = np.array(good.kinematics.qacc)
  qacc[3, 5] = np.inf
  with pytest.raises(Exception, match="non-finite joint_torques at frame 3"):
    jaxid.inverse_dynamics(
      gait_model,
      put(good, "kinematics.qacc", qacc),
      outputs=("joint_torques",),
      check_finite=True,
      validate=False,
    )

  @jax.jit
  def user_fn(qacc):
    trial = put(good, "kinematics.qacc", qacc)
    return jaxid.inverse_dynamics(gait_model, trial, outputs=("joint_torques",), check_finite=True)

  inside = user_fn(jnp.asarray(good.kinematics.qacc))["joint_torques"]
  np.testing.assert_allclose(inside, plain["joint_torques"], rtol=0, atol=1e-5 * 1e3)
  with pytest.raises(Exception, match="non-finite joint_torques at frame 3"):
    jax.block_until_ready(user_fn(jnp.asarray(qacc)))


def test_world_body_wrench_refused(gait_model, good):
  """MuJoCo ignores xfrc_applied on the world body: a load there would vanish silently."""
  ext = np.array(good.loads.ext_forces)
  ext[3, 0, 2] = 50.0
  with pytest.raises(jaxid.InputError, match=r"loads\.ext_forces: .*world body .*frame 3"):
    run(gait_model, put(good, "loads.ext_forces", ext))
  on_device = put(jax.tree.map(jnp.asarray, good), "loads.ext_forces", jnp.asarray(ext))
  with pytest.raises(jaxid.InputError, match=r"loads\.ext_forces: .*world body .*frame 3"):
    run(gait_model, on_device)


def test_force_with_zero_cop_refused(gait_model, good):
  """The contact rule sum(|cop|) > 0 would drop this force (issue 17 item 2): an error instead."""
  cop = np.array(good.loads.cop_l)
  stance = np.flatnonzero(np.abs(np.asarray(good.loads.grf_l)).sum(1) > 0)
  cop[stance[1]] = 0.0
  with pytest.raises(jaxid.InputError, match=rf"loads\.cop_l: all zeros at frame {stance[1]}"):
    run(gait_model, put(good, "loads.cop_l", cop))
  # The traced contract itself is unchanged: with validate=False the force is dropped, as in legacy.
  out = jaxid.inverse_dynamics(
    gait_model, put(good, "loads.cop_l", cop), outputs=("moment_calcn_l",), validate=False
  )
  assert np.all(np.asarray(out["moment_calcn_l"])[stance[1]] == 0.0)


NOT_BOOL = st.one_of(st.text(max_size=5), st.integers(-2, 2), st.none(), st.floats(0, 1))


@given(flag=st.sampled_from(["remat", "check_finite", "validate"]), value=NOT_BOOL)
@example(flag="remat", value="yes")
def test_non_boolean_flags_refused(gait_model, good, flag, value):
  with pytest.raises(jaxid.InputError, match=rf"^{flag}: expected True or False, got "):
    jaxid.inverse_dynamics(gait_model, good, **{flag: value})


@given(key=st.text(min_size=1, max_size=20))
@example(key="joint_torques")
def test_a_string_is_not_a_sequence_of_outputs(gait_model, good, key):
  with pytest.raises(jaxid.InputError, match=r"^outputs: expected a sequence of output keys"):
    jaxid.inverse_dynamics(gait_model, good, outputs=key)


@given(
  field=st.sampled_from(FIELDS[1:]),  # qpos: its quaternion check would speak first
  magnitude=st.floats(3.5e38, 1e300),
  sign=st.sampled_from([1.0, -1.0]),
  frame=st.integers(0, T - 1),
)
@example(field="loads.grf_l", magnitude=1e40, sign=1.0, frame=0)
def test_float64_values_beyond_float32_refused(gait_model, good, field, magnitude, sign, frame):
  x = np.array(get(good, field), dtype=np.float64)
  x.reshape(T, -1)[frame, -1] = sign * magnitude
  with pytest.raises(jaxid.InputError, match=rf"^{field}: .* at frame {frame} overflows float32"):
    run(gait_model, put(good, field, x))

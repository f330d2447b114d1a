"""Hypothesis strategies for valid trials of the contract on a MuJoCo model.

Every drawn trial has N_FRAMES frames, so each (candidate, precision) compiles once per session.

Kinematics: unit quaternions on free and ball joints, hinge and slide angles strictly inside their
ranges (no joint-limit constraint is active, so qfrc_inverse has no constraint part), bounded qvel
and qacc. Loads: each foot, each frame, in one of the PHASES below, so a trial mixes swing, single
and double support, flight (both feet in swing), contact onsets and the contact rule's edges;
optional ext_forces on random bodies.

Values whose magnitude is below TINY are set to zero: they would be subnormal in float32, which
XLA on CPU flushes to zero, so the float32 candidate and the oracle would disagree about the
contact rule for a reason that is not the candidate's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import hypothesis.extra.numpy as hnp
import mujoco
import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import jaxid
from jaxid.contract import FOOT_FIELDS, LOADS_FIELDS, SIDES
from jaxid.kinematics import couple_kinematics
from jaxid.types import Kinematics, Loads, Trial

N_FRAMES = 8  # one trial length for every drawn trial: one shape, one compilation
TINY = 1e-30  # float32's smallest normal is 1.2e-38; COP sums of three TINY values stay normal

# Phases of one foot in one frame.
#   swing:    grf, cop, moment all exactly zero
#   stance:   cop anywhere near the floor, nonzero grf, free moment
#   cop_zero: cop exactly zero with a nonzero grf and moment: the rule says swing
#   tiny_cop: one cop component 1e-30..1e-6 with a nonzero grf: the rule says stance
PHASES = ("swing", "stance", "cop_zero", "tiny_cop")

QVEL_MAX = 5.0  # rad/s, m/s
QACC_MAX = 50.0  # rad/s^2, m/s^2
GRF_MAX = 1500.0  # N per component
MOMENT_MAX = 30.0  # N m per component
EXT_FORCE_MAX = 200.0  # N
EXT_TORQUE_MAX = 20.0  # N m

# Settings for tests that take function-scoped fixtures (x64, capsys): the profile's values with
# that health check also suppressed (a suppress list replaces the profile's, so repeat it).
SUPPRESS = [
  HealthCheck.too_slow,
  HealthCheck.data_too_large,
  HealthCheck.function_scoped_fixture,
  HealthCheck.differing_executors,
]


def fixture_settings(**kw) -> settings:
  """The loaded profile with function-scoped fixtures allowed (they wrap all examples)."""
  return settings(settings.default, suppress_health_check=SUPPRESS, **kw)


BUNDLED = "gait_lowerbody"


@functools.cache
def model(name: str = BUNDLED) -> jaxid.Model:
  """A model by jaxid.load_model name, loaded once per session (the harness's `--model`)."""
  return jaxid.load_model(name)


def bundled() -> jaxid.Model:
  """The bundled gait model (shared by the strategies' @examples)."""
  return model(BUNDLED)


def _floats(lo: float, hi: float):
  return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False, width=64)


def _flush(a: np.ndarray) -> np.ndarray:
  return np.where(np.abs(a) < TINY, 0.0, a)


def _vec(shape, bound: float):
  return hnp.arrays(np.float64, shape, elements=_floats(-bound, bound)).map(_flush)


def _joint_layout(m: mujoco.MjModel):
  """[(type, qposadr, lo, hi)] per joint; ranges shrunk by 1 % to stay strictly inside."""
  out = []
  for j in range(m.njnt):
    typ = int(m.jnt_type[j])
    lo, hi = (float(x) for x in m.jnt_range[j])
    if not m.jnt_limited[j] or hi <= lo:
      lo, hi = (-np.pi, np.pi) if typ == mujoco.mjtJoint.mjJNT_HINGE else (-0.5, 0.5)
    pad = 0.01 * (hi - lo)
    out.append((typ, int(m.jnt_qposadr[j]), lo + pad, hi - pad))
  return out


def _unit_quat(raw: np.ndarray) -> np.ndarray:
  n = np.linalg.norm(raw)
  if n < 1e-3:
    return np.array([1.0, 0.0, 0.0, 0.0])
  return raw / n


@st.composite
def qpos_frames(draw, m: mujoco.MjModel, n_frames: int = N_FRAMES) -> np.ndarray:
  """[T, nq] valid joint positions."""
  q = np.zeros((n_frames, m.nq))
  for typ, adr, lo, hi in _joint_layout(m):
    if typ == mujoco.mjtJoint.mjJNT_FREE:
      q[:, adr : adr + 2] = draw(hnp.arrays(np.float64, (n_frames, 2), elements=_floats(-3, 3)))
      q[:, adr + 2] = draw(hnp.arrays(np.float64, (n_frames,), elements=_floats(0.3, 1.5)))
      raw = draw(hnp.arrays(np.float64, (n_frames, 4), elements=_floats(-1, 1)))
      q[:, adr + 3 : adr + 7] = np.stack([_unit_quat(r) for r in raw])
    elif typ == mujoco.mjtJoint.mjJNT_BALL:
      raw = draw(hnp.arrays(np.float64, (n_frames, 4), elements=_floats(-1, 1)))
      q[:, adr : adr + 4] = np.stack([_unit_quat(r) for r in raw])
    else:
      q[:, adr] = draw(hnp.arrays(np.float64, (n_frames,), elements=_floats(lo, hi)))
  return q


@st.composite
def foot_loads(draw, n_frames: int = N_FRAMES, phases=None) -> dict:
  """grf, cop, moment [T, 3] of one foot and its phase per frame."""
  if phases is None:
    phases = draw(st.lists(st.sampled_from(PHASES), min_size=n_frames, max_size=n_frames))
  grf = draw(_vec((n_frames, 3), GRF_MAX))
  cop = _flush(draw(hnp.arrays(np.float64, (n_frames, 3), elements=_floats(-2, 2))))
  cop[:, 2] *= 0.05  # near the floor
  moment = draw(_vec((n_frames, 3), MOMENT_MAX))
  for t, ph in enumerate(phases):
    if ph == "swing":
      grf[t] = cop[t] = moment[t] = 0.0
      continue
    if not np.any(grf[t]):
      grf[t, 2] = 700.0  # stance and the rule's edges need a nonzero force
    if ph == "cop_zero":
      cop[t] = 0.0
    elif ph == "tiny_cop":
      axis = draw(st.integers(0, 2))
      sign = draw(st.sampled_from((1.0, -1.0)))
      cop[t] = 0.0
      cop[t, axis] = sign * 10.0 ** draw(st.integers(-30, -6))
    elif not np.any(cop[t]):
      cop[t, 0] = 0.1
  return {"grf": _flush(grf), "cop": cop, "moment": _flush(moment), "phases": tuple(phases)}


@st.composite
def ext_forces(draw, m: mujoco.MjModel, n_frames: int = N_FRAMES) -> np.ndarray:
  """[T, nbody, 6] extra wrenches: all zeros, or on a few random bodies (never the world)."""
  ext = np.zeros((n_frames, m.nbody, 6))
  if not draw(st.booleans()):
    return ext
  bodies = draw(st.lists(st.integers(1, m.nbody - 1), min_size=1, max_size=3, unique=True))
  for b in bodies:
    ext[:, b, :3] = draw(_vec((n_frames, 3), EXT_FORCE_MAX))
    ext[:, b, 3:] = draw(_vec((n_frames, 3), EXT_TORQUE_MAX))
  return ext


@st.composite
def trials(draw, m: mujoco.MjModel | None = None, n_frames: int = N_FRAMES) -> Trial:
  """A valid float64 NumPy Trial of n_frames frames on the C model m (default: bundled).

  On a model with joint equality constraints the coupled joints follow the joints they are
  coupled to (jaxid.kinematics.couple_kinematics): kinematics that violate a constraint have a
  constraint force set by solref/solimp, not by the motion, which is no trial a user would give.
  """
  m = bundled().mj_model if m is None else m
  qpos = draw(qpos_frames(m, n_frames))
  qvel = draw(_vec((n_frames, m.nv), QVEL_MAX))
  qacc = draw(_vec((n_frames, m.nv), QACC_MAX))
  qpos, qvel, qacc = couple_kinematics(m, qpos, qvel, qacc)  # a no-op without joint equalities
  feet = {side: draw(foot_loads(n_frames)) for side in SIDES}
  loads = Loads(
    **{f"{f}_{side}": feet[side][f] for f in FOOT_FIELDS for side in SIDES},
    ext_forces=draw(ext_forces(m, n_frames)),
  )
  return Trial(Kinematics(qpos, qvel, qacc), loads)


# ----------------------------------------------------------------------------------------------
# Edge trials for @example: deterministic, sample-trial kinematics on the named model.


@functools.cache
def _sample(name: str = BUNDLED, n_frames: int = N_FRAMES) -> Trial:
  # seed 2 at 70 ms: left foot swing -> heel strike at frame 4, right foot toe-off after frame 5,
  # so the frames hold single support on each side and double support in between.
  return jaxid.sample_trial(model(name), n_frames=n_frames, seed=2, dt=0.07)


def _with_loads(base: Trial, **loads) -> Trial:
  return base.replace(
    loads=base.loads.replace(**{k: np.asarray(v, np.float64) for k, v in loads.items()})
  )


EDGES = ("sample", "flight", "cop_zero", "tiny_cop", "onset")


@functools.cache
def edge_trial(kind: str, name: str = BUNDLED) -> Trial:
  """A fixed trial on the named model exercising one edge of the contact rule (see EDGES).

  sample:   walking frames of a sample trial: single, double, single support, balanced loads
  flight:   both feet in swing, every load exactly zero
  cop_zero: both COPs exactly zero with nonzero GRFs and free moments: no contact
  tiny_cop: COPs of 1e-30 .. 1e-6 m on one axis with nonzero GRFs: contact, lever arm ~ xpos
  onset:    each foot swings then lands mid-trial (left at frame 3, right at frame 6)
  """
  base = _sample(name)
  n = N_FRAMES
  grf = np.tile([30.0, -20.0, 700.0], (n, 1))
  mom = np.tile([0.0, 0.0, 4.0], (n, 1))
  zero = np.zeros((n, 3))
  if kind == "sample":
    return base
  if kind == "flight":
    return _with_loads(
      base, grf_l=zero, grf_r=zero, cop_l=zero, cop_r=zero, moment_l=zero, moment_r=zero
    )
  if kind == "cop_zero":
    return _with_loads(
      base, grf_l=grf, grf_r=-grf, cop_l=zero, cop_r=zero, moment_l=mom, moment_r=-mom
    )
  if kind == "tiny_cop":
    tiny = np.zeros((n, 3))
    tiny[np.arange(n), np.arange(n) % 3] = 10.0 ** -np.linspace(30, 6, n)
    return _with_loads(
      base, grf_l=grf, grf_r=grf, cop_l=tiny, cop_r=-tiny[::-1], moment_l=mom, moment_r=mom
    )
  if kind == "onset":
    ld = {f"{f}_{s}": np.array(getattr(base.loads, f"{f}_{s}")) for f in FOOT_FIELDS for s in SIDES}
    for side, first in zip(SIDES, (3, 6), strict=True):
      stance_cop = base.kinematics.qpos[:, :3] * [1.0, 1.0, 0.0] + [0.1, 0.05, 0.0]
      ld[f"cop_{side}"] = np.where(np.arange(n)[:, None] >= first, stance_cop, 0.0)
      ld[f"grf_{side}"] = np.where(np.arange(n)[:, None] >= first, grf, 0.0)
      ld[f"moment_{side}"] = np.where(np.arange(n)[:, None] >= first, mom, 0.0)
    return _with_loads(base, **ld)
  raise ValueError(f"kind: expected one of {EDGES}, got {kind!r}")


def with_edges(name: str = BUNDLED) -> Callable[[Callable], Callable]:
  """Decorator: one @example per edge trial of the named model on a @given(trial=...) test."""
  from hypothesis import example

  def decorate(test):
    for kind in reversed(EDGES):
      test = example(trial=edge_trial(kind, name))(test)
    return test

  return decorate


# ----------------------------------------------------------------------------------------------
# Forward-simulation round trips: a start state of a sample trial, joint accelerations to aim
# for, and the foot loads of the sample (some frames' loads dropped: swing) plus ext_forces.


@functools.cache
def long_sample(name: str = BUNDLED) -> Trial:
  """200 frames of the named model's sample trial (seed 0): start states and loads."""
  return jaxid.sample_trial(model(name), n_frames=200, seed=0)


@st.composite
def round_trips(draw, name: str = BUNDLED, n_frames: int = N_FRAMES) -> dict:
  """Inputs of jaxid_parity.oracle.simulate: qpos0, qvel0, qacc_target [T, nv], loads."""
  base = long_sample(name)
  m = model(name).mj_model
  k = draw(st.integers(0, base.n_frames - n_frames))
  window = slice(k, k + n_frames)
  qacc = np.asarray(base.kinematics.qacc[window]) + draw(_vec((n_frames, m.nv), 20.0))
  loads = {f: np.array(getattr(base.loads, f)[window]) for f in LOADS_FIELDS}
  for side in SIDES:
    keep = np.array(draw(st.lists(st.booleans(), min_size=n_frames, max_size=n_frames)))
    for f in FOOT_FIELDS:
      loads[f"{f}_{side}"][~keep] = 0.0  # dropped: swing for that frame
  loads["ext_forces"] = draw(ext_forces(m, n_frames))
  return {
    "start": k,
    "qpos0": np.asarray(base.kinematics.qpos[k]),
    "qvel0": np.asarray(base.kinematics.qvel[k]),
    "qacc_target": qacc,
    "loads": Loads(**loads),
  }

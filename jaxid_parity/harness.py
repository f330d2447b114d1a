"""Running a candidate, the legacy loop and the oracle on one trial, in the active precision.

Inputs are cast to the active precision's dtype before any side sees them (float32 unless the
x64 fixture is on), and the oracle is given the same cast values widened exactly to float64, so
a comparison measures the candidate's arithmetic, not the rounding of its inputs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings

import jax
import mujoco
import numpy as np

from jaxid.contract import EXTRA_SHAPES, OUTPUT_SHAPES, shape_of
from jaxid.types import Trial
from jaxid_parity import compare, oracle

try:
  from jaxid import InputWarning as INPUT_WARNING
except ImportError:  # an older jaxid
  INPUT_WARNING = None

REQUIRED = tuple(OUTPUT_SHAPES)
OPTIONAL = tuple(EXTRA_SHAPES)


def cast(trial: Trial, prec: str | None = None) -> Trial:
  """The trial as NumPy arrays of the precision's dtype."""
  dtype = np.float64 if (prec or compare.precision()) == "float64" else np.float32
  return jax.tree.map(lambda a: np.asarray(a, dtype=dtype), trial)


def digest(trial: Trial) -> str:
  h = hashlib.sha1()
  for leaf in jax.tree.leaves(trial):
    a = np.ascontiguousarray(leaf)
    h.update(str((a.dtype, a.shape)).encode())
    h.update(a.tobytes())
  return h.hexdigest()


class Harness:
  """The session's candidate, legacy and oracle on one model, with memoised legacy/oracle runs."""

  def __init__(
    self,
    candidate,
    spec: str,
    model,
    legacy=None,
    legacy_error: str | None = None,
    model_name: str = "gait_lowerbody",
  ):
    self.candidate = candidate
    self.spec = spec
    self.model = model  # jaxid.Model: mj_model and body_names
    self.model_name = model_name  # its jaxid.load_model name (the harness's --model)
    self.legacy_fn = legacy
    self.legacy_error = legacy_error
    self.printed: list[str] = []  # stdout of every candidate call this session
    self.calls = 0
    self._legacy: dict = {}
    self._oracle: dict = {}
    self._keys: dict = {}

  @property
  def packages(self) -> tuple[str, ...]:
    """Import names of the candidate's code: its spec's top package and its source_packages."""
    top = self.spec.partition(":")[0].split(".")[0]
    return (top, *getattr(self.candidate, "source_packages", ()))

  @property
  def mj_model(self) -> mujoco.MjModel:
    return self.model.mj_model

  @property
  def body_names(self) -> tuple[str, ...]:
    return tuple(self.model.body_names)

  def call(self, kinematics, loads) -> dict:
    """The candidate's raw outputs (stdout captured into self.printed).

    jaxid's InputWarning (a COP far from its foot: likely force-plate frame or units) is
    silenced: drawn trials put COPs anywhere, which the contract allows.
    """
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), warnings.catch_warnings():
      if INPUT_WARNING is not None:
        warnings.simplefilter("ignore", INPUT_WARNING)
      out = self.candidate(self.mj_model, kinematics, loads, self.body_names)
    self.calls += 1
    self.printed.append(buf.getvalue())
    return out

  def run(self, trial: Trial) -> dict[str, np.ndarray]:
    """The candidate on a trial cast to the active precision: NumPy outputs, shapes checked."""
    t = cast(trial)
    out = self.call(t.kinematics, t.loads)
    missing = [k for k in REQUIRED if k not in out]
    assert not missing, f"candidate {self.spec} returned no {missing} (required contract keys)"
    n = t.kinematics.qpos.shape[0]
    res = {}
    for k, v in out.items():
      res[k] = np.asarray(v)
      if k in REQUIRED or k in OPTIONAL:
        want = shape_of(k, self.mj_model, n)
        assert res[k].shape == want, f"candidate output {k}: shape {res[k].shape}, want {want}"
    self._keys.setdefault(compare.precision(), set(res))
    return res

  def output_keys(self) -> set[str]:
    """The keys the candidate returns (one float32 call on an edge trial, cached)."""
    if "float32" not in self._keys:
      from jaxid_parity import strategies

      with jax.enable_x64(False):
        self.run(strategies.edge_trial("sample", self.model_name))
    return self._keys["float32"]

  def oracle(self, trial: Trial) -> dict[str, np.ndarray]:
    """MuJoCo C float64 on the trial cast to the active precision (memoised)."""
    t = cast(trial)
    key = digest(t)
    if key not in self._oracle:
      self._oracle[key] = oracle.run(self.mj_model, t.kinematics, t.loads, self.body_names)
    return self._oracle[key]

  def legacy(self, trial: Trial) -> dict[str, np.ndarray]:
    """legacy/MJX_RunID.py on the trial cast to the active precision (memoised, quiet)."""
    if self.legacy_fn is None:
      import pytest

      pytest.skip(f"legacy/MJX_RunID.py could not be imported: {self.legacy_error}")
    t = cast(trial)
    key = (compare.precision(), digest(t))
    if key not in self._legacy:
      self._legacy[key] = self.legacy_fn(
        self.mj_model, t.kinematics, t.loads, self.body_names, verbose=False
      )
    return self._legacy[key]

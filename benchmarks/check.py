"""Correctness of every benchmark row: MuJoCo C in float64 (the harness's oracle), its policy.

The parity harness's comparison (jaxid_parity.compare): per-key scales (per dof on models with
equality constraints), max |row - oracle| <= RTOL * scale with RTOL float32 1e-5, float64 1e-10.
The oracle runs on the inputs the row saw: a float32 row's trial rounded to float32, then widened
(jaxid_parity.harness.cast), as in the harness.
"""

from __future__ import annotations

import numpy as np

import jaxid
from jaxid_parity import compare, oracle
from jaxid_parity.harness import cast

_REFS: dict[tuple, tuple] = {}


def reference(model: jaxid.Model, trial: jaxid.Trial, dtype: str) -> dict[str, np.ndarray]:
  """The oracle's outputs of trial rounded to dtype (cached; callers pass cached trials)."""
  key = (id(model), id(trial), dtype)
  if key not in _REFS:
    t = cast(trial, dtype)
    ref = oracle.run(model.mj_model, t.kinematics, t.loads, model.body_names)
    _REFS[key] = (trial, ref)  # holding the trial keeps its id unique
  return _REFS[key][1]


def check(
  model: jaxid.Model, trial: jaxid.Trial, out: dict, dtype: str = "float32", keys=None
) -> None:
  """Assert out (one trial's outputs, (T, ...) arrays) equals the oracle at the harness policy."""
  ref = reference(model, trial, dtype)
  scales = compare.scales(ref)
  keys = [k for k in (keys or out) if k in scales and k in out]
  assert keys, "no checked outputs"
  for k in keys:
    compare.assert_close(
      k, np.asarray(out[k]), ref[k], scales[k], label="bench", prec=dtype, record=False
    )

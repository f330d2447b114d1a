"""MyoLeg (jaxid[myo]) for the benchmark rows: the pruned model, its sample trials, the check.

MyoLeg's 14 knee equality constraints are stiff (solimp 0.9999), so float32 round-off in their
rows is multiplied by up to ~1e4 on the knee and its coupled dofs. The whole-array check of the
bundled rows (common.check_close) does not describe that; MyoLeg rows are checked with the parity
harness's policy instead: MuJoCo C float64 (parity_tests.oracle), per-key scales with per-dof
constraint terms (parity_tests.compare.scales), float32 tolerance 1e-5 of the scale.
"""

from __future__ import annotations

import functools

import numpy as np

import jaxid

NAME = "myolegs"
CHECKED = ("joint_forces", "joint_torques", "residuals", "mass_matrix", "contact_force")


def available() -> bool:
  try:
    import myo_sim  # noqa: F401
  except ImportError:
    return False
  return True


@functools.cache
def model() -> jaxid.Model:
  m = jaxid.load_model(NAME)
  m.mjx()  # device model before any trace (Model.mjx caches its first result)
  return m


@functools.cache
def trial(n_frames: int, seed: int = 0) -> jaxid.Trial:
  """A float64 NumPy sample trial of MyoLeg (jaxid.sample_trial; coupled knee joints)."""
  return jaxid.sample_trial(model(), n_frames=n_frames, seed=seed)


@functools.cache
def _oracle(n_frames: int, seed: int, dtype: str) -> dict:
  from parity_tests import oracle
  from parity_tests.harness import cast

  m = model()
  t = cast(trial(n_frames, seed), dtype)  # the inputs the candidate saw (the oracle widens them)
  return oracle.run(m.mj_model, t.kinematics, t.loads, m.body_names)


def check_oracle(out, n_frames: int, seed: int = 0, dtype: str = "float32") -> None:
  """Assert out (the outputs of trial(n_frames, seed)) equals MuJoCo C within the harness policy."""
  from parity_tests import compare

  ref = _oracle(n_frames, seed, dtype)
  scales = compare.scales(ref)
  keys = [k for k in CHECKED if k in out]
  assert keys, "no checked outputs"
  for k in keys:
    compare.assert_close(k, np.asarray(out[k]), ref[k], scales[k], label="myoleg bench", prec=dtype)

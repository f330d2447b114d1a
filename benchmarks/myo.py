"""MyoLeg (jaxid[myo]) for the benchmark rows: the pruned model, its sample trials, the check.

MyoLeg's 14 knee equality constraints are stiff (solimp 0.9999), so float32 round-off in their
rows is multiplied by up to ~1e4 on the knee and its coupled dofs; the harness policy that every
row is checked with (benchmarks/check.py) gives those dofs per-dof scales.
"""

from __future__ import annotations

import functools

import jaxid
from benchmarks.check import check

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
  m.mjx()  # the device model is built once, before any row is timed
  return m


@functools.cache
def trial(n_frames: int, seed: int = 0) -> jaxid.Trial:
  """A float64 NumPy sample trial of MyoLeg (jaxid.sample_trial; coupled knee joints)."""
  return jaxid.sample_trial(model(), n_frames=n_frames, seed=seed)


def check_oracle(out, n_frames: int, seed: int = 0, dtype: str = "float32") -> None:
  """Assert out (the outputs of trial(n_frames, seed)) equals MuJoCo C within the harness policy."""
  check(model(), trial(n_frames, seed), out, dtype, keys=CHECKED)

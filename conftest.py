"""Shared test configuration: Hypothesis profiles, JAX's compilation cache, the x64 fixture."""

from __future__ import annotations

import os
from pathlib import Path

import hypothesis
import jax
import pytest

ROOT = Path(__file__).parent

# Persistent compilation cache: MJX programs compile slowly on CPU; reuse them across runs.
jax.config.update(
  "jax_compilation_cache_dir",
  os.environ.get("JAX_COMPILATION_CACHE_DIR", str(ROOT / ".cache" / "jax")),
)
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)

_ci = hypothesis.settings.get_profile("ci")
hypothesis.settings.register_profile(
  "ci",
  _ci,
  max_examples=8,
  deadline=None,
  print_blob=True,
  derandomize=True,
  database=None,
  suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.data_too_large],
)
hypothesis.settings.register_profile(
  "dev",
  max_examples=20,
  deadline=None,
  print_blob=True,
  suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.data_too_large],
)
hypothesis.settings.register_profile(
  "thorough",
  max_examples=200,
  deadline=None,
  print_blob=True,
  suppress_health_check=[hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.data_too_large],
)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def x64():
  """Run the test with jax_enable_x64 on; restored afterwards."""
  with jax.enable_x64(True):
    yield


@pytest.fixture(scope="session")
def gait_model():
  import jaxid

  return jaxid.load_model("gait_lowerbody")


@pytest.fixture(scope="session")
def sample(gait_model):
  """The bundled model's 200-frame sample trial (float64 NumPy)."""
  import jaxid

  return jaxid.sample_trial(gait_model, n_frames=200, seed=0)

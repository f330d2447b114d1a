"""Shared test configuration: JAX's compilation cache, the bundled model and its sample trial.

The Hypothesis profiles, the x64 fixture and the parity harness's options and fixtures come from
the plugin jaxid_parity.plugin (also what `jaxid check` runs the harness with).
"""

from __future__ import annotations

import os
from pathlib import Path

import jax
import pytest

ROOT = Path(__file__).parent
pytest_plugins = ("jaxid_parity.plugin",)

# Persistent compilation cache: MJX programs compile slowly on CPU; reuse them across runs.
# JAXID_NO_PERSISTENT_CACHE=1 leaves it off (to time cold compiles). The full-suite aborts once
# blamed on it were memory-map exhaustion (see jaxid_parity.plugin.release_programs).
if not os.environ.get("JAXID_NO_PERSISTENT_CACHE"):
  jax.config.update(
    "jax_compilation_cache_dir",
    os.environ.get("JAX_COMPILATION_CACHE_DIR", str(ROOT / ".cache" / "jax")),
  )
  jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
  jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)


@pytest.fixture(scope="session")
def gait_model():
  import jaxid

  return jaxid.load_model("gait_lowerbody")


@pytest.fixture(scope="session")
def sample(gait_model):
  """The bundled model's 200-frame sample trial (float64 NumPy)."""
  import jaxid

  return jaxid.sample_trial(gait_model, n_frames=200, seed=0)


def pytest_collection_finish(session):
  """No test module may switch the session to float64 at import (jax.config.update at module
  level): float64 comes only from the x64 fixture or jax.enable_x64 around a test."""
  if jax.config.jax_enable_x64:
    raise pytest.UsageError(
      "a test module turned jax_enable_x64 on at import; use the x64 fixture or jax.enable_x64"
    )


@pytest.fixture(scope="module")
def float64_module():
  """float64 for a whole module (module-scoped, so Hypothesis tests may use it); restored after."""
  with jax.enable_x64(True):
    yield

"""Fixtures of the benchmark suites: the bundled model and its sample trials.

The repository's conftest.py (loaded first) turns on JAX's persistent compilation cache.
"""

from __future__ import annotations

import functools
import os
import platform

import jax
import mujoco
import numpy as np
import pytest

import jaxid
from benchmarks.common import CFG, MODE, stack


@functools.cache
def model() -> jaxid.Model:
  m = jaxid.load_model("gait_lowerbody")
  m.mjx()  # the device model is built once, before any row is timed
  return m


@functools.cache
def trial(n_frames: int, seed: int = 0) -> jaxid.Trial:
  """A float64 NumPy sample trial of the bundled model."""
  return jaxid.sample_trial(model(), n_frames=n_frames, seed=seed)


def batch_seeds(batch: int) -> list[int]:
  """Seeds of a batch: CFG.distinct_trials distinct trials, tiled (values do not change timing)."""
  return [i % CFG.distinct_trials for i in range(batch)]


@functools.cache
def batch_trial(batch: int, n_frames: int) -> jaxid.Trial:
  return stack([trial(n_frames, s) for s in batch_seeds(batch)])


@pytest.fixture(scope="session")
def gait():
  return model()


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory):
  """Empty persistent-cache directories of the compile rows (one per program, under here)."""
  return tmp_path_factory.mktemp("compile-cache")


_LOAD_START = os.getloadavg()


def pytest_benchmark_update_machine_info(config, machine_info):
  """Versions and load: the report prints them next to the figures."""
  import jaxlib
  from mujoco import mjx  # noqa: F401

  machine_info["versions"] = {
    "jax": jax.__version__,
    "jaxlib": jaxlib.__version__,
    "mujoco": mujoco.__version__,
    "mujoco_mjx": _dist_version("mujoco-mjx"),
    "numpy": np.__version__,
    "python": platform.python_version(),
  }
  machine_info["devices"] = [str(d) for d in jax.devices()]
  machine_info["cpu_count"] = os.cpu_count()
  machine_info["loadavg_start"] = list(_LOAD_START)
  machine_info["loadavg_end"] = list(os.getloadavg())
  machine_info["bench_mode"] = MODE


def _dist_version(name: str) -> str:
  from importlib import metadata

  try:
    return metadata.version(name)
  except metadata.PackageNotFoundError:
    return "?"

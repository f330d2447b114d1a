"""The C-loop peer: mj_inverse over every frame in C (benchmarks/cloop.c), no Python per frame.

The issue's yardstick for "faster than MuJoCo C" without the Python loop's overhead: one ctypes
call per trial. It computes joint_torques (and residuals, its first six) only, in float64, and
is built on first use with the system C compiler against the headers and libmujoco that the
installed mujoco package ships, into .cache/cloop/ (keyed by the source and MuJoCo version).
Without a C compiler `build()` raises RuntimeError naming the missing tool.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import mujoco
import numpy as np

from jaxid.contract import SIDES, has_free_root

SRC = Path(__file__).with_name("cloop.c")
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "cloop"
_LIB: ctypes.CDLL | None = None
_P = ctypes.c_void_p


def _mujoco_dirs() -> tuple[Path, Path]:
  """(include dir, libmujoco.so.* path) of the installed mujoco package."""
  pkg = Path(mujoco.__file__).parent
  libs = sorted(pkg.glob("libmujoco.so*"))
  if not libs or not (pkg / "include" / "mujoco" / "mujoco.h").exists():
    raise RuntimeError(f"cloop: the mujoco package at {pkg} has no headers or libmujoco")
  return pkg / "include", libs[0]


def build() -> ctypes.CDLL:
  """Compile cloop.c (once per source and MuJoCo version) and load it."""
  global _LIB
  if _LIB is not None:
    return _LIB
  cc = shutil.which(os.environ.get("CC", "cc"))
  if cc is None:
    raise RuntimeError("cloop: no C compiler (set CC or install cc) to build benchmarks/cloop.c")
  inc, lib = _mujoco_dirs()
  key = hashlib.sha256(SRC.read_bytes() + mujoco.__version__.encode()).hexdigest()[:16]
  so = CACHE / f"cloop-{key}.so"
  if not so.exists():
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = so.with_suffix(f".{os.getpid()}.tmp")
    cmd = [cc, "-O2", "-shared", "-fPIC", str(SRC), "-I", str(inc), str(lib)]
    subprocess.run([*cmd, "-Wl,-rpath," + str(lib.parent), "-o", str(tmp)], check=True)
    os.replace(tmp, so)  # atomic: a concurrent build never loads a half-written library
  _LIB = ctypes.CDLL(str(so))
  _LIB.jaxid_cloop_torques.restype = None
  _LIB.jaxid_cloop_torques.argtypes = [_P, _P, ctypes.c_int, *[_P] * 9]
  return _LIB


def _f64(x) -> np.ndarray:
  return np.ascontiguousarray(np.asarray(x, dtype=np.float64))


class CLoop:
  """Inputs copied to float64 once; run() is one C call over all frames."""

  def __init__(self, mj_model: mujoco.MjModel, body_ids, trial):
    self.lib = build()
    self.m, self.d = mj_model, mujoco.MjData(mj_model)
    kin, ld = trial.kinematics, trial.loads
    self.q, self.v, self.a = (_f64(x) for x in (kin.qpos, kin.qvel, kin.qacc))
    self.n = self.q.shape[0]
    foot = lambda f: _f64(np.stack([getattr(ld, f"{f}_{s}") for s in SIDES], axis=1))
    self.grf, self.cop, self.mom = foot("grf"), foot("cop"), foot("moment")
    ext = _f64(ld.ext_forces)
    self.ext = ext if np.any(ext) else None  # NULL: the C loop skips the body sweep
    self.feet = np.asarray(body_ids, dtype=np.int32)
    self.tau = np.zeros((self.n, mj_model.nv))
    self.free = has_free_root(mj_model)

  def run(self) -> dict:
    """{"joint_torques": (T, nv), "residuals": (T, 6) with a free root}; float64."""
    ptr = lambda x: x.ctypes.data if x is not None else None
    self.lib.jaxid_cloop_torques(
      self.m._address,
      self.d._address,
      self.n,
      *(ptr(x) for x in (self.q, self.v, self.a, self.grf, self.cop, self.mom, self.ext)),
      ptr(self.feet),
      ptr(self.tau),
    )
    out = {"joint_torques": self.tau.copy()}
    if self.free:
      out["residuals"] = out["joint_torques"][:, :6]
    return out

"""Candidates of the contract: `(mj_model, kinematics, loads, body_names) -> dict of outputs`.

The default candidate is jaxid through the thin adapter below. A candidate returns JAX or NumPy
arrays, one per contract key (joint_torques and residuals are optional); to pass the checklist's
ML tests it must also be traceable (callable under jax.jit / grad / vmap with tracers for the
kinematics and loads).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import jaxid
from jaxid import options
from jaxid.contract import LOADS_FIELDS
from jaxid.model import FOOT_NAMES, from_mj_model

_MODELS: dict = {}


def jaxid_model(mj_model, body_names=FOOT_NAMES) -> jaxid.Model:
  """jaxid's Model of an MjModel, cached so its MJX model is built once per precision."""
  key = (id(mj_model), tuple(body_names))
  hit = _MODELS.get(key)
  if hit is None or hit.mj_model is not mj_model:
    hit = _MODELS[key] = from_mj_model(mj_model, tuple(body_names))
  return hit


def _trial(kinematics, loads) -> jaxid.Trial:
  """The harness's kinematics and loads as a jaxid.Trial (the arrays as given)."""
  return jaxid.Trial(
    jaxid.Kinematics(kinematics.qpos, kinematics.qvel, kinematics.qacc),
    jaxid.Loads(**{k: getattr(loads, k) for k in LOADS_FIELDS}),
  )


def jaxid_candidate(mj_model, kinematics, loads, body_names=FOOT_NAMES) -> dict:
  """jaxid.inverse_dynamics on one trial (leading axis T); every output, JAX arrays."""
  model = jaxid_model(mj_model, body_names)
  trial = _trial(kinematics, loads)
  # validate=False: the harness draws the contact rule's edges on purpose (a force with an all-zero
  # COP, which the boundary check refuses as a data error) to test the traced contract itself.
  # backend="mjx": the guide's migration target (the scan over MJX), the program the checklist
  # certifies; the tree backend is checked by its own paths (test_parity_paths) and by the
  # checklist with jaxid_tree_candidate (nox -s tree_checklist, in CI).
  return dict(jaxid.inverse_dynamics(model, trial, validate=False, **_mjx()))


def jaxid_tree_candidate(mj_model, kinematics, loads, body_names=FOOT_NAMES) -> dict:
  """jaxid.inverse_dynamics with backend="tree" on one trial (leading axis T); every output.

  The checklist and the parity suite on the tree backend: `--candidate
  jaxid_parity.adapters:jaxid_tree_candidate`."""
  model = jaxid_model(mj_model, body_names)
  trial = _trial(kinematics, loads)
  return dict(jaxid.inverse_dynamics(model, trial, validate=False, backend="tree"))


def _mjx() -> dict:
  """backend="mjx" where jaxid has the option (older jaxid: MJX only)."""
  return {"backend": "mjx"} if hasattr(options, "BACKENDS") else {}


def _backends() -> tuple[str, ...]:
  """jaxid's backends other than "auto" (("mjx",) before jaxid had a backend option)."""
  return tuple(b for b in getattr(options, "BACKENDS", ("mjx",)) if b != "auto")


def jaxid_paths(
  mj_model,
  kinematics,
  loads,
  body_names=FOOT_NAMES,
  *,
  schedule: str = "auto",
  backend: str | None = None,
  remat: bool = False,
  check_finite: bool = False,
) -> dict:
  """One execution path of jaxid: a trial (leading axis T) through inverse_dynamics, or a batch
  (leading axes B, T) through inverse_dynamics_batched, with the given schedule and backend."""
  model = jaxid_model(mj_model, body_names)
  trial = _trial(kinematics, loads)
  kw = dict(schedule=schedule, remat=remat, check_finite=check_finite, validate=False)
  if hasattr(options, "BACKENDS"):  # jaxid with the backend option
    kw["backend"] = backend or "auto"
  elif backend not in (None, "mjx"):
    raise ValueError(f"this jaxid has no backend {backend!r}")
  batched = len(getattr(kinematics.qpos, "shape", ())) == 3
  fn = jaxid.inverse_dynamics_batched if batched else jaxid.inverse_dynamics
  return dict(fn(model, trial, **kw))


def jaxid_unsupported(mj_model, backend: str) -> str | None:
  """Why a backend refuses a model (jaxid.tree.unsupported), None when it runs it."""
  if backend != "tree":
    return None
  import jaxid.tree

  return jaxid.tree.unsupported(mj_model)


# The execution paths the harness certifies one by one (jaxid_parity.suite.test_parity_paths):
# paths(mj_model, kinematics, loads, body_names, *, schedule, backend, remat, check_finite).
jaxid_candidate.paths = jaxid_paths
jaxid_candidate.schedules = options.SCHEDULES
jaxid_candidate.backends = _backends()
jaxid_candidate.unsupported = jaxid_unsupported  # a backend's declared limits: skipped, not run

# Packages whose every module the checklist's static checks read (no `_impl` anywhere in jaxid);
# the functions a candidate actually runs under tracing are found from its jaxpr.
jaxid_candidate.source_packages = ("jaxid",)

DEFAULT = "jaxid_parity.adapters:jaxid_candidate"


def load(spec: str) -> Callable:
  """The function named by 'package.module:function'."""
  mod, sep, name = spec.partition(":")
  if not sep or not mod or not name:
    raise ValueError(f"--candidate: expected 'package.module:function', got {spec!r}")
  fn = importlib.import_module(mod)
  for part in name.split("."):
    fn = getattr(fn, part)
  if not callable(fn):
    raise ValueError(f"--candidate: {spec!r} is not callable")
  return fn

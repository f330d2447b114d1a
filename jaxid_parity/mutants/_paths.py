"""A correct candidate with every execution path, and switches for mistakes that hide.

Like jaxid, a plain call on one trial vmaps its frames ("auto"); `candidate.paths(...,
schedule=, backend=, remat=, check_finite=)` runs any schedule ("scan", "vmap", "chunked",
"auto"), on one trial or on a batch (leading axes B, T: "auto" scans the frames, vmapped over
B). Each switch of Hidden is one mistake that the default path or a jaxpr's tracebacks do not
show: a physics mistake of the scan path only, or a checklist anti-pattern kept in a helper that
emits no traced operation, behind an alias, or in a host callback, with correct outputs.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import logging
from collections.abc import Callable
from time import perf_counter as now

import jax
import jax.numpy as jnp
from jax.experimental import checkify
from mujoco import mjx

from jaxid.contract import LOADS_FIELDS, SIDES, safe_norm
from jaxid.model import FOOT_NAMES, body_ids
from jaxid.options import CHUNK
from jaxid_parity.mutants._base import _cfrc_ext, _mjx_model

LOG = logging.getLogger("jaxid_parity.mutants")
UNITS = {"N": 1.0, "kN": 1000.0}  # force-plate units, in newtons
STAMPS: dict = {}


@dataclasses.dataclass(frozen=True)
class Hidden:
  scan_carries_xfrc: bool = False  # scan path: wrenches added onto the carried xfrc_applied
  unrolled: bool = False  # item 1: a Python loop over the frames (one copy of each in the jaxpr)
  clock: bool = False  # item 2: `from time import perf_counter as now`, read in a helper
  float_units: bool = False  # item 3: float() of the force unit in a helper
  try_compat: bool = False  # item 4: try/except AttributeError in a version shim
  builtin_sum: bool = False  # item 5: builtins.sum for the contact test's COP magnitude
  private_getattr: bool = False  # item 6: getattr(d, "_impl").M in a helper
  host_log: bool = False  # item 7: a progress log line through jax.debug.callback
  append_wrenches: bool = False  # item 8: foot wrenches collected with list.append


def _stamp() -> None:
  """Trace-time profiling: when this frame was traced."""
  STAMPS["traced"] = now()


def _newtons_per(unit: str = "N") -> float:
  return float(UNITS[unit])


def _mass_matrix_fn() -> Callable:
  """mjx.full_m, or its older name (a version shim)."""
  try:
    return mjx.full_m
  except AttributeError:
    return mjx.full_M


def _cop_size(cop):
  return builtins.sum(jnp.abs(cop))


def _private_mass(d):
  return getattr(d, "_impl").M  # noqa: B009 (the alias the detector must resolve)


def _log_frames(n) -> None:
  LOG.debug("%s frames done", n)


def _progress(frames) -> None:
  jax.debug.callback(_log_frames, frames.shape[0])


def _wrenches(feet, terms) -> list:
  out = []
  for b, side in zip(feet, SIDES, strict=True):
    out.append((b, terms[side]))
  return out


def _frame(m, d, xs, feet, h: Hidden, carried=None):
  """One frame: (new data, outputs); carried: the scan carry's xfrc_applied (the scan bug)."""
  (qpos, qvel, qacc), ld, _ = xs
  d = mjx.inverse(m, d.replace(qpos=qpos, qvel=qvel, qacc=qacc))
  if h.clock:
    _stamp()
  unit = _newtons_per("N") if h.float_units else 1.0
  xfrc = ld["ext_forces"] if carried is None else carried + ld["ext_forces"]
  out, terms = {}, {}
  for side, b in zip(SIDES, feet, strict=True):
    cop, grf, mom = ld[f"cop_{side}"], ld[f"grf_{side}"] * unit, ld[f"moment_{side}"]
    contact = (_cop_size(cop) if h.builtin_sum else jnp.sum(jnp.abs(cop))) > 0.0
    wrench = jnp.concatenate([grf, jnp.cross(cop - d.xipos[b], grf) + mom])
    terms[side] = jnp.where(contact, wrench, 0.0)
    r = cop - d.xpos[b]
    out[f"moment_calcn_{side}"] = jnp.where(contact, jnp.cross(r, grf), 0.0)
    out[f"distance_calcn_{side}"] = jnp.where(contact, safe_norm(r), 0.0)
  pairs = _wrenches(feet, terms) if h.append_wrenches else zip(feet, terms.values(), strict=True)
  for b, w in pairs:
    xfrc = xfrc.at[b].add(w)
  d = d.replace(xfrc_applied=xfrc)
  tau = d.qfrc_inverse - mjx.xfrc_accumulate(m, d)
  out |= {"joint_forces": d.qfrc_inverse, "joint_torques": tau, "residuals": tau[:6]}
  out["contact_force"] = _cfrc_ext(m, d)
  if h.private_getattr:
    out["mass_matrix"] = _private_mass(d)
  else:
    out["mass_matrix"] = (_mass_matrix_fn() if h.try_compat else mjx.full_m)(m, d)
  return d, out


def _frames(m, kin, ld, feet, h: Hidden, schedule: str, remat: bool, checks: bool) -> dict:
  """One trial's outputs with a resolved schedule."""
  n = kin[0].shape[0]
  xs = (kin, ld, jnp.arange(n))
  data = mjx.make_data(m)
  if h.host_log:
    _progress(xs[2])

  def step(d, x):
    d, out = _frame(m, d, x, feet, h, d.xfrc_applied if h.scan_carries_xfrc else None)
    if checks:
      for k, v in out.items():
        checkify.check(jnp.all(jnp.isfinite(v)), f"non-finite {k}")
    return d, out

  if remat:
    step = jax.checkpoint(step)
  if schedule == "scan":
    return jax.lax.scan(step, data, xs)[1]
  one = lambda x: step(data, x)[1]  # every frame from fresh data
  if schedule == "vmap":
    if h.unrolled:
      outs = [one(jax.tree.map(lambda a, t=t: a[t], xs)) for t in range(n)]
      return jax.tree.map(lambda *y: jnp.stack(y), *outs)
    return jax.vmap(one)(xs)
  pad = (-n) % CHUNK  # chunked: a scan over chunks of CHUNK vmapped frames, last frame repeated
  grow = lambda a: jnp.concatenate([a, jnp.repeat(a[-1:], pad, axis=0)]) if pad else a
  chunks = jax.tree.map(lambda a: grow(a).reshape((-1, CHUNK, *a.shape[1:])), xs)
  out = jax.lax.scan(lambda c, x: (c, jax.vmap(one)(x)), None, chunks)[1]
  return jax.tree.map(lambda y: y.reshape((-1, *y.shape[2:]))[:n], out)


@functools.partial(jax.jit, static_argnames=("feet", "h", "schedule", "remat", "checks", "batched"))
def _run(m, kin, ld, feet, h, schedule, remat, checks, batched):
  if schedule == "auto":
    schedule = "scan" if batched else "vmap"
  fn = functools.partial(_frames, m, feet=feet, h=h, schedule=schedule, remat=remat, checks=checks)
  return jax.vmap(fn)(kin, ld) if batched else fn(kin, ld)


def make_candidate(h: Hidden, name: str) -> Callable[..., dict]:
  """A candidate `(mj_model, kinematics, loads, body_names) -> dict`, with `.paths`."""

  def paths(
    mj_model,
    kinematics,
    loads,
    body_names=FOOT_NAMES,
    *,
    schedule="auto",
    backend=None,
    remat=False,
    check_finite=False,
  ) -> dict:
    if backend not in (None, "mjx"):
      raise ValueError(f"{name}: no backend {backend!r}")
    feet = tuple(int(b) for b in body_ids(mj_model, tuple(body_names)))
    kin = tuple(jnp.asarray(getattr(kinematics, k)) for k in ("qpos", "qvel", "qacc"))
    ld = {k: jnp.asarray(getattr(loads, k)) for k in LOADS_FIELDS}
    static = dict(feet=feet, h=h, schedule=schedule, remat=remat, checks=check_finite)
    run = functools.partial(_run, **static, batched=kin[0].ndim == 3)
    if not check_finite:
      return dict(run(_mjx_model(mj_model), kin, ld))
    err, out = checkify.checkify(run, errors=checkify.user_checks)(_mjx_model(mj_model), kin, ld)
    err.throw()
    return dict(out)

  def candidate(mj_model, kinematics, loads, body_names=FOOT_NAMES) -> dict:
    return paths(mj_model, kinematics, loads, body_names)

  candidate.__name__ = candidate.__qualname__ = name
  candidate.paths = paths
  candidate.schedules = ("auto", "scan", "vmap", "chunked")
  candidate.backends = ("mjx",)
  return candidate


reference = make_candidate(Hidden(), "paths_reference")

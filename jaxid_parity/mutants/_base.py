"""A correct lax.scan implementation of the contract, with switches for plausible migration bugs.

Every mutant in this package is `make_candidate(<one bug>)`: the same code as the correct
`reference` candidate except for one mistake a user converting MJX_RunID.py could make. The
harness must kill each one (`nox -s mutants`). The code uses MJX's public API only (except the
one mutant that reads a private field on purpose).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
from mujoco import mjx

from jaxid.contract import LOADS_FIELDS, SIDES, safe_norm
from jaxid.model import FOOT_NAMES, body_ids


@dataclasses.dataclass(frozen=True)
class Bugs:
  stale_xpos: bool = False  # foot positions read from the carried (previous frame's) data
  torque_about_xpos: bool = False  # wrench torque about the body origin, not its COM
  drop_free_moment: bool = False  # the free moment never enters the wrench
  contact_ge: bool = False  # sum(|cop|) >= 0 instead of > 0: every frame is "in contact"
  cross_swapped: bool = False  # moment = grf x r instead of r x grf
  swap_qvel_qacc: bool = False  # scan inputs unpacked in the wrong order
  float32_loads: bool = False  # loads passed through float32 (harmless unless x64 is on)
  mass_lower: bool = False  # mass matrix: lower triangle only (a half-filled dense copy)
  mass_private_qld: bool = False  # mass matrix from the private factor qLD, not M
  shift_frame: bool = False  # outputs emitted one frame late (from the carry)
  ignore_ext_forces: bool = False  # ext_forces dropped from xfrc_applied
  residuals_from_qfrc_inverse: bool = False  # residuals = qfrc_inverse[:6], loads ignored
  constraints_dropped: bool = False  # constraints disabled "because contact is off anyway"


def _cfrc_ext(m, d):
  """(nbody, 6) cfrc_ext of xfrc_applied: [torque - offset x f, f] about subtree_com[root]."""
  f, torque = d.xfrc_applied[:, :3], d.xfrc_applied[:, 3:]
  offset = d.subtree_com[jnp.asarray(m.body_rootid)] - d.xipos
  return jnp.concatenate([torque - jnp.cross(offset, f), f], axis=-1).at[0].set(0.0)


def _private_factor(d):
  """The mutant's wrong field: MJX's private dense factor qLD (not the mass matrix)."""
  return d._impl.qLD


def _frame(m, carry, xs, feet, bugs: Bugs):
  kin, ld = xs
  qpos, qvel, qacc = kin
  if bugs.swap_qvel_qacc:
    qvel, qacc = qacc, qvel
  if bugs.float32_loads:
    ld = {k: v.astype(jnp.float32).astype(v.dtype) for k, v in ld.items()}
  d = carry.replace(qpos=qpos, qvel=qvel, qacc=qacc)
  d = mjx.inverse(m, d)
  pos = carry if bugs.stale_xpos else d  # where the foot positions are read
  xfrc = jnp.zeros_like(ld["ext_forces"]) if bugs.ignore_ext_forces else ld["ext_forces"]
  out = {}
  for side, b in zip(SIDES, feet, strict=True):
    cop, grf, mom = ld[f"cop_{side}"], ld[f"grf_{side}"], ld[f"moment_{side}"]
    s = jnp.sum(jnp.abs(cop))
    contact = s >= 0.0 if bugs.contact_ge else s > 0.0
    anchor = pos.xpos[b] if bugs.torque_about_xpos else pos.xipos[b]
    torque = jnp.cross(cop - anchor, grf)
    if not bugs.drop_free_moment:
      torque = torque + mom
    xfrc = xfrc.at[b].add(jnp.where(contact, jnp.concatenate([grf, torque]), 0.0))
    r = cop - pos.xpos[b]
    moment = jnp.cross(grf, r) if bugs.cross_swapped else jnp.cross(r, grf)
    out[f"moment_calcn_{side}"] = jnp.where(contact, moment, 0.0)
    out[f"distance_calcn_{side}"] = jnp.where(contact, safe_norm(r), 0.0)
  d = d.replace(xfrc_applied=xfrc)
  tau = d.qfrc_inverse - mjx.xfrc_accumulate(m, d)
  out["joint_forces"] = d.qfrc_inverse
  out["joint_torques"] = tau
  out["residuals"] = d.qfrc_inverse[:6] if bugs.residuals_from_qfrc_inverse else tau[:6]
  out["contact_force"] = _cfrc_ext(m, d)
  if bugs.mass_private_qld:
    out["mass_matrix"] = _private_factor(d)
  else:
    full = mjx.full_m(m, d)
    out["mass_matrix"] = jnp.tril(full) if bugs.mass_lower else full
  return d, out


@functools.partial(jax.jit, static_argnames=("feet", "bugs"))
def _run(m, kin, ld, feet, bugs: Bugs):
  if bugs.constraints_dropped:  # no qfrc_constraint: MyoLeg's knee equalities vanish
    m = m.replace(opt=m.opt.replace(disableflags=m.opt.disableflags | mjx.DisableBit.CONSTRAINT))
  step = functools.partial(_frame, m, feet=feet, bugs=bugs)
  _, out = jax.lax.scan(step, mjx.make_data(m), (kin, ld))
  if bugs.shift_frame:
    out = jax.tree.map(lambda y: jnp.concatenate([y[:1], y[:-1]]), out)
  return out


_MODELS: dict = {}


def _mjx_model(mj_model):
  key = (id(mj_model), bool(jax.config.jax_enable_x64))
  hit = _MODELS.get(key)
  if hit is None or hit[0] is not mj_model:
    with jax.ensure_compile_time_eval():
      hit = _MODELS[key] = (mj_model, mjx.put_model(mj_model))
  return hit[1]


def make_candidate(bugs: Bugs, name: str) -> Callable[..., dict]:
  """A candidate `(mj_model, kinematics, loads, body_names) -> dict` with the given bugs."""

  def candidate(mj_model, kinematics, loads, body_names=FOOT_NAMES) -> dict:
    feet = tuple(int(b) for b in body_ids(mj_model, tuple(body_names)))
    kin = (jnp.asarray(kinematics.qpos), jnp.asarray(kinematics.qvel), jnp.asarray(kinematics.qacc))
    ld = {k: jnp.asarray(getattr(loads, k)) for k in LOADS_FIELDS}
    return dict(_run(_mjx_model(mj_model), kin, ld, feet, bugs))

  candidate.__name__ = candidate.__qualname__ = name
  return candidate


reference = make_candidate(Bugs(), "reference")

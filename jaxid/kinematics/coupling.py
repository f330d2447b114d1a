"""Joints coupled by MuJoCo joint equality constraints, NumPy or JAX through one code path.

An active ``<equality><joint joint1="j1" joint2="j2" polycoef="c0..c4"/>`` holds
q1 = q1_0 + p(q2 - q2_0), p(x) = sum_k c_k x**k (a constant without joint2). MyoLeg couples
its knee's and patella's secondary joints to knee_angle_{r,l} this way (OpenSim's
CoordinateCouplerConstraints). Chains (j2 itself coupled) are resolved: sources first for
positions and derivatives, dependents first for projected forces; a cycle is an InputError.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from jaxid.contract import Array
from jaxid.errors import InputError


@dataclasses.dataclass(frozen=True)
class Coupling:
  """qpos[qpos] = qpos0[qpos] + poly(qpos[source] - qpos0[source]) (a MuJoCo joint equality).

  joint: the dependent joint's name; qpos, dof: its addresses; source, source_dof: the
  independent joint's (-1 for a constant); polycoef: c0..c4; depth: how many coupled joints
  lie between it and an independent one (0 for MyoLeg's).
  """

  joint: str
  qpos: int
  source: int
  polycoef: tuple[float, ...]
  dof: int = -1
  source_dof: int = -1
  depth: int = 0


def couplings(mj_model: mujoco.MjModel) -> tuple[Coupling, ...]:
  """The model's active joint equalities, sources before dependents (stable, equality order)."""
  m = mj_model
  found: dict[int, tuple[int, tuple[float, ...]]] = {}
  for e in range(m.neq):
    if int(m.eq_type[e]) != int(mujoco.mjtEq.mjEQ_JOINT) or not bool(m.eq_active0[e]):
      continue
    j1, j2 = int(m.eq_obj1id[e]), int(m.eq_obj2id[e])
    if j1 in found:
      raise InputError(
        f"mj_model: joint {m.joint(j1).name!r} is coupled by more than one joint equality."
      )
    found[j1] = (j2, tuple(float(v) for v in m.eq_data[e, :5]))

  def depth(j: int, seen: tuple[int, ...] = ()) -> int:
    if j in seen:
      names = [m.joint(i).name for i in seen]
      raise InputError(f"mj_model: joint equality constraints form a cycle through {names}.")
    src = found[j][0]
    return 0 if src not in found else 1 + depth(src, (*seen, j))

  out = []
  for j1, (j2, poly) in found.items():
    src_q, src_v = (int(m.jnt_qposadr[j2]), int(m.jnt_dofadr[j2])) if j2 >= 0 else (-1, -1)
    q1, v1 = int(m.jnt_qposadr[j1]), int(m.jnt_dofadr[j1])
    out.append(Coupling(m.joint(j1).name, q1, src_q, poly, v1, src_v, depth(j1)))
  return tuple(sorted(out, key=lambda c: c.depth))


def _poly(c, x):
  """p(x), p'(x), p''(x) of MuJoCo's joint coupling polynomial sum_k c[k] x**k."""
  p = c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * c[4])))
  dp = c[1] + x * (2 * c[2] + x * (3 * c[3] + x * 4 * c[4]))
  ddp = 2 * c[2] + x * (6 * c[3] + x * 12 * c[4])
  return p, dp, ddp


def _xp(*arrays):
  """jax.numpy when any array is a JAX array (or tracer), else numpy."""
  return jnp if any(isinstance(a, jax.Array) for a in arrays) else np


def _set(x, i, value, xp):
  """x with x[..., i] = value (in place for NumPy)."""
  if xp is np:
    x[..., i] = value
    return x
  return x.at[..., i].set(value)


def _copy(x, xp):
  return None if x is None else (np.array(x, float, copy=True) if xp is np else jnp.asarray(x))


def couple_kinematics(
  mj_model: mujoco.MjModel,
  qpos: Array,
  qvel: Array | None = None,
  qacc: Array | None = None,
  given: Collection[str] = (),
) -> tuple[Array, Array | None, Array | None]:
  """Set each joint that a joint equality couples from the joint it follows.

  q1 = q1_0 + p(x), qvel1 = p'(x) qvel2, qacc1 = p'(x) qacc2 + p''(x) qvel2**2 with
  x = q2 - q2_0, in chain order. Arrays (..., nq) / (..., nv); given: names of coupled joints
  whose qpos is kept as passed (read from a file). Returns (qpos, qvel, qacc), None where the
  argument was None: float64 NumPy copies, or JAX arrays when any input is one.
  """
  xp = _xp(qpos, qvel, qacc)
  qpos, qvel, qacc = (_copy(x, xp) for x in (qpos, qvel, qacc))
  qpos0 = mj_model.qpos0
  for c in couplings(mj_model):
    if c.source < 0:
      x, v2, a2 = 0.0, 0.0, 0.0
    else:
      x = qpos[..., c.source] - float(qpos0[c.source])
      v2 = 0.0 if qvel is None else qvel[..., c.source_dof]
      a2 = 0.0 if qacc is None else qacc[..., c.source_dof]
    p, dp, ddp = _poly(c.polycoef, x)
    if c.joint not in given:
      qpos = _set(qpos, c.qpos, float(qpos0[c.qpos]) + p, xp)
    if qvel is not None:
      qvel = _set(qvel, c.dof, dp * v2, xp)
    if qacc is not None:
      qacc = _set(qacc, c.dof, dp * a2 + ddp * v2 * v2, xp)
  return qpos, qvel, qacc


def project_coupled(mj_model: mujoco.MjModel, qpos: Array, qfrc: Array) -> Array:
  """Generalized forces on the independent coordinates: G' qfrc, with G = dq/dq_independent.

  Each coupled dof's entry times p'(x) is added to the joint it follows (dependents first, so
  chains accumulate), and set to 0. For MyoLeg this gives the OpenSim knee_angle moment. It
  removes the joint equality constraint forces exactly (G' J' = 0), so the result does not
  depend on their solref/solimp, unlike the raw entries of qfrc_inverse on the knee and its
  coupled dofs. qpos (..., nq), qfrc (..., nv): float64 NumPy in and out, or JAX (jit, grad,
  vmap) when either is a JAX array.
  """
  xp = _xp(qpos, qfrc)
  qpos = np.asarray(qpos, float) if xp is np else jnp.asarray(qpos)
  out = _copy(qfrc, xp)
  for c in sorted(couplings(mj_model), key=lambda c: c.depth, reverse=True):
    if c.source >= 0:
      dp = _poly(c.polycoef, qpos[..., c.source] - float(mj_model.qpos0[c.source]))[1]
      out = _set(out, c.source_dof, out[..., c.source_dof] + dp * out[..., c.dof], xp)
    out = _set(out, c.dof, 0.0, xp)
  return out

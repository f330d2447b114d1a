"""Passive forces (joint springs, damping) and MuJoCo's soft joint constraints (polynomial joint
equalities, slide/hinge limits) with the force mj_inverse gives: f = -D (J qacc - aref)."""

from __future__ import annotations

import jax.numpy as jnp
import mujoco

from jaxid.tree import scalar as s
from jaxid.tree.constants import BALL, FREE, Row, Tree


def _quat_mul(a, b):
  """Hamilton product a b of quaternions (w, x, y, z)."""
  aw, av, bw, bv = a[0], a[1:], b[0], b[1:]
  w = s.sub(s.mul(aw, bw), s.dot(av, bv))
  return (w, *s.vadd(s.vscale(aw, bv), s.vscale(bw, av), s.cross(av, bv)))


def _sub_quat(qa, qb):
  """mju_subQuat: the rotation vector of qb^-1 qa (axis * angle, angle wrapped to (-pi, pi])."""
  n = jnp.sqrt(s.add(*(s.mul(x, x) for x in qa)))
  qa = tuple(x / n for x in qa)
  d = _quat_mul((qb[0], -qb[1], -qb[2], -qb[3]), qa)
  sq = s.add(*(s.mul(x, x) for x in d[1:]))
  nz = sq > 0.0
  sin = jnp.where(nz, jnp.sqrt(jnp.where(nz, sq, 1.0)), 0.0)
  ang = 2.0 * jnp.arctan2(sin, d[0])
  ang = jnp.where(ang > jnp.pi, ang - 2 * jnp.pi, ang)
  scale = jnp.where(nz, ang / jnp.where(nz, sin, 1.0), 2.0)  # angle / sin(angle/2) -> 2 at 0
  return tuple(scale * x for x in d[1:])


def passive(t: Tree, q, v) -> list:
  """qfrc_passive: (nv,) = -stiffness (q - qpos_spring) - damping qvel."""
  out = [s.mul(-b, x) for b, x in zip(t.damping, v)]
  for typ, a, d, k, ref in t.springs:
    if typ == FREE:
      for i in range(3):
        out[d + i] = s.add(out[d + i], s.mul(-k, s.sub(q[a + i], ref[i])))
      a, d, ref = a + 3, d + 3, ref[3:]
    if typ in (FREE, BALL):
      dif = _sub_quat(tuple(q[a : a + 4]), ref)
      for i in range(3):
        out[d + i] = s.add(out[d + i], s.mul(-k, dif[i]))
    else:
      out[d] = s.add(out[d], s.mul(-k, s.sub(q[a], ref[0])))
  return out


def _kbi(t: Tree, row: Row, pos):
  """Stiffness k, damping b and impedance imp of a row at violation pos (mj_makeImpedance)."""
  timeconst, dampratio = row.solref
  if t.refsafe:
    timeconst = max(timeconst, 2 * t.timestep)
  dmin, dmax, width, mid, power = row.solimp
  clip = lambda x: min(max(x, mujoco.mjMINIMP), mujoco.mjMAXIMP)
  dmin, dmax, mid = clip(dmin), clip(dmax), clip(mid)
  width, power = max(mujoco.mjMINVAL, width), max(1.0, power)
  k = 1 / (dmax * dmax * timeconst * timeconst * dampratio * dampratio)
  b = 2 / (dmax * timeconst)
  if row.solref[0] <= 0:
    k = -row.solref[0] / (dmax * dmax)
  if row.solref[1] <= 0:
    b = -row.solref[1] / dmax
  if dmin == dmax:
    return k, b, dmin
  x = jnp.abs(pos) / width
  xc = jnp.clip(x, 0.0, 1.0)
  if power == 1.0:
    y = xc
  else:
    ya = (1.0 / mid ** (power - 1)) * xc**power
    yb = 1 - (1.0 / (1 - mid) ** (power - 1)) * (1 - xc) ** power
    y = jnp.where(xc < mid, ya, yb)
  imp = jnp.clip(dmin + y * (dmax - dmin), min(dmin, dmax), max(dmin, dmax))
  return k, b, jnp.where(x > 1.0, dmax, imp)


def constraint(t: Tree, q, v, a) -> list:
  """qfrc_constraint: (nv,) = sum over rows J' f, f = -D (J qacc - aref)."""
  rows = [_row_force(t, row, q, v, a) for row in t.rows]
  # every row's force and Jacobian once, in one stage: each is read by one or two dofs
  rows = s.barrier(rows)
  out = [0.0] * t.nv
  for jac, f in rows:
    for i, c in jac:
      out[i] = s.add(out[i], s.mul(c, f))
  return out


def _row_force(t: Tree, row: Row, q, v, a):
  """One row's (J as [(dof, coef)...], f)."""
  if row.kind == "joint":
    a1, d1, r1, a2, d2, r2, poly = row.data
    if a2 >= 0:
      dif = s.sub(q[a2], r2)
      powers = [1.0, dif, dif * dif, dif * dif * dif, dif * dif * dif * dif]
      pos = s.sub(s.sub(q[a1], r1), s.dot(poly, powers))
      deriv = s.dot(poly[1:], [s.mul(i + 1.0, p) for i, p in enumerate(powers[:4])])
      jac = [(d1, 1.0), (d2, s.neg(deriv))]
    else:
      pos, jac = s.sub(s.sub(q[a1], r1), poly[0]), [(d1, 1.0)]
    active = None
  else:
    qa, d, lo, hi, margin = row.data
    dmin, dmax = s.sub(q[qa], lo), s.sub(hi, q[qa])
    sign = jnp.where(dmin < dmax, 1.0, -1.0)
    pos = jnp.minimum(dmin, dmax) - margin
    active = pos < 0
    jac = [(d, sign)]
  k, b, imp = _kbi(t, row, pos)
  r = jnp.maximum(row.invweight * (1 - imp) / imp, mujoco.mjMINVAL)
  vel = s.add(*(s.mul(c, v[i]) for i, c in jac))
  acc = s.add(*(s.mul(c, a[i]) for i, c in jac))
  aref = s.sub(s.mul(-b, vel), s.mul(s.mul(k, imp), pos))
  jar = s.sub(acc, aref)
  f = -jar / r
  if active is not None:
    f = jnp.where(active & (jar < 0), f, 0.0)
  return jac, f

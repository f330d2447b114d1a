"""Straight-line scalar algebra with constants folded at trace time.

A scalar is a Python float (a constant of the MjModel, folded: x * 0 and x + 0 emit nothing) or a
jax array of the frame's shape (() per frame, (T,) under vmap: frames on the lane axis). A vector
is a tuple of 3 scalars, a matrix a tuple of 3 rows, a spatial vector a pair (rot, lin).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

Scalar = Any


def const(x) -> bool:
  """Whether x is a folded constant."""
  return isinstance(x, float | int)


def add(*xs: Scalar) -> Scalar:
  """Sum, constants folded."""
  c = 0.0
  for x in xs:
    if const(x):
      c += x
  terms = [x for x in xs if not const(x)]
  if not terms:
    return c
  out = terms[0]
  for t in terms[1:]:
    out = out + t
  return out + c if c != 0.0 else out


def neg(a: Scalar) -> Scalar:
  return -a


def sub(a: Scalar, b: Scalar) -> Scalar:
  """a - b, constants folded."""
  if const(b):
    return add(a, -b)
  if const(a) and a == 0.0:
    return -b
  return a - b


def mul(a: Scalar, b: Scalar) -> Scalar:
  """Product, with 0 and +-1 folded."""
  if const(a) and const(b):
    return a * b
  if const(b):
    a, b = b, a
  if const(a):
    if a == 0.0:
      return 0.0
    if a == 1.0:
      return b
    if a == -1.0:
      return -b
  return a * b


def dot(u, v) -> Scalar:
  """u . v for tuples of equal length."""
  return add(*(mul(a, b) for a, b in zip(u, v)))


def vadd(*us):
  return tuple(add(*xs) for xs in zip(*us))


def vsub(u, v):
  return tuple(sub(a, b) for a, b in zip(u, v))


def vscale(s: Scalar, u):
  return tuple(mul(s, a) for a in u)


def cross(u, v):
  """u x v: (3,)."""
  return (
    sub(mul(u[1], v[2]), mul(u[2], v[1])),
    sub(mul(u[2], v[0]), mul(u[0], v[2])),
    sub(mul(u[0], v[1]), mul(u[1], v[0])),
  )


def matvec(r, u):
  """r u: r (3, 3) as rows."""
  return tuple(dot(row, u) for row in r)


def matmul(a, b):
  """a b: (3, 3) @ (3, 3)."""
  cols = tuple(zip(*b))
  return tuple(tuple(dot(row, col) for col in cols) for row in a)


def column(r, j: int):
  """Column j of r."""
  return tuple(row[j] for row in r)


def quat_mat(q):
  """Rotation matrix of quaternion q = (w, x, y, z), normalised: R(q / |q|), no square root."""
  w, x, y, z = q
  ww, xx, yy, zz = mul(w, w), mul(x, x), mul(y, y), mul(z, z)
  n = add(ww, xx, yy, zz)
  inv = 1.0 / n
  two = lambda a, b, c, d: mul(mul(2.0, inv), add(mul(a, b), mul(c, d)))
  return (
    (mul(inv, sub(add(ww, xx), add(yy, zz))), two(x, y, neg(w), z), two(x, z, w, y)),
    (two(x, y, w, z), mul(inv, sub(add(ww, yy), add(xx, zz))), two(y, z, neg(w), x)),
    (two(x, z, neg(w), y), two(y, z, w, x), mul(inv, sub(add(ww, zz), add(xx, yy)))),
  )


def axis_angle_mat(axis, c: Scalar, s: Scalar):
  """Rotation by angle (cos c, sin s) about the unit axis: I + s [a]x + (1 - c) [a]x^2."""
  a0, a1, a2 = axis
  k = ((0.0, -a2, a1), (a2, 0.0, -a0), (-a1, a0, 0.0))
  k2 = matmul(k, k)
  omc = sub(1.0, c)
  eye = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
  return tuple(
    tuple(add(eye[i][j], mul(s, k[i][j]), mul(omc, k2[i][j])) for j in range(3)) for i in range(3)
  )


FUSED_CONCAT = 8  # XLA CPU fuses a concatenate of at most 8 operands with its producers


def stack(xs, like) -> jnp.ndarray:
  """A (n,) array of scalars; constants broadcast to the shape and dtype of `like`.

  Over FUSED_CONCAT scalars, in groups behind a barrier: XLA would merge the groups' stacks
  into one unfused concatenate, a loop per scalar."""
  xs = [jnp.full_like(like, x) if const(x) else x for x in xs]
  if len(xs) <= FUSED_CONCAT:
    return jnp.stack(xs, axis=-1)
  n = FUSED_CONCAT
  groups = [jnp.stack(xs[k : k + n], axis=-1) for k in range(0, len(xs), n)]
  return jnp.concatenate(jax.lax.optimization_barrier(groups), axis=-1)


def barrier(x):
  """Materialise the traced leaves of a nested structure as a few arrays (constants kept).

  XLA's CPU fusion (without multi-output fusion) gives each consumer its own loop and recomputes
  the producers in it: 17 cosines per hinge. The leaves of a stage (a body of a sweep), stacked
  in groups of FUSED_CONCAT behind one optimization barrier, are computed once, a loop per group,
  and read back by lax.split. Larger stacks cost a loop per leaf (XLA leaves them unfused:
  bundled forward 590 fusions, 6.0 s of XLA compile, against 176 and 3.3 s), and indexing p[k]
  transposes to a pad per leaf in the gradient (1,663 fusions, 27 s, against 840 and 14 s).
  """
  leaves, treedef = jax.tree.flatten(x)
  idx = [i for i, v in enumerate(leaves) if not const(v)]
  if not idx:
    return x
  shape = jnp.broadcast_shapes(*(jnp.shape(leaves[i]) for i in idx))
  groups = [idx[k : k + FUSED_CONCAT] for k in range(0, len(idx), FUSED_CONCAT)]
  packed = [jnp.stack([jnp.broadcast_to(leaves[i], shape) for i in g]) for g in groups]
  packed = jax.lax.optimization_barrier(packed)
  for g, p in zip(groups, packed):
    # lax.split, not p[k]: its transpose is one concatenate (fused) rather than a pad per leaf
    for i, part in zip(g, jax.lax.split(p, (1,) * len(g))):
      leaves[i] = jax.lax.squeeze(part, (0,))
  return jax.tree.unflatten(treedef, leaves)

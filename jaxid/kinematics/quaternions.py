"""Unit quaternions (w, x, y, z) on the last axis, NumPy or JAX through `xp`."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from jaxid.contract import Array


def quat_mul(p: Array, q: Array, xp: ModuleType = np) -> Array:
  """Hamilton product p q of quaternions (..., 4)."""
  pw, px, py, pz = (p[..., i] for i in range(4))
  qw, qx, qy, qz = (q[..., i] for i in range(4))
  return xp.stack(
    [
      pw * qw - px * qx - py * qy - pz * qz,
      pw * qx + px * qw + py * qz - pz * qy,
      pw * qy - px * qz + py * qw + pz * qx,
      pw * qz + px * qy - py * qx + pz * qw,
    ],
    axis=-1,
  )


def quat_conj(q: Array, xp: ModuleType = np) -> Array:
  """Conjugate (the inverse of a unit quaternion) of q (..., 4)."""
  return q * xp.asarray([1.0, -1.0, -1.0, -1.0], dtype=q.dtype)


def quat_log(q: Array, xp: ModuleType = np) -> Array:
  """Rotation vector (axis * angle) (..., 3) of unit quaternions (..., 4), shortest arc.

  Finite gradients everywhere: the axis normalisation is replaced by its series below 1e-4.
  """
  q = xp.where(q[..., :1] < 0, -q, q)
  w, v = q[..., 0], q[..., 1:]
  s2 = xp.sum(v * v, axis=-1)
  small = s2 < 1e-8
  s = xp.sqrt(xp.where(small, 1.0, s2))
  w_safe = xp.where(small, w, 1.0)
  factor = xp.where(
    small, 2.0 / w_safe * (1.0 - s2 / (3.0 * w_safe * w_safe)), 2.0 * xp.arctan2(s, w) / s
  )
  return v * factor[..., None]


def normalize(q: Array, xp: ModuleType = np) -> Array:
  """q / |q| along the last axis."""
  return q / xp.sqrt(xp.sum(q * q, axis=-1, keepdims=True))


def axis_angle(axis: Array, angle: Array, xp: ModuleType = np) -> Array:
  """Quaternions (..., 4) of rotations by angle (...,) about a fixed unit axis (3,)."""
  c, s = xp.cos(angle / 2), xp.sin(angle / 2)
  return xp.stack([c] + [s * float(a) for a in axis], axis=-1)


def rotate(quat: Array, v: Array) -> np.ndarray:
  """v (T, 3) rotated by the quaternions quat (T, 4) (normalised first), NumPy."""
  quat = np.asarray(quat, np.float64)
  quat = quat / np.linalg.norm(quat, axis=1, keepdims=True)
  w, u = quat[:, :1], quat[:, 1:]
  t = 2.0 * np.cross(u, v)
  return v + w * t + np.cross(u, t)

"""OpenSim's ground frame and pelvis rotation sequence in a MuJoCo world.

OpenSim's ground is y up; a MuJoCo world is z up. A ground rotation G maps one to the other,
v_MuJoCo = G v_OpenSim; OS_TO_MJ, (x, y, z)_OpenSim -> (x, -z, y)_MuJoCo, is the default. The
pelvis rotates body-fixed about ground's z (tilt), then x (list), then y (rotation); in the
MuJoCo world those axes are the columns G[:, 2], G[:, 0], G[:, 1].
"""

from __future__ import annotations

from types import ModuleType

import mujoco
import numpy as np

from jaxid.contract import Array
from jaxid.errors import InputError
from jaxid.kinematics.quaternions import axis_angle, quat_mul, rotate

# (x, y, z)_OpenSim -> (x, -z, y)_MuJoCo: v_mj = OS_TO_MJ @ v_os (a rotation, det +1).
OS_TO_MJ = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


def check_ground(ground: Array) -> np.ndarray:
  """ground as a float64 (3, 3) rotation; InputError for anything else."""
  g = np.asarray(ground, np.float64)
  if (
    g.shape != (3, 3) or not np.allclose(g @ g.T, np.eye(3), atol=1e-9) or not np.linalg.det(g) > 0
  ):
    raise InputError(
      f"ground: expected a 3x3 rotation matrix (v_MuJoCo = ground @ v_OpenSim),"
      f" got {np.asarray(ground).tolist()}."
    )
  return g


def os_to_mj(v: Array, ground: Array = OS_TO_MJ) -> np.ndarray:
  """OpenSim ground vectors (..., 3) in the MuJoCo world: ground @ v."""
  return np.asarray(v, np.float64) @ np.asarray(ground, np.float64).T + 0.0


def mj_to_os(v: Array, ground: Array = OS_TO_MJ) -> np.ndarray:
  """MuJoCo world vectors (..., 3) in OpenSim's ground: ground' @ v."""
  return np.asarray(v, np.float64) @ np.asarray(ground, np.float64) + 0.0


def pelvis_axes(ground: Array = OS_TO_MJ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
  """Axes (3,) of OpenSim's pelvis sequence (ground z, x, y) in the MuJoCo world."""
  ground = np.asarray(ground, np.float64)
  return (ground[:, 2], ground[:, 0], ground[:, 1])


def pelvis_quat(
  tilt: Array, list_: Array, rotation: Array, ground: Array = OS_TO_MJ, xp: ModuleType = np
) -> Array:
  """Quaternions (..., 4) of OpenSim's pelvis rotation (tilt, list, rotation (...,), rad) in
  the MuJoCo world; NumPy or JAX (differentiable in the angles)."""
  axes = pelvis_axes(ground)
  q = quat_mul(axis_angle(axes[0], tilt, xp), axis_angle(axes[1], list_, xp), xp)
  return quat_mul(q, axis_angle(axes[2], rotation, xp), xp)


def pelvis_angles(quat: Array, offset: Array, ground: Array = OS_TO_MJ) -> np.ndarray:
  """(T, 3) (tilt, list, rotation) from free-joint quaternions (T, 4) = q_pelvis offset, NumPy."""
  ground = np.asarray(ground, np.float64)
  quat = quat / np.linalg.norm(quat, axis=1, keepdims=True)
  off_inv = offset * np.array([1.0, -1.0, -1.0, -1.0])
  out = np.zeros((quat.shape[0], 3))
  for t, q in enumerate(quat):
    r = np.zeros(4)
    mujoco.mju_mulQuat(r, q, off_inv)
    mat = np.zeros(9)
    mujoco.mju_quat2Mat(mat, r)
    rot = ground.T @ mat.reshape(3, 3) @ ground  # OpenSim's: Rz(a) Rx(b) Ry(c)
    out[t, 0] = np.arctan2(-rot[0, 1], rot[1, 1])
    out[t, 1] = np.arcsin(np.clip(rot[2, 1], -1.0, 1.0))
    out[t, 2] = np.arctan2(-rot[2, 0], rot[2, 2])
  return out


def euler_axes(angles: Array, ground: Array = OS_TO_MJ) -> np.ndarray:
  """World axes (3, T, 3) of tilt, list and rotation at pelvis angles (T, 3), NumPy."""
  axes = pelvis_axes(ground)
  n = len(angles)
  q_tilt = axis_angle(axes[0], np.asarray(angles[:, 0], np.float64))
  q_tl = quat_mul(q_tilt, axis_angle(axes[1], np.asarray(angles[:, 1], np.float64)))
  a2 = rotate(q_tilt, np.broadcast_to(axes[1], (n, 3)))
  a3 = rotate(q_tl, np.broadcast_to(axes[2], (n, 3)))
  return np.stack([np.broadcast_to(axes[0], (n, 3)), a2, a3])


def to_free(
  coords: dict[int, Array], ground: Array, offset: Array, xp: ModuleType = np
) -> tuple[Array, Array]:
  """(position (T, 3), quaternion (T, 4)) of a free joint from OpenSim's pelvis coordinates
  {0..5: (T,)} in PELVIS order (tx, ty, tz, tilt, list, rotation); offset: its qpos0 quaternion."""
  dtype = coords[0].dtype
  pos = xp.stack([coords[0], coords[1], coords[2]], axis=1) @ xp.asarray(ground.T, dtype=dtype)
  quat = pelvis_quat(coords[3], coords[4], coords[5], ground, xp)
  return pos, quat_mul(quat, xp.asarray(offset, dtype=dtype), xp)


def from_free(qpos7: Array, ground: Array, offset: Array) -> np.ndarray:
  """OpenSim's pelvis coordinates (T, 6) in PELVIS order from a free joint's qpos (T, 7), NumPy."""
  return np.concatenate(
    [qpos7[:, :3] @ ground, pelvis_angles(qpos7[:, 3:7], offset, ground)], axis=1
  )


def free_forces(qpos7: Array, qfrc6: Array, ground: Array, offset: Array) -> np.ndarray:
  """OpenSim's pelvis generalized forces (T, 6) in PELVIS order from a free joint's qfrc (T, 6).

  Forces: the world force in ground's axes. Moments: the moment about the pelvis origin (the
  local rotational dofs rotated to the world) on each Euler axis, tau_i = M . a_i, so that
  sum_i tau_i dq_i is MuJoCo's virtual power qfrc . qvel.
  """
  quat = qpos7[:, 3:7]
  axes = euler_axes(pelvis_angles(quat, offset, ground), ground)
  moment = rotate(quat, qfrc6[:, 3:6])
  return np.concatenate(
    [qfrc6[:, :3] @ ground, np.stack([np.sum(moment * a, axis=1) for a in axes], axis=1)], axis=1
  )

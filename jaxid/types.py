"""Pytrees of a trial: kinematics, loads, and the two together.

Every array has a leading frame axis T; a batch of trials is the same pytree with a leading batch
axis B in front of T, so trials stack with ``jax.tree.map(jnp.stack, ...)`` and vmap directly.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax

Array = Any


def _pytree(cls):
  """Frozen dataclass registered as a pytree whose fields are all data (array) leaves."""
  cls = dataclasses.dataclass(frozen=True)(cls)
  names = [f.name for f in dataclasses.fields(cls)]
  return jax.tree_util.register_dataclass(cls, data_fields=names, meta_fields=[])


@_pytree
class Kinematics:
  """Joint-space kinematics of a trial.

  qpos: (T, nq) joint positions (free joint: world position, then unit quaternion w, x, y, z)
  qvel: (T, nv) joint velocities (free joint: world linear velocity, then local angular velocity)
  qacc: (T, nv) joint accelerations, the time derivative of qvel
  """

  qpos: Array
  qvel: Array
  qacc: Array

  def replace(self, **kw) -> Kinematics:
    return dataclasses.replace(self, **kw)


@_pytree
class Loads:
  """Measured external loads, world frame.

  grf_l, grf_r: (T, 3) ground reaction force on each foot, N
  cop_l, cop_r: (T, 3) centre of pressure, m; all zeros means the foot is in swing
  moment_l, moment_r: (T, 3) free moment about the COP, N m
  ext_forces: (T, nbody, 6) other wrenches, MuJoCo's xfrc_applied convention (force, torque at
    the body's centre of mass xipos)
  """

  grf_l: Array
  grf_r: Array
  cop_l: Array
  cop_r: Array
  moment_l: Array
  moment_r: Array
  ext_forces: Array

  def replace(self, **kw) -> Loads:
    return dataclasses.replace(self, **kw)


@_pytree
class Trial:
  """A gait trial: kinematics and loads with the same frame axis T."""

  kinematics: Kinematics
  loads: Loads

  def replace(self, **kw) -> Trial:
    return dataclasses.replace(self, **kw)

  @property
  def n_frames(self) -> int:
    return self.kinematics.qpos.shape[-2]

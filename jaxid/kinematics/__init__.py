"""Kinematics from positions: quaternions, OpenSim's pelvis frame, a zero-lag filter, manifold
finite differences and joint-equality coupling; NumPy and JAX through one `xp` code path.

  kin = jaxid.kinematics.kinematics_from_qpos(model, qpos, dt, cutoff=6.0)  # NumPy float64
  kin = jaxid.kinematics.kinematics_from_qpos_jax(model, qpos, dt, 6.0)     # differentiable
"""

from jaxid.kinematics.coupling import Coupling, couple_kinematics, couplings, project_coupled
from jaxid.kinematics.differences import JointLayout, accelerations, velocities
from jaxid.kinematics.filters import (
  DEFAULT_CUTOFF,
  DEFAULT_ORDER,
  butterworth,
  filter_enabled,
  filtfilt,
  filtfilt_jax,
)
from jaxid.kinematics.from_qpos import kinematics_from_qpos, kinematics_from_qpos_jax

__all__ = [
  "DEFAULT_CUTOFF",
  "DEFAULT_ORDER",
  "Coupling",
  "JointLayout",
  "accelerations",
  "butterworth",
  "couple_kinematics",
  "couplings",
  "filter_enabled",
  "filtfilt",
  "filtfilt_jax",
  "kinematics_from_qpos",
  "kinematics_from_qpos_jax",
  "project_coupled",
  "velocities",
]

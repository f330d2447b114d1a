"""The contract shared by legacy, jaxid and any candidate: inputs, outputs, contact rule, wrench.

This module is the single source of these facts; validation, the oracle, strategies, mutants,
adapters, the C peer and io derive their lists from it.

Inputs (per frame; a trial adds a leading frame axis T, a batch a leading B before T):

  kinematics: qpos (nq,), qvel (nv,), qacc (nv,)
  loads:      grf_l, grf_r, cop_l, cop_r, moment_l, moment_r (3,) world frame; ext_forces (nbody, 6)

A foot is in contact when sum(|cop|) > 0, so a force whose COP is all zeros is dropped by the
rule; the boundary check (jaxid/validate.py) refuses such input rather than lose the force. In
contact its load enters the model as an xfrc_applied wrench on the foot body, which MuJoCo
applies at the body's centre of mass xipos:

  f   = grf
  tau = (cop - xipos[foot]) x grf + moment

The reported lever arm and moment are about the body origin xpos[foot]:

  distance = |cop - xpos[foot]|,   moment_calcn = (cop - xpos[foot]) x grf

The functions take jax arrays (the legacy loop calls them on one frame at a time) and contain
no control flow, so jaxid can trace them.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import mujoco

Array = Any

SIDES = ("l", "r")  # left, right: the order of a model's two foot bodies

# Input fields and their per-frame shapes, in terms of the model's sizes.
KINEMATICS_FIELDS = {"qpos": ("nq",), "qvel": ("nv",), "qacc": ("nv",)}
FOOT_FIELDS = ("grf", "cop", "moment")  # per side: grf_l, cop_l, moment_l, grf_r, ...
LOADS_FIELDS = {
  **{f"{f}_{s}": (3,) for f in FOOT_FIELDS for s in SIDES},
  "ext_forces": ("nbody", 6),
}

# Output key -> shape after the frame axis. OUTPUT_SHAPES: required of every candidate;
# EXTRA_SHAPES: jaxid's extra outputs (optional for a candidate); legacy also reports timings.
OUTPUT_SHAPES = {
  "joint_forces": ("nv",),
  "distance_calcn_l": (),
  "distance_calcn_r": (),
  "moment_calcn_l": (3,),
  "moment_calcn_r": (3,),
  "contact_force": ("nbody", 6),
  "mass_matrix": ("nv", "nv"),
}
EXTRA_SHAPES = {"joint_torques": ("nv",), "residuals": (6,)}
LEGACY_ONLY = ("frame_durations",)

# jaxid's output keys in their documented order; TORQUES is the fast path's selection.
ALL_OUTPUTS = (
  "joint_forces",
  "joint_torques",
  "residuals",
  "distance_calcn_l",
  "distance_calcn_r",
  "moment_calcn_l",
  "moment_calcn_r",
  "contact_force",
  "mass_matrix",
)
TORQUES = ("joint_torques", "residuals")
FREE = int(mujoco.mjtJoint.mjJNT_FREE)
DISTANCES = tuple(f"distance_calcn_{s}" for s in SIDES)


def has_free_root(mj_model) -> bool:
  """Whether joint 0 is free: its six dofs' torques are the residuals (absent otherwise)."""
  return mj_model.njnt > 0 and int(mj_model.jnt_type[0]) == FREE


def sizes(mj_model) -> dict[str, int]:
  """The model sizes the shapes above are written in."""
  return {"nv": mj_model.nv, "nq": mj_model.nq, "nbody": mj_model.nbody}


def _resolve(spec: tuple, mj_model) -> tuple[int, ...]:
  n = sizes(mj_model)
  return tuple(n.get(s, s) for s in spec)


def input_shapes(mj_model) -> dict[str, tuple[int, ...]]:
  """Per-frame shape of every input array, keyed 'kinematics.qpos', 'loads.grf_l', ..."""
  out = {f"kinematics.{k}": _resolve(v, mj_model) for k, v in KINEMATICS_FIELDS.items()}
  out |= {f"loads.{k}": _resolve(v, mj_model) for k, v in LOADS_FIELDS.items()}
  return out


def shape_of(key: str, mj_model, n_frames: int) -> tuple[int, ...]:
  """The full shape of an output key for a model and a trial length."""
  spec = {**OUTPUT_SHAPES, **EXTRA_SHAPES, **dict.fromkeys(LEGACY_ONLY, ())}[key]
  return (n_frames, *_resolve(spec, mj_model))


def in_contact(cop: Array) -> Array:
  """Contact predicate: sum(|cop|) > 0 over the last axis."""
  return jnp.sum(jnp.abs(cop), axis=-1) > 0.0


def safe_norm(r: Array) -> Array:
  """|r| over the last axis whose gradient is 0, not NaN, at r = 0."""
  sq = jnp.sum(r * r, axis=-1)
  nz = sq > 0.0
  return jnp.where(nz, jnp.sqrt(jnp.where(nz, sq, 1.0)), 0.0)


def foot_wrench(cop: Array, grf: Array, moment: Array, xipos: Array) -> Array:
  """(6,) xfrc_applied wrench of one foot: [grf, (cop - xipos) x grf + moment]."""
  return jnp.concatenate([grf, jnp.cross(cop - xipos, grf) + moment], axis=-1)


def foot_moment(cop: Array, grf: Array, xpos: Array) -> Array:
  """Moment of the GRF about the foot's origin: (cop - xpos) x grf."""
  return jnp.cross(cop - xpos, grf)


def foot_distance(cop: Array, xpos: Array) -> Array:
  """Lever arm length |cop - xpos|."""
  return safe_norm(cop - xpos)


def foot_outputs(feet: dict, outputs) -> dict:
  """The requested distance_calcn_* and moment_calcn_* outputs from per-side foot terms
  (`feet[side]["distance"]`, `feet[side]["moment"]`), as both backends report them."""
  out = {}
  for side in SIDES:
    for key in ("distance", "moment"):
      if f"{key}_calcn_{side}" in outputs:
        out[f"{key}_calcn_{side}"] = feet[side][key]
  return out

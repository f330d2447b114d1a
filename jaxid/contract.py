"""The contract shared by legacy, jaxid and any candidate: keys, shapes, contact rule, wrench.

A foot is in contact when sum(|cop|) > 0. In contact its load enters the model as an
xfrc_applied wrench on the foot body, which MuJoCo applies at the body's centre of mass xipos:

  f   = grf
  tau = (cop - xipos[foot]) x grf + moment

The reported lever arm and moment are about the body origin xpos[foot]:

  distance = |cop - xpos[foot]|,   moment_calcn = (cop - xpos[foot]) x grf

The functions take jax arrays (the legacy loop calls them on one frame at a time) and contain
no control flow, so jaxid can trace them.
"""

from __future__ import annotations

import jax.numpy as jnp

# key -> shape after the frame axis, in terms of the model's sizes.
OUTPUT_SHAPES = {
  "joint_forces": ("nv",),
  "distance_calcn_l": (),
  "distance_calcn_r": (),
  "moment_calcn_l": (3,),
  "moment_calcn_r": (3,),
  "contact_force": ("nbody", 6),
  "mass_matrix": ("nv", "nv"),
}
LEGACY_ONLY = ("frame_durations",)
# jaxid's extra outputs (optional for a candidate).
EXTRA_SHAPES = {"joint_torques": ("nv",), "residuals": (6,)}


def shape_of(key: str, mj_model, n_frames: int) -> tuple[int, ...]:
  """The full shape of an output key for a model and a trial length."""
  spec = {**OUTPUT_SHAPES, **EXTRA_SHAPES, "frame_durations": ()}[key]
  sizes = {"nv": mj_model.nv, "nq": mj_model.nq, "nbody": mj_model.nbody}
  return (n_frames,) + tuple(sizes.get(s, s) for s in spec)


def in_contact(cop):
  """Contact predicate: sum(|cop|) > 0 over the last axis."""
  return jnp.sum(jnp.abs(cop), axis=-1) > 0.0


def safe_norm(r):
  """|r| over the last axis whose gradient is 0, not NaN, at r = 0."""
  sq = jnp.sum(r * r, axis=-1)
  nz = sq > 0.0
  return jnp.where(nz, jnp.sqrt(jnp.where(nz, sq, 1.0)), 0.0)


def foot_wrench(cop, grf, moment, xipos):
  """(6,) xfrc_applied wrench of one foot: [grf, (cop - xipos) x grf + moment]."""
  return jnp.concatenate([grf, jnp.cross(cop - xipos, grf) + moment], axis=-1)


def foot_moment(cop, grf, xpos):
  """Moment of the GRF about the foot's origin: (cop - xpos) x grf."""
  return jnp.cross(cop - xpos, grf)


def foot_distance(cop, xpos):
  """Lever arm length |cop - xpos|."""
  return safe_norm(cop - xpos)

"""The one route from positions to Kinematics: optional filtering, then manifold differences.

``kinematics_from_qpos`` (NumPy float64, host side) and ``kinematics_from_qpos_jax`` (pure
JAX: jit, grad and vmap flow back through filtering and differentiation to raw positions) run
the same function with ``xp`` numpy or jax.numpy. Quaternions are made sign-continuous,
filtered component-wise and renormalised. To filter OpenSim coordinates before building qpos
(as OpenSim does), jaxid.io.coordinates filters them and calls this with cutoff None.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxid.contract import Array
from jaxid.errors import InputError
from jaxid.kinematics.differences import JointLayout, accelerations, velocities
from jaxid.kinematics.filters import DEFAULT_CUTOFF, DEFAULT_ORDER, filter_enabled, filtfilt
from jaxid.kinematics.quaternions import normalize
from jaxid.types import Kinematics


def _continuous_quats(qpos, layout, xp):
  """Flip quaternion signs so consecutive frames lie in one hemisphere (q and -q are the same
  rotation; filtering needs a continuous curve)."""
  out = qpos
  for a in layout.quat_q:
    q = qpos[:, a : a + 4]
    dots = xp.sum(q[1:] * q[:-1], axis=-1)
    flips = xp.where(dots < 0, -1.0, 1.0)
    sign = xp.concatenate([xp.ones((1,), dtype=q.dtype), xp.cumprod(flips)])
    q = q * sign[:, None]
    out = xp.concatenate([out[:, :a], q, out[:, a + 4 :]], axis=1)
  return out


def _renormalize(qpos, layout, xp):
  for a in layout.quat_q:
    q = normalize(qpos[:, a : a + 4], xp)
    qpos = xp.concatenate([qpos[:, :a], q, qpos[:, a + 4 :]], axis=1)
  return qpos


def from_qpos(
  layout: JointLayout,
  qpos: Array,
  dt: float,
  cutoff: float | None,
  order: int,
  xp: ModuleType = np,
) -> Kinematics:
  """Kinematics(qpos, qvel, qacc) from qpos (T, nq) every dt seconds, filtered at cutoff Hz
  (None or <= 0: not filtered); NumPy or JAX through xp."""
  if qpos.ndim != 2 or qpos.shape[1] != layout.nq:
    raise InputError(f"qpos: expected shape (T, {layout.nq}), got {tuple(qpos.shape)}.")
  if filter_enabled(cutoff):
    qpos = _continuous_quats(qpos, layout, xp)
    qpos = _renormalize(filtfilt(qpos, dt, cutoff, order, xp=xp), layout, xp)
  return Kinematics(qpos, velocities(layout, qpos, dt, xp), accelerations(layout, qpos, dt, xp))


def kinematics_from_qpos(
  model: Any,
  qpos: Array,
  dt: float,
  cutoff: float | None = DEFAULT_CUTOFF,
  order: int = DEFAULT_ORDER,
) -> Kinematics:
  """Kinematics from raw positions qpos (T, nq), NumPy float64.

  model: a jaxid Model, MjModel or JointLayout; dt: s between frames; cutoff: Hz (None or -1:
  no filtering).
  """
  layout = JointLayout.from_model(model)
  return from_qpos(layout, np.asarray(qpos, np.float64), dt, cutoff, order, np)


def kinematics_from_qpos_jax(
  model: Any,
  qpos: Array,
  dt: float,
  cutoff: float | None = DEFAULT_CUTOFF,
  order: int = DEFAULT_ORDER,
) -> Kinematics:
  """kinematics_from_qpos in JAX: differentiable in qpos (model, dt, cutoff, order static)."""
  layout = JointLayout.from_model(model)
  return _from_qpos_jit(layout, jnp.asarray(qpos), float(dt), cutoff, int(order))


@functools.partial(jax.jit, static_argnums=(0, 2, 3, 4))
def _from_qpos_jit(layout, qpos, dt, cutoff, order):
  return from_qpos(layout, qpos, dt, cutoff, order, jnp)

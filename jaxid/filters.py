"""Kinematics from positions: a zero-lag low-pass filter and finite differences on the manifold.

OpenSim's Inverse Dynamics tool low-pass filters the coordinates before differentiating them
(``lowpass_cutoff_frequency_for_coordinates``, 6 Hz in its examples, -1 to disable). jaxid does
the same with a 4th-order Butterworth filter run forward and backward (``filtfilt``: zero phase
lag; the magnitude response is squared, so the gain at the cutoff is 1/2, -6.02 dB, and the
roll-off is 8th order), then differentiates with second-order finite differences that respect
the free and ball joints' quaternions (the rotation between frames is taken on the manifold, in
the local frame, like ``mj_differentiatePos``).

Two implementations of the same arithmetic:

- NumPy (``filtfilt``, ``kinematics_from_qpos``): host side, float64, for files and scripts.
- JAX (``filtfilt_jax``, ``kinematics_from_qpos_jax``): pure, jit-, grad- and vmap-safe, so a
  training loss can flow back through filtering and differentiation to raw positions.

Edges: the filter pads each end with an odd (point-symmetric) extension of 3 (order + 1)
samples and starts each pass in the filter's steady state, as ``scipy.signal.filtfilt`` does by
default (the result equals it to round-off); derivatives use one-sided second-order stencils at
the first and last frames.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from jaxid.errors import InputError
from jaxid.types import Kinematics

DEFAULT_CUTOFF = 6.0  # Hz, OpenSim's usual lowpass_cutoff_frequency_for_coordinates
DEFAULT_ORDER = 4


# ---------------------------------------------------------------------------------------------
# Butterworth design (bilinear transform) and the forward-backward filter.


def filter_enabled(cutoff) -> bool:
  """Whether a cutoff asks for filtering: None, -1 (OpenSim's convention) or any value <= 0
  disables it."""
  return cutoff is not None and float(cutoff) > 0


def butterworth(cutoff: float, dt: float, order: int = DEFAULT_ORDER) -> tuple[np.ndarray, ...]:
  """(b, a): digital low-pass Butterworth coefficients for a sample interval dt (s).

  Analog prototype poles p_k = w_c exp(i pi (2k + N + 1) / 2N) at the pre-warped cutoff
  w_c = 2 fs tan(pi fc / fs), mapped by the bilinear transform z = (2 fs + p) / (2 fs - p); the
  N zeros sit at z = -1. b is scaled for unit gain at DC. Same as scipy.signal.butter(N, fc,
  fs=fs).
  """
  fs = 1.0 / float(dt)
  cutoff = float(cutoff)
  if not 0.0 < cutoff < fs / 2:
    raise InputError(
      f"cutoff: expected a frequency between 0 and the Nyquist frequency"
      f" {fs / 2:g} Hz (sampling at {fs:g} Hz), got {cutoff:g} Hz; use -1 to"
      " disable filtering."
    )
  order = int(order)
  if order < 1:
    raise InputError(f"order: expected a positive filter order, got {order}.")
  wc = 2.0 * fs * math.tan(math.pi * cutoff / fs)
  k = np.arange(order)
  poles = wc * np.exp(1j * np.pi * (2 * k + order + 1) / (2 * order))
  zpoles = (2 * fs + poles) / (2 * fs - poles)
  a = np.real(np.poly(zpoles))
  b = np.array([math.comb(order, i) for i in range(order + 1)], float)
  b *= a.sum() / b.sum()  # unit DC gain
  return b, a


def _steady_state(b, a) -> np.ndarray:
  """Initial state of the transposed direct form II filter for a unit step (lfilter_zi)."""
  n = len(a)
  companion = np.zeros((n - 1, n - 1))
  companion[0] = -a[1:] / a[0]
  companion[1:, :-1] += np.eye(n - 2)
  return np.linalg.solve(np.eye(n - 1) - companion.T, b[1:] - a[1:] * b[0])


def _default_padlen(order: int) -> int:
  return 3 * (int(order) + 1)  # scipy.signal.filtfilt: 3 * max(len(a), len(b))


def _odd_extend(x, n, xp):
  """[2 x0 - x[n:0:-1], x, 2 x_end - x[-2:-n-2:-1]] along axis 0."""
  left = 2 * x[:1] - x[n:0:-1]
  right = 2 * x[-1:] - x[-2 : -n - 2 : -1]
  return xp.concatenate([left, x, right], axis=0)


def _check_length(n_frames: int, padlen: int) -> None:
  if n_frames <= padlen:
    raise InputError(
      f"kinematics: the filter needs more than {padlen} frames, got {n_frames};"
      " use a longer trial or disable filtering (cutoff -1)."
    )


def _lfilter_np(b, a, x, z):
  """Transposed direct form II along axis 0 (a[0] == 1); x (T, C), z (N, C)."""
  y = np.empty_like(x)
  n = len(b) - 1
  for t in range(x.shape[0]):
    xt = x[t]
    yt = b[0] * xt + z[0]
    for i in range(n - 1):
      z[i] = b[i + 1] * xt + z[i + 1] - a[i + 1] * yt
    z[n - 1] = b[n] * xt - a[n] * yt
    y[t] = yt
  return y


def filtfilt(
  x,
  dt: float,
  cutoff: float | None = DEFAULT_CUTOFF,
  order: int = DEFAULT_ORDER,
  padlen: int | None = None,
) -> np.ndarray:
  """Zero-lag low-pass filter of x along axis 0 (frames), NumPy float64.

  x: (T, ...) samples every dt seconds; cutoff: Hz (None, -1 or <= 0 returns x unchanged);
  order: of the Butterworth design, applied forward then backward.
  """
  x = np.asarray(x, np.float64)
  if not filter_enabled(cutoff):
    return x.copy()
  b, a = butterworth(cutoff, dt, order)
  b, a = b / a[0], a / a[0]
  padlen = _default_padlen(order) if padlen is None else int(padlen)
  _check_length(x.shape[0], padlen)
  shape = x.shape
  flat = x.reshape(shape[0], -1)
  zi = _steady_state(b, a)[:, None]
  ext = _odd_extend(flat, padlen, np)
  y = _lfilter_np(b, a, ext, zi * ext[0])
  y = _lfilter_np(b, a, y[::-1].copy(), zi * y[-1])[::-1]
  return y[padlen : len(y) - padlen].reshape(shape)


def _lfilter_jax(b, a, x, z0):
  n = len(b) - 1

  def step(z, xt):
    yt = b[0] * xt + z[0]
    rest = [b[i + 1] * xt + z[i + 1] - a[i + 1] * yt for i in range(n - 1)]
    z = jnp.stack(rest + [b[n] * xt - a[n] * yt])
    return z, yt

  return jax.lax.scan(step, z0, x)[1]


def filtfilt_jax(
  x,
  dt: float,
  cutoff: float | None = DEFAULT_CUTOFF,
  order: int = DEFAULT_ORDER,
  padlen: int | None = None,
):
  """filtfilt in JAX: pure and differentiable in x; dt, cutoff, order, padlen are static."""
  x = jnp.asarray(x)
  if not filter_enabled(cutoff):
    return x
  b, a = butterworth(cutoff, dt, order)
  b, a = b / a[0], a / a[0]
  padlen = _default_padlen(order) if padlen is None else int(padlen)
  _check_length(x.shape[0], padlen)
  shape = x.shape
  flat = x.reshape(shape[0], -1)
  zi = jnp.asarray(_steady_state(b, a), flat.dtype)[:, None]
  b, a = (tuple(float(v) for v in c) for c in (b, a))
  ext = _odd_extend(flat, padlen, jnp)
  y = _lfilter_jax(b, a, ext, zi * ext[0])
  y = _lfilter_jax(b, a, y[::-1], zi * y[-1])[::-1]
  return y[padlen : y.shape[0] - padlen].reshape(shape)


# ---------------------------------------------------------------------------------------------
# Joint layout and finite differences on the configuration manifold.


@dataclasses.dataclass(frozen=True)
class JointLayout:
  """Where each joint's coordinates live in qpos and qvel (static, hashable).

  scalar_q / scalar_v: qpos and dof indices of every coordinate that differentiates plainly
  (hinge, slide, the free joint's position); quat_q / quat_v: start of each quaternion in qpos
  (w, x, y, z) and of its 3 local angular-velocity dofs (free and ball joints).
  """

  nq: int
  nv: int
  scalar_q: tuple[int, ...]
  scalar_v: tuple[int, ...]
  quat_q: tuple[int, ...]
  quat_v: tuple[int, ...]

  @classmethod
  def from_model(cls, model) -> JointLayout:
    """From a jaxid Model or a mujoco.MjModel."""
    m = getattr(model, "mj_model", model)
    sq, sv, qq, qv = [], [], [], []
    for j in range(m.njnt):
      kind, qa, va = int(m.jnt_type[j]), int(m.jnt_qposadr[j]), int(m.jnt_dofadr[j])
      if kind == mujoco.mjtJoint.mjJNT_FREE:
        sq += [qa, qa + 1, qa + 2]
        sv += [va, va + 1, va + 2]
        qq.append(qa + 3)
        qv.append(va + 3)
      elif kind == mujoco.mjtJoint.mjJNT_BALL:
        qq.append(qa)
        qv.append(va)
      else:
        sq.append(qa)
        sv.append(va)
    return cls(int(m.nq), int(m.nv), tuple(sq), tuple(sv), tuple(qq), tuple(qv))


def _quat_mul(p, q, xp):
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


def _quat_conj(q, xp):
  return q * xp.asarray([1.0, -1.0, -1.0, -1.0], dtype=q.dtype)


def _quat_log(q, xp):
  """Rotation vector (axis * angle) of unit quaternions (..., 4), shortest arc.

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


def _normalize(q, xp):
  return q / xp.sqrt(xp.sum(q * q, axis=-1, keepdims=True))


# Stencils (offsets, weights) of the derivative at a frame, applied to the displacement
# r(k, k + o) from frame k (a difference for scalars, log(q_k^-1 q_k+o) for quaternions), which
# is zero at o = 0; divided by dt**order.
_STENCILS = {
  1: {
    "first": ((1, 2), (2.0, -0.5)),
    "mid": ((-1, 1), (-0.5, 0.5)),
    "last": ((-1, -2), (-2.0, 0.5)),
  },
  2: {
    "first": ((1, 2, 3), (-5.0, 4.0, -1.0)),
    "mid": ((-1, 1), (1.0, 1.0)),
    "last": ((-1, -2, -3), (-5.0, 4.0, -1.0)),
  },
}


def _shift(x, offset, region, xp):
  """x at frames k + offset for the frames k of a region (first, mid, last)."""
  n = x.shape[0]
  if region == "first":
    return x[offset : offset + 1]
  if region == "last":
    return x[n - 1 + offset : n + offset]
  return x[1 + offset : n - 1 + offset]


def _base(x, region):
  n = x.shape[0]
  return {"first": x[:1], "last": x[n - 1 :], "mid": x[1 : n - 1]}[region]


def _combine(terms, weights):
  """sum_i weights[i] * terms[i] (array arithmetic, no Python sum over arrays)."""
  out = weights[0] * terms[0]
  for w, t in zip(weights[1:], terms[1:], strict=True):
    out = out + w * t
  return out


def _derivative(layout: JointLayout, qpos, dt, order, xp):
  n = qpos.shape[0]
  need = 3 if order == 1 else 4
  if n < need:
    raise InputError(
      f"qpos: finite differences of order {order} need at least {need} frames, got {n}."
    )
  sq, qq = list(layout.scalar_q), list(layout.quat_q)
  scalars = qpos[:, sq] if sq else None
  quats = None
  if qq:
    idx = np.array(qq)[:, None] + np.arange(4)
    quats = _normalize(qpos[:, idx], xp)  # (T, nquat, 4)
  parts = []
  for region in ("first", "mid", "last"):
    offsets, weights = _STENCILS[order][region]
    cols = []
    if scalars is not None:
      x0 = _base(scalars, region)
      cols.append(_combine([_shift(scalars, o, region, xp) - x0 for o in offsets], weights))
    if quats is not None:
      inv = _quat_conj(_base(quats, region), xp)
      rel = [_quat_log(_quat_mul(inv, _shift(quats, o, region, xp), xp), xp) for o in offsets]
      d = _combine(rel, weights)
      cols.append(d.reshape(d.shape[0], -1))
    parts.append(xp.concatenate(cols, axis=1) if len(cols) > 1 else cols[0])
  values = xp.concatenate(parts, axis=0) / dt**order
  order_v = list(layout.scalar_v) + [v + i for v in layout.quat_v for i in range(3)]
  perm = np.argsort(order_v)
  return values[:, perm]


def velocities(layout: JointLayout, qpos, dt: float, xp=np):
  """qvel (T, nv) from qpos (T, nq) by second-order central differences.

  Interior frames: (r(k, k+1) - r(k, k-1)) / 2 dt, where r is the displacement from frame k in
  qvel's coordinates (log of q_k^-1 q_k+-1 in the local frame for quaternions, so angular
  velocities are local like MuJoCo's); one-sided second-order stencils at the two ends.
  """
  return _derivative(layout, qpos, dt, 1, xp)


def accelerations(layout: JointLayout, qpos, dt: float, xp=np):
  """qacc (T, nv) from qpos (T, nq): (r(k, k+1) + r(k, k-1)) / dt^2 inside, second-order
  one-sided stencils at the ends (the local angular acceleration for quaternions)."""
  return _derivative(layout, qpos, dt, 2, xp)


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
    q = _normalize(qpos[:, a : a + 4], xp)
    qpos = xp.concatenate([qpos[:, :a], q, qpos[:, a + 4 :]], axis=1)
  return qpos


def _layout(model_or_layout) -> JointLayout:
  if isinstance(model_or_layout, JointLayout):
    return model_or_layout
  return JointLayout.from_model(model_or_layout)


def kinematics_from_qpos(
  model, qpos, dt: float, cutoff: float | None = DEFAULT_CUTOFF, order: int = DEFAULT_ORDER
) -> Kinematics:
  """Kinematics(qpos, qvel, qacc) from raw positions, NumPy float64.

  model: a jaxid Model, MjModel or JointLayout; qpos (T, nq) every dt seconds; cutoff in Hz
  (None or -1: no filtering). Quaternions are made sign-continuous, filtered component-wise and
  renormalised; to filter OpenSim coordinates before building qpos (as OpenSim does) use
  jaxid.io.coordinates and velocities/accelerations directly.
  """
  layout = _layout(model)
  qpos = np.asarray(qpos, np.float64)
  _check_qpos(qpos, layout)
  if filter_enabled(cutoff):
    qpos = _renormalize(
      filtfilt(_continuous_quats(qpos, layout, np), dt, cutoff, order), layout, np
    )
  return Kinematics(qpos, velocities(layout, qpos, dt), accelerations(layout, qpos, dt))


def kinematics_from_qpos_jax(
  model, qpos, dt: float, cutoff: float | None = DEFAULT_CUTOFF, order: int = DEFAULT_ORDER
) -> Kinematics:
  """kinematics_from_qpos in JAX: differentiable in qpos (model, dt, cutoff, order static)."""
  layout = _layout(model)
  return _kinematics_jax(layout, jnp.asarray(qpos), float(dt), cutoff, int(order))


def _check_qpos(qpos, layout):
  if qpos.ndim != 2 or qpos.shape[1] != layout.nq:
    raise InputError(f"qpos: expected shape (T, {layout.nq}), got {tuple(qpos.shape)}.")


@functools.partial(jax.jit, static_argnums=(0, 2, 3, 4))
def _kinematics_jax(layout, qpos, dt, cutoff, order):
  _check_qpos(qpos, layout)
  if filter_enabled(cutoff):
    qpos = _continuous_quats(qpos, layout, jnp)
    qpos = _renormalize(filtfilt_jax(qpos, dt, cutoff, order), layout, jnp)
  return Kinematics(qpos, velocities(layout, qpos, dt, jnp), accelerations(layout, qpos, dt, jnp))

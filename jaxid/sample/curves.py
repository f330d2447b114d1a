"""The sample gait's constants and the normative curves it is built from.

- Sagittal joint angles: Winter (2009), appendix A, as Fourier fits; frontal and transverse
  angles: amplitudes and timing of Perry & Burnfield (2010) (leg_angles).
- One foot's vertical GRF: Winter's natural-cadence double hump (smooth_grf, GRF_SCALE).
- The heel-to-toe centre-of-pressure path along a stance foot (cop_along_foot).
"""

from __future__ import annotations

import numpy as np

STRIDE_S = 1.1  # stride (gait cycle) duration, s
SPEED = 1.3  # walking speed, m/s
STANCE = 0.62  # stance fraction of the cycle; double support 0-12 % and 50-62 %
GRAVITY = 9.81

# Mean sagittal joint angles (deg) at 0, 5, ..., 95 % of the gait cycle (right heel strike at
# 0 %), natural cadence, read off Winter (2009), appendix A: hip flexion, knee flexion, ankle
# dorsiflexion. Fitted below with 4 (hip: a smooth swing whose acceleration, and so the swing
# hip moment, should not ripple) or 6 harmonics.
PERCENT = np.arange(0, 100, 5)
WINTER_DEG = {
  "hip_flexion": [30, 29, 26, 22, 17, 12, 7, 3, -1, -5, -8, -9, -5, 3, 12, 20, 26, 30, 32, 31],
  "knee_angle": [5, 12, 17, 19, 17, 13, 9, 6, 5, 7, 12, 21, 33, 46, 57, 61, 56, 43, 26, 11],
  "ankle_angle": [0, -4, -5, -2, 1, 4, 6, 8, 9, 10, 8, 2, -9, -17, -14, -8, -3, 0, 1, 1],
}
_HARMONICS = 6

# Vertical GRF of one foot (body weights) at its cycle phases GRF_PHASE, 0 at heel strike and
# toe-off (62 %): Winter's natural-cadence double hump (peaks ~1.1-1.2 BW at ~12 % and ~48 %,
# valley ~0.8 BW at mid single stance), scaled below so that the two feet together carry body
# weight on average.
GRF_PHASE = np.array([0, 2, 5, 8, 12, 16, 20, 25, 31, 37, 42, 47, 50, 53, 56, 59, 62]) / 100
GRF_BW = np.array(
  [0.0, 0.18, 0.55, 0.9, 1.19, 1.16, 1.03, 0.88, 0.8, 0.85, 1.0, 1.15, 1.17, 1.0, 0.68, 0.3, 0.0]
)


def _fourier_fit(values, harmonics=_HARMONICS):
  """Real Fourier coefficients (a0, a_k, b_k) of equally spaced periodic samples."""
  c = np.fft.rfft(np.asarray(values, float)) / len(values)
  return c[: harmonics + 1]


def fourier_eval(coef, phase):
  k = np.arange(len(coef))
  e = np.exp(2j * np.pi * np.multiply.outer(phase, k))
  w = np.where(k == 0, 1.0, 2.0).reshape((-1,) + (1,) * (np.ndim(coef) - 1))
  return np.real(e @ (w * coef))


_WINTER_FIT = {
  name: _fourier_fit(v, 4 if name == "hip_flexion" else 6) for name, v in WINTER_DEG.items()
}


def smooth_grf(sph):
  """One foot's vertical GRF shape (body weights, before scaling) at its cycle phase: a monotone
  (PCHIP-like) cubic through the control points, C1, with zero slope at heel strike and toe-off."""
  x, y = GRF_PHASE, GRF_BW
  sph = np.asarray(sph, float)
  out = np.zeros_like(sph)
  h = np.diff(x)
  d = np.diff(y) / h
  m = np.zeros_like(y)
  for i in range(1, len(y) - 1):
    if d[i - 1] * d[i] > 0:
      w1, w2 = 2 * h[i] + h[i - 1], h[i] + 2 * h[i - 1]
      m[i] = (w1 + w2) / (w1 / d[i - 1] + w2 / d[i])
  m[0], m[-1] = 0.0, 0.0  # the load comes on and goes off smoothly (C1 at contact changes)
  inside = sph < x[-1]
  s = sph[inside]
  i = np.clip(np.searchsorted(x, s, side="right") - 1, 0, len(h) - 1)
  t = (s - x[i]) / h[i]
  h00, h10, h01, h11 = (
    2 * t**3 - 3 * t**2 + 1,
    t**3 - 2 * t**2 + t,
    -2 * t**3 + 3 * t**2,
    t**3 - t**2,
  )
  out[inside] = h00 * y[i] + h10 * h[i] * m[i] + h01 * y[i + 1] + h11 * h[i] * m[i + 1]
  return np.maximum(out, 0.0)


GRF_SCALE = 1.0 / (2 * smooth_grf(np.linspace(0, 1, 4000, endpoint=False)).mean())


def cop_along_foot(u):
  """Nominal COP distance (m) from the heel along the foot at stance fraction u in [0, 1]: fast
  over the heel in loading, steady over the midfoot, onto the forefoot in terminal stance."""
  u = np.clip(u, 0.0, 1.0)
  return 0.01 + 0.21 * (0.91225 * u + 0.45525 * u**2 - 0.3675 * u**3)


def leg_angles(phase, rng_amp, plant=None):
  """Joint angles (deg) of one leg at gait phase in [0, 1), heel strike at 0.

  Sagittal: Winter's curves (above), each scaled about its mean by the seed's amplitude.
  Frontal and transverse (Perry & Burnfield): hip adduction ~6 deg in loading, abduction
  ~5 deg after toe-off; hip rotation +-3 deg; subtalar eversion ~4 deg in loading; toe
  dorsiflexion in terminal stance. plant: the stance foot's hip adduction correction (deg),
  Fourier coefficients of the leg's phase.
  """
  a = rng_amp
  c = 2 * np.pi * phase
  out = {}
  for i, name in enumerate(("hip_flexion", "knee_angle", "ankle_angle")):
    coef = _WINTER_FIT[name].copy()
    coef[1:] *= a[(0, 3, 4)[i]]
    out[name] = fourier_eval(coef, phase)
  out["hip_adduction"] = a[1] * (1 + 5 * np.sin(c + 0.9) + 1.5 * np.sin(2 * c + 0.6))
  out["hip_rotation"] = a[2] * (3 * np.sin(c + 0.5))
  out["subtalar_angle"] = a[5] * (-4 * np.exp(6 * (np.cos(2 * np.pi * (phase - 0.12)) - 1)))
  out["mtp_angle"] = a[6] * 20 * np.exp(20 * (np.cos(2 * np.pi * (phase - 0.56)) - 1))
  if plant is not None:  # holds the stance foot in place sideways
    out["hip_adduction"] = out["hip_adduction"] + fourier_eval(plant, phase)
  return out

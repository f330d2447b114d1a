"""Sample gait trials: smooth walking kinematics with loads that balance them.

Kinematics are analytic periodic functions of the gait phase (Winter-like joint curves, pelvis
progression, sway and rotation). Velocities and accelerations come from central differences of
that analytic motion with MuJoCo's mj_differentiatePos, so the free joint's quaternion is
handled on the manifold. Loads are built from the motion: MuJoCo C's mj_inverse (float64) gives
the wrench the world must exert on the floating base; in each frame it is shared between the
feet in stance (a smooth hand-over in double support), and each foot's centre of pressure and
free moment solve the moment balance exactly (least change from a heel-to-toe COP path). The
root residual of a sample trial is therefore float64 round-off (see docs/model.md).
"""

from __future__ import annotations

from typing import Any

import mujoco
import numpy as np

from jaxid import model as model_lib
from jaxid.contract import has_free_root
from jaxid.errors import InputError
from jaxid.kinematics.coupling import couple_kinematics
from jaxid.kinematics.pelvis import pelvis_quat
from jaxid.models.registry import load_model
from jaxid.types import Kinematics, Loads, Trial

STRIDE_S = 1.1  # stride (gait cycle) duration, s
SPEED = 1.3  # walking speed, m/s
STANCE = 0.62  # stance fraction of the cycle; double support 0-12 % and 50-62 %
PELVIS_Z = 0.95  # mean pelvis height, m


def _bump(phase, centre, kappa):
  """Periodic von Mises bump, 1 at centre."""
  return np.exp(kappa * (np.cos(2 * np.pi * (phase - centre)) - 1.0))


def _leg_angles(phase, rng_amp):
  """Joint angles (deg) of one leg at gait phase in [0, 1), heel strike at 0."""
  a = rng_amp
  c = 2 * np.pi * phase
  return {
    "hip_flexion": a[0] * (10 + 21 * np.cos(c) + 2 * np.sin(2 * c)),
    "hip_adduction": a[1] * (3 * np.sin(c) + 2 * np.cos(2 * c)),
    "hip_rotation": a[2] * 4 * np.sin(c + 0.5),
    "knee_angle": 5 + a[3] * (13 * _bump(phase, 0.15, 12) + 55 * _bump(phase, 0.72, 9)),
    "ankle_angle": a[4] * (10 * _bump(phase, 0.45, 8) - 22 * _bump(phase, 0.63, 25) + 2),
    "subtalar_angle": a[5] * 4 * np.sin(c),
    "mtp_angle": a[6] * 20 * _bump(phase, 0.58, 20),
  }


def _standing_frame(m):
  """(q_face, pelvis offset): the root quaternion that turns the model to face +x, z up, and the
  pelvis origin in the root frame, both at qpos0 (identity and 0 for gait_lowerbody, whose root
  is the pelvis; MyoLeg's root faces -y: q_face is a quarter turn about z)."""
  d = mujoco.MjData(m)
  mujoco.mj_kinematics(m, d)
  pelvis = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, "pelvis")
  pelvis = 1 if pelvis < 0 else pelvis
  fwd = d.xmat[pelvis].reshape(3, 3)[:, 0]  # OpenSim's pelvis x axis points forward
  yaw = -np.arctan2(fwd[1], fwd[0])  # turn forward onto +x (about world z)
  world_in_root = np.zeros(4)
  mujoco.mju_negQuat(world_in_root, d.xquat[1])
  q_face = np.zeros(4)
  mujoco.mju_mulQuat(q_face, np.array([np.cos(yaw / 2), 0.0, 0.0, np.sin(yaw / 2)]), d.xquat[1])
  offset = np.zeros(3)
  mujoco.mju_rotVecQuat(offset, d.xpos[pelvis] - d.xpos[1], world_in_root)
  return q_face, offset


class _Gait:
  """Analytic walking motion of one trial (phase offset and amplitudes drawn from the seed)."""

  def __init__(self, mj_model, feet, rng):
    self.m = mj_model
    self.feet = feet
    self.phase0 = rng.uniform(0, 1)
    self.amp = rng.uniform(0.85, 1.15, size=(2, 7))
    self.qadr = {}
    for j in range(mj_model.njnt):
      self.qadr[mj_model.joint(j).name] = int(mj_model.jnt_qposadr[j])
    self.face, self.offset = _standing_frame(mj_model)
    self.sway = np.zeros((2, 1), complex)
    self.sway = self._pendulum_sway()

  def _pendulum_sway(self, n=256):
    """Fourier coefficients (x, y) of the pelvis translation that keeps the COP under the feet.

    Linear inverted pendulum: com'' = g / h (com - cop). The joint angles fix com - foot, so the
    pelvis acceleration that puts the COP on the feet's heel-to-toe path is g / h times
    (com - target); integrate it twice per harmonic of the stride (the mean is dropped).
    """
    m, d = self.m, mujoco.MjData(self.m)
    err = np.zeros((2, n))
    height = 0.0
    for j in range(n):
      t = j * STRIDE_S / n
      d.qpos = self.qpos(t)
      mujoco.mj_kinematics(m, d)
      mujoco.mj_comPos(m, d)
      w, sp = self.stance_weight(t)
      target = np.zeros(2)
      for i, b in enumerate(self.feet):
        fwd = d.xmat[b].reshape(3, 3)[:, 0]
        target += w[i] * (d.xpos[b] + (0.02 + 0.2 * np.clip(sp[i] / STANCE, 0, 1)) * fwd)[:2]
      err[:, j] = d.subtree_com[1][:2] - target / w.sum()
      height += d.subtree_com[1][2] / n
    acc = 9.81 / height * np.fft.rfft(err, axis=1) / n
    k = np.arange(acc.shape[1])
    omega = 2 * np.pi * k / STRIDE_S
    coef = np.zeros_like(acc)
    coef[:, 1:] = -acc[:, 1:] / omega[1:] ** 2
    coef[:, 40:] = 0.0  # keep the motion smooth: harmonics up to 39 / stride
    return coef

  def _sway_at(self, t):
    k = np.arange(self.sway.shape[1])
    e = np.exp(2j * np.pi * k * t / STRIDE_S)
    return 2 * np.real(self.sway @ e)

  def phase(self, t):
    return (self.phase0 + t / STRIDE_S) % 1.0

  def qpos(self, t):
    q = np.zeros(self.m.nq)
    ph = self.phase(t)
    c = 2 * np.pi * ph
    pelvis = pelvis_quat(
      np.radians(2 * np.sin(2 * c)), np.radians(4 * np.sin(c)), np.radians(4 * np.cos(c))
    )
    mujoco.mju_mulQuat(q[3:7], pelvis, self.face)  # q_root = q_pelvis q_face
    offset = np.zeros(3)
    mujoco.mju_rotVecQuat(offset, self.offset, q[3:7])
    q[0:3] = [SPEED * t, 0.0, PELVIS_Z + 0.02 * np.cos(2 * c - 0.6)]
    q[0:2] += self._sway_at(t)
    q[0:3] -= offset  # the pelvis origin follows the path, not the root's
    for side, sph, amp in (("r", ph, self.amp[0]), ("l", (ph + 0.5) % 1.0, self.amp[1])):
      for name, deg in _leg_angles(sph, amp).items():
        q[self.qadr[f"{name}_{side}"]] = np.radians(deg)
    # joints that follow others through joint equalities (MyoLeg's knee); a no-op without any
    return couple_kinematics(self.m, q)[0]

  def qvel(self, t, h=1e-4):
    v = np.zeros(self.m.nv)
    mujoco.mj_differentiatePos(self.m, v, 2 * h, self.qpos(t - h), self.qpos(t + h))
    return v

  def qacc(self, t, h=1e-3):
    return (self.qvel(t + h) - self.qvel(t - h)) / (2 * h)

  def stance_weight(self, t):
    """(w_l, w_r): each foot's share of the load; 0 in swing, summing to 1 in support."""
    ph = self.phase(t)
    w = []
    for sph in ((ph + 0.5) % 1.0, ph):  # left, right
      if sph >= STANCE:
        w.append(0.0)
      elif sph < 0.12:  # loading response: taking over from the other foot
        w.append(0.5 - 0.5 * np.cos(np.pi * sph / 0.12))
      elif sph >= 0.50:  # pre-swing: handing over
        w.append(0.5 + 0.5 * np.cos(np.pi * (sph - 0.50) / 0.12))
      else:
        w.append(1.0)
    return np.array(w), np.array([(ph + 0.5) % 1.0, ph])


def _root_wrench_map(m, d):
  """World wrench (F, M about the world origin) from the free root's generalized force r."""

  def to_world(r):
    rot = d.xmat[1].reshape(3, 3)
    f = r[0:3]
    m_pelvis = rot @ r[3:6]  # about the pelvis origin, world frame
    return f, m_pelvis + np.cross(d.xpos[1], f)

  return to_world


def _support_loads(f_tot, m_tot, weights, nominal):
  """Split (F, M) between the stance feet; each COP on z = 0 with a vertical free moment.

  Unknowns per stance foot: cop x, y and free moment T. The moment balance
  sum_i cop_i x (w_i F) + T_i z = M is linear in them; the solution nearest the nominal COPs
  (and zero T) is u = u0 + W^-1 A' (A W^-1 A')^-1 (M - A u0), with W weighting COP error by
  1/(5 cm)^2 and free moment by 1/(5 N m)^2.
  """
  feet = [i for i in range(2) if weights[i] > 0]
  cols, u0, wdiag = [], [], []
  for i in feet:
    fx, fy, fz = weights[i] * f_tot
    cols += [[0.0, -fz, fy], [fz, 0.0, -fx], [0.0, 0.0, 1.0]]
    u0 += [nominal[i][0], nominal[i][1], 0.0]
    wdiag += [0.05**-2, 0.05**-2, 5.0**-2]
  a = np.array(cols).T
  u0 = np.array(u0)
  winv = 1.0 / np.array(wdiag)
  lam = np.linalg.solve((a * winv) @ a.T, m_tot - a @ u0)
  u = u0 + winv * (a.T @ lam)
  out = {}
  for k, i in enumerate(feet):
    x, y, tz = u[3 * k : 3 * k + 3]
    out[i] = (weights[i] * f_tot, np.array([x, y, 0.0]), np.array([0.0, 0.0, tz]))
  return out


def sample_trial(
  model: Any = None, n_frames: int = 200, seed: int = 0, dt: float = 0.01, ext_forces: bool = False
) -> Trial:
  """A walking trial of n_frames frames at dt seconds, float64 NumPy arrays.

  model: a jaxid Model (or MjModel) with a free root, the two foot bodies and joints named as
    OpenSim's coordinates (hip_flexion_r, knee_angle_l, ...); default the bundled gait_lowerbody.
    Any root frame works (MyoLeg's faces -y: the motion is turned to walk along +x), and joints
    coupled by joint equality constraints (MyoLeg's knee) follow theirs exactly, derivatives
    included. ext_forces: add a constant 2 kg backpack load on the torso (and
    balance it), to exercise the ext_forces path; otherwise ext_forces are zeros.
  """
  if model is None:
    model = load_model("gait_lowerbody")
  mj_model = getattr(model, "mj_model", model)
  names = getattr(model, "body_names", model_lib.FOOT_NAMES)
  feet = model_lib.body_ids(mj_model, names)
  if not has_free_root(mj_model):
    raise InputError("model: sample_trial needs a model whose root joint is free.")
  if int(n_frames) < 1:
    raise InputError(f"n_frames: expected a positive frame count, got {n_frames!r}.")
  if not dt > 0:
    raise InputError(f"dt: expected a positive frame interval in seconds, got {dt!r}.")
  gait = _Gait(mj_model, feet, np.random.default_rng(seed))
  m, d = mj_model, mujoco.MjData(mj_model)
  t_all = np.arange(int(n_frames)) * dt
  qpos = np.stack([gait.qpos(t) for t in t_all])
  qvel = np.stack([gait.qvel(t) for t in t_all])
  qacc = np.stack([gait.qacc(t) for t in t_all])
  # exact derivatives of the coupled joints: qvel1 = p' qvel2, qacc1 = p' qacc2 + p'' qvel2^2
  qpos, qvel, qacc = couple_kinematics(m, qpos, qvel, qacc)
  ext = np.zeros((len(t_all), m.nbody, 6))
  torso = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_BODY, "torso")
  if ext_forces and torso >= 0:
    ext[:, torso, 2] = -2.0 * 9.81
  loads = {k: np.zeros((len(t_all), 3)) for k in ("grf", "cop", "moment")}
  loads = {f"{k}_{s}": v.copy() for k, v in loads.items() for s in "lr"}
  for k, t in enumerate(t_all):
    d.qpos, d.qvel, d.qacc = qpos[k], qvel[k], qacc[k]
    mujoco.mj_inverse(m, d)
    r = d.qfrc_inverse[:6].copy()
    qfrc_ext = np.zeros(m.nv)
    for b in range(1, m.nbody):
      if np.any(ext[k, b]):
        mujoco.mj_applyFT(m, d, ext[k, b, :3], ext[k, b, 3:], d.xipos[b], b, qfrc_ext)
    f_tot, m_tot = _root_wrench_map(m, d)(r - qfrc_ext[:6])
    weights, stance_phase = gait.stance_weight(t)
    nominal = []
    for i, b in enumerate(feet):  # heel-to-toe COP path under the foot
      heel = d.xpos[b]
      fwd = d.xmat[b].reshape(3, 3)[:, 0]
      s = np.clip(stance_phase[i] / STANCE, 0, 1)
      nominal.append(heel + (0.02 + 0.2 * s) * fwd)
    for i, (grf, cop, mom) in _support_loads(f_tot, m_tot, weights, nominal).items():
      side = "lr"[i]
      loads[f"grf_{side}"][k], loads[f"cop_{side}"][k], loads[f"moment_{side}"][k] = grf, cop, mom
  return Trial(Kinematics(qpos, qvel, qacc), Loads(ext_forces=ext, **loads))

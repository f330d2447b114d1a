"""Sample gait trials: normative walking kinematics with loads that balance them.

Kinematics are periodic functions of the gait phase. The sagittal hip, knee and ankle curves are
Fourier fits of the mean natural-cadence curves of D. A. Winter (2009), *Biomechanics and Motor
Control of Human Movement*, 4th ed., Wiley, appendix A (read off at 5 % of the cycle, to about a
degree); the frontal and transverse curves and the pelvis's list and rotation have the
amplitudes and timing of J. Perry and J. M. Burnfield (2010), *Gait Analysis: Normal and
Pathological Function*, 2nd ed. The pelvis translation is solved from the loads it must
produce: its vertical motion makes the total vertical ground reaction force the sum of two
double-humped single-foot curves (shaped like Winter's vertical GRF at natural cadence), and its
horizontal motion (iterated through MuJoCo C's mj_inverse) puts the centre of pressure of the
whole support on a heel-to-toe path under the stance feet; the stance foot is held in place
sideways by its hip adduction.

Velocities and accelerations come from central differences of that analytic motion with
MuJoCo's mj_differentiatePos, so the free joint's quaternion is handled on the manifold. Loads
are built from the motion: MuJoCo C's mj_inverse (float64) gives the wrench the world must exert
on the floating base; in each frame it is shared between the feet in stance (vertical forces in
the ratio of the two feet's GRF curves, horizontal forces pointing from each foot towards the
centre of mass), and each foot's centre of pressure and free moment solve the moment balance
exactly (least change from the heel-to-toe COP path). The root residual of a sample trial is
therefore float64 round-off. Measured figures and known limits: docs/model.md.
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
GRAVITY = 9.81

# Mean sagittal joint angles (deg) at 0, 5, ..., 95 % of the gait cycle (right heel strike at
# 0 %), natural cadence, read off Winter (2009), appendix A: hip flexion, knee flexion, ankle
# dorsiflexion. Fitted below with 4 (hip: a smooth swing whose acceleration, and so the swing
# hip moment, should not ripple) or 6 harmonics.
_PERCENT = np.arange(0, 100, 5)
_WINTER_DEG = {
  "hip_flexion": [30, 29, 26, 22, 17, 12, 7, 3, -1, -5, -8, -9, -5, 3, 12, 20, 26, 30, 32, 31],
  "knee_angle": [5, 12, 17, 19, 17, 13, 9, 6, 5, 7, 12, 21, 33, 46, 57, 61, 56, 43, 26, 11],
  "ankle_angle": [0, -4, -5, -2, 1, 4, 6, 8, 9, 10, 8, 2, -9, -17, -14, -8, -3, 0, 1, 1],
}
_HARMONICS = 6

# Vertical GRF of one foot (body weights) at its cycle phases _GRF_PHASE, 0 at heel strike and
# toe-off (62 %): Winter's natural-cadence double hump (peaks ~1.1-1.2 BW at ~12 % and ~48 %,
# valley ~0.8 BW at mid single stance), scaled below so that the two feet together carry body
# weight on average.
_GRF_PHASE = np.array([0, 2, 5, 8, 12, 16, 20, 25, 31, 37, 42, 47, 50, 53, 56, 59, 62]) / 100
_GRF_BW = np.array(
  [0.0, 0.18, 0.55, 0.9, 1.19, 1.16, 1.03, 0.88, 0.8, 0.85, 1.0, 1.15, 1.17, 1.0, 0.68, 0.3, 0.0]
)


def _fourier_fit(values, harmonics=_HARMONICS):
  """Real Fourier coefficients (a0, a_k, b_k) of equally spaced periodic samples."""
  c = np.fft.rfft(np.asarray(values, float)) / len(values)
  return c[: harmonics + 1]


def _fourier_eval(coef, phase):
  k = np.arange(len(coef))
  e = np.exp(2j * np.pi * np.multiply.outer(phase, k))
  w = np.where(k == 0, 1.0, 2.0).reshape((-1,) + (1,) * (np.ndim(coef) - 1))
  return np.real(e @ (w * coef))


_WINTER_FIT = {
  name: _fourier_fit(v, 4 if name == "hip_flexion" else 6) for name, v in _WINTER_DEG.items()
}


def _smooth_grf(sph):
  """One foot's vertical GRF shape (body weights, before scaling) at its cycle phase: a monotone
  (PCHIP-like) cubic through the control points, C1, with zero slope at heel strike and toe-off."""
  x, y = _GRF_PHASE, _GRF_BW
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


_GRF_SCALE = 1.0 / (2 * _smooth_grf(np.linspace(0, 1, 4000, endpoint=False)).mean())


def _cop_along_foot(u):
  """Nominal COP distance (m) from the heel along the foot at stance fraction u in [0, 1]: fast
  over the heel in loading, steady over the midfoot, onto the forefoot in terminal stance."""
  u = np.clip(u, 0.0, 1.0)
  return 0.01 + 0.21 * (0.91225 * u + 0.45525 * u**2 - 0.3675 * u**3)


def _leg_angles(phase, rng_amp, plant=None):
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
    out[name] = _fourier_eval(coef, phase)
  out["hip_adduction"] = a[1] * (1 + 5 * np.sin(c + 0.9) + 1.5 * np.sin(2 * c + 0.6))
  out["hip_rotation"] = a[2] * (3 * np.sin(c + 0.5))
  out["subtalar_angle"] = a[5] * (-4 * np.exp(6 * (np.cos(2 * np.pi * (phase - 0.12)) - 1)))
  out["mtp_angle"] = a[6] * 20 * np.exp(20 * (np.cos(2 * np.pi * (phase - 0.56)) - 1))
  if plant is not None:  # holds the stance foot in place sideways
    out["hip_adduction"] = out["hip_adduction"] + _fourier_eval(plant, phase)
  return out


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

  N_CYCLE = 220  # samples per stride for the pelvis solve (5 ms)
  N_HARM = 40  # pelvis translation harmonics kept (the solve tapers them off from 20 to 40)
  N_PLANT = 12  # harmonics of the stance-foot corrections

  def __init__(self, mj_model, feet, rng):
    self.m = mj_model
    self.feet = feet
    self.phase0 = rng.uniform(0, 1)
    self.amp = 1.0 + (rng.uniform(0.85, 1.15, size=(2, 7)) - 1.0) * 0.5  # 0.925 .. 1.075
    self.qadr = {}
    for j in range(mj_model.njnt):
      self.qadr[mj_model.joint(j).name] = int(mj_model.jnt_qposadr[j])
    self.face, self.offset = _standing_frame(mj_model)
    self.trans = np.zeros((3, self.N_HARM + 1), complex)  # pelvis translation, phase harmonics
    self.plant = {"r": None, "l": None}  # stance-foot adduction (deg), harmonics of leg phase
    self._plant_samples = {"r": np.zeros(self.N_CYCLE), "l": np.zeros(self.N_CYCLE)}
    self.toes = []
    for b in feet:
      kids = [c for c in range(mj_model.nbody) if c != b and mj_model.body_parentid[c] == b]
      self.toes.append(kids[0] if kids else b)
    self.tilt0 = 0.0  # mean pelvis tilt (rad; negative: anterior), solved with the translation
    self._solve_pelvis()

  # -- the motion ------------------------------------------------------------------------------

  def phase(self, t):
    return (self.phase0 + t / STRIDE_S) % 1.0

  def qpos(self, t, trans=True):
    q = np.zeros(self.m.nq)
    ph = self.phase(t)
    c = 2 * np.pi * ph
    # Pelvis (Perry & Burnfield): list +-4 deg, the swing side dropping in single support;
    # rotation +-4 deg, the leading leg's side forward at heel strike. Tilt: the lumped trunk is
    # welded to the pelvis, so the tilt is the trunk's pitch, +-1 deg twice a stride, forward in
    # loading response (the pelvis's own +-2 deg, posterior in loading, is taken up by the lumbar
    # spine and would drive the hip moment the wrong way); the mean anterior tilt is solved.
    pelvis = pelvis_quat(
      self.tilt0 - np.radians(1.0 * np.sin(2 * c + 0.5)),
      np.radians(-4 * np.sin(c)),
      np.radians(4 * np.cos(c)),
    )
    mujoco.mju_mulQuat(q[3:7], pelvis, self.face)  # q_root = q_pelvis q_face
    offset = np.zeros(3)
    mujoco.mju_rotVecQuat(offset, self.offset, q[3:7])
    q[0] = SPEED * t
    if trans:
      k = np.arange(self.trans.shape[1])
      w = np.where(k == 0, 1.0, 2.0)
      q[0:3] += np.real(self.trans @ (w * np.exp(2j * np.pi * k * ph)))
    q[0:3] -= offset  # the pelvis origin follows the path, not the root's
    for side, sph, amp in (("r", ph, self.amp[0]), ("l", (ph + 0.5) % 1.0, self.amp[1])):
      for name, deg in _leg_angles(sph, amp, self.plant[side]).items():
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
    """(w_l, w_r): each foot's share of the vertical load (its GRF curve's share); 0 in swing,
    summing to 1 in support; and the feet's cycle phases."""
    ph = self.phase(t)
    sph = np.array([(ph + 0.5) % 1.0, ph])  # left, right
    f = _smooth_grf(sph)
    return f / f.sum(), sph

  # -- the pelvis translation that makes the loads gait-like -------------------------------------

  def _solve_pelvis(self, iterations=8):
    """Fourier coefficients of the pelvis translation, and the pelvis's mean tilt.

    Vertical: the centre of mass's height follows com'' = g (F_z / (m g) - 1) with F_z the sum of
    both feet's GRF curves; a translation of the root moves the centre of mass by as much, so the
    pelvis height is that height minus the centre of mass's offset due to the joint angles.
    Horizontal: a linear inverted pendulum preconditions a fixed-point iteration through
    mj_inverse: com_h'' = g / h (com_h - cop), so the COP error e of the support (its COP from the
    root wrench minus the weighted heel-to-toe path) is corrected by com_h'' += g / h e per
    harmonic. The mean error is the centre of mass's mean place over the feet: the pelvis's mean
    anterior tilt (which turns the whole body about the pelvis) takes it out.
    """
    n = self.N_CYCLE
    ph = np.arange(n) / n
    t = (ph - self.phase0) * STRIDE_S
    omega2 = (2 * np.pi * np.arange(n // 2 + 1)) ** 2  # per unit phase
    # vertical: the COM height that the GRF curves ask for (phase units: d2/dphase2 = T^2 d2/dt2)
    fz = sum(_GRF_SCALE * _smooth_grf((ph + s) % 1.0) for s in (0.0, 0.5))
    acc = np.fft.rfft(GRAVITY * (fz - 1.0) * STRIDE_S**2) / n
    zc = np.zeros_like(acc)
    # a smooth (analytic) motion: harmonics above 20 per stride (18 Hz) tapered off by 40, so
    # that finite differences of it converge at second order
    k = np.arange(n // 2 + 1)
    taper = np.where(k <= 20, 1.0, 0.5 + 0.5 * np.cos(np.pi * np.clip((k - 20) / 20, 0, 1)))
    zc[1:] = -taper[1:] * acc[1:] / omega2[1:]
    corr = np.zeros((2, n // 2 + 1), complex)
    keep = self.N_HARM + 1
    for it in range(iterations + 1):
      com_off = self._com_offsets(t)
      height = self._com_height()
      z = np.fft.rfft(-com_off[2]) / n + zc
      z[0] += height
      xy = np.fft.rfft(-com_off[:2], axis=1) / n + corr
      xy[:, 0] = 0.0
      self.trans = np.concatenate([xy, z[None]])[:, :keep]
      if it == iterations:
        break
      err = self._cop_error(t)
      e = np.fft.rfft(err, axis=1) / n
      lip = height * omega2[1:] / (GRAVITY * STRIDE_S**2)
      corr[0, 1:] -= taper[1:] * e[0, 1:] / lip  # the feet move with the pelvis (x)
      corr[1, 1:] -= taper[1:] * e[1, 1:] / (1.0 + lip)  # the stance foot stays put (y)
      self.tilt0 += e[0, 0].real / height
      self._plant_feet(t, height)
    self.height = height

  def _plant_feet(self, t, height):
    """Correct each leg's hip adduction so that its rolling contact point (heel, then forefoot)
    stays put sideways in stance. Fore-aft it slides (docs/model.md): holding it there needs
    +-10 deg changes to Winter's hip curve."""
    m, d = self.m, mujoco.MjData(self.m)
    n = len(t)
    pts = np.zeros((2, n))
    for j, tj in enumerate(t):
      d.qpos = self.qpos(tj)
      mujoco.mj_kinematics(m, d)
      _, sph = self.stance_weight(tj)
      for i, b in enumerate(self.feet):
        beta = np.clip((sph[i] / STANCE - 0.15) / 0.5, 0, 1)
        beta = beta * beta * (3 - 2 * beta)
        pts[i, j] = ((1 - beta) * d.xpos[b] + beta * d.xpos[self.toes[i]])[1]
    for i, side in enumerate("lr"):
      shift = n // 2 if side == "l" else 0
      p = np.roll(pts[i], -shift)  # sample k: leg phase k / n
      u = np.arange(n) / n
      stance = u < STANCE
      sign = 1.0 if side == "l" else -1.0  # adduction moves the right foot to +y, the left to -y
      delta = sign * np.degrees((p - p[stance].mean()) / height)
      # swing: blend from the toe-off value to the heel-strike value
      last, first = np.where(stance)[0][-1], 0
      sw = ~stance
      blend = (u[sw] - u[last]) / (1.0 - u[last])
      blend = 0.5 - 0.5 * np.cos(np.pi * blend)
      delta[sw] = delta[last] * (1 - blend) + delta[first] * blend
      self._plant_samples[side] += delta
      self.plant[side] = (np.fft.rfft(self._plant_samples[side]) / n)[: self.N_PLANT + 1]

  def _com_offsets(self, t):
    """COM (3, n) of the untranslated motion (root translation 0 but for the offset)."""
    m, d = self.m, mujoco.MjData(self.m)
    out = np.zeros((3, len(t)))
    for j, tj in enumerate(t):
      d.qpos = self.qpos(tj, trans=False)
      d.qpos[0] -= SPEED * tj
      mujoco.mj_kinematics(m, d)
      mujoco.mj_comPos(m, d)
      out[:, j] = d.subtree_com[1]
    return out

  def _com_height(self):
    """Mean COM height: the stance foot's heel sphere (2 cm) on the floor at mid-stance."""
    m, d = self.m, mujoco.MjData(self.m)
    t = (0.3 - self.phase0) * STRIDE_S  # right foot mid-stance
    d.qpos = self.qpos(t, trans=False)
    d.qpos[0:3] = 0.0
    mujoco.mj_kinematics(m, d)
    mujoco.mj_comPos(m, d)
    heel = d.xpos[self.feet[1]][2]
    return d.subtree_com[1][2] - heel + 0.02

  def nominal_cop(self, d, sph):
    """Heel-to-toe COP path of each foot (world x, y, z) at the feet's cycle phases."""
    out = []
    for i, b in enumerate(self.feet):
      fwd = d.xmat[b].reshape(3, 3)[:, 0]
      out.append(d.xpos[b] + _cop_along_foot(sph[i] / STANCE) * fwd)
    return out

  def _cop_error(self, t):
    m, d = self.m, mujoco.MjData(self.m)
    err = np.zeros((2, len(t)))
    for j, tj in enumerate(t):
      d.qpos, d.qvel, d.qacc = self.qpos(tj), self.qvel(tj), self.qacc(tj)
      mujoco.mj_inverse(m, d)
      f, mom = _root_wrench_map(m, d)(d.qfrc_inverse[:6].copy())
      cop = np.array([-mom[1] / f[2], mom[0] / f[2]])
      w, sph = self.stance_weight(tj)
      nominal = self.nominal_cop(d, sph)
      target = sum(w[i] * nominal[i][:2] for i in range(2))
      err[:, j] = cop - target
    return err


def _root_wrench_map(m, d):
  """World wrench (F, M about the world origin) from the free root's generalized force r."""

  def to_world(r):
    rot = d.xmat[1].reshape(3, 3)
    f = r[0:3]
    m_pelvis = rot @ r[3:6]  # about the pelvis origin, world frame
    return f, m_pelvis + np.cross(d.xpos[1], f)

  return to_world


def _split_forces(f_tot, weights, nominal, com):
  """Each stance foot's force: its share of the vertical force, horizontal force along the line
  from its nominal COP to the centre of mass, the remainder shared by the vertical shares."""
  forces = {}
  for i in range(2):
    if weights[i] > 0:
      fz = weights[i] * f_tot[2]
      lean = (com[:2] - nominal[i][:2]) / max(com[2], 0.1)
      forces[i] = np.array([fz * lean[0], fz * lean[1], fz])
  rest = f_tot[:2] - sum(f[:2] for f in forces.values())
  for i, f in forces.items():
    f[:2] += weights[i] * rest
  return forces


def _support_loads(forces, m_tot, nominal):
  """COP (on z = 0) and vertical free moment of each stance foot, its force given.

  Unknowns per stance foot: cop x, y and free moment T. The moment balance
  sum_i cop_i x F_i + T_i z = M is linear in them; the solution nearest the nominal COPs
  (and zero T) is u = u0 + W^-1 A' (A W^-1 A')^-1 (M - A u0), with W weighting COP error by
  1/(5 cm)^2 and free moment by 1/(5 N m)^2.
  """
  feet = sorted(forces)
  cols, u0, wdiag = [], [], []
  for i in feet:
    fx, fy, fz = forces[i]
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
    out[i] = (forces[i], np.array([x, y, 0.0]), np.array([0.0, 0.0, tz]))
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
    ext[:, torso, 2] = -2.0 * GRAVITY
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
    weights, sph = gait.stance_weight(t)
    nominal = gait.nominal_cop(d, sph)
    forces = _split_forces(f_tot, weights, nominal, d.subtree_com[1])
    for i, (grf, cop, mom) in _support_loads(forces, m_tot, nominal).items():
      side = "lr"[i]
      loads[f"grf_{side}"][k], loads[f"cop_{side}"][k], loads[f"moment_{side}"][k] = grf, cop, mom
  return Trial(Kinematics(qpos, qvel, qacc), Loads(ext_forces=ext, **loads))

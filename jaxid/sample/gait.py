"""The sample's analytic walking motion and the pelvis solve that makes its loads gait-like.

- standing_frame: the root turn and pelvis offset that face a model along +x.
- Gait: qpos/qvel/qacc at time t (pelvis list, rotation, trunk pitch; Winter's leg curves), each
  foot's share of the load, and the pelvis translation and stance-foot corrections solved
  through MuJoCo C's mj_inverse.
"""

from __future__ import annotations

import mujoco
import numpy as np

from jaxid.kinematics.coupling import couple_kinematics
from jaxid.kinematics.pelvis import pelvis_quat
from jaxid.sample.curves import (
  GRAVITY,
  GRF_SCALE,
  SPEED,
  STANCE,
  STRIDE_S,
  cop_along_foot,
  leg_angles,
  smooth_grf,
)
from jaxid.sample.loads import root_wrench_map


def standing_frame(m):
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


class Gait:
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
    self.face, self.offset = standing_frame(mj_model)
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
    # Pelvis (Perry & Burnfield): list +-4 deg, the swing side dropping in single support.
    # Rotation and tilt are the lumped trunk's, which is welded to the pelvis and carries most of
    # its yaw inertia: rotation +-5 deg against the legs' swing (the leading leg's side back at
    # heel strike), as the thorax counter-rotates in people; the pelvis's own +-4 deg the other
    # way would add to the legs' yaw angular momentum and the free moment (0.36 N m/kg, against
    # 0.20). Tilt: the trunk's pitch, +-1 deg twice a stride, forward in loading response (the
    # pelvis's own +-2 deg, posterior in loading, is taken up by the lumbar spine and would drive
    # the hip moment the wrong way); the mean anterior tilt is solved.
    pelvis = pelvis_quat(
      self.tilt0 - np.radians(1.0 * np.sin(2 * c + 0.5)),
      np.radians(-4 * np.sin(c)),
      np.radians(-5 * np.cos(c + 0.4)),
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
      for name, deg in leg_angles(sph, amp, self.plant[side]).items():
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
    f = smooth_grf(sph)
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
    fz = sum(GRF_SCALE * smooth_grf((ph + s) % 1.0) for s in (0.0, 0.5))
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
      out.append(d.xpos[b] + cop_along_foot(sph[i] / STANCE) * fwd)
    return out

  def _cop_error(self, t):
    m, d = self.m, mujoco.MjData(self.m)
    err = np.zeros((2, len(t)))
    for j, tj in enumerate(t):
      d.qpos, d.qvel, d.qacc = self.qpos(tj), self.qvel(tj), self.qacc(tj)
      mujoco.mj_inverse(m, d)
      f, mom = root_wrench_map(m, d)(d.qfrc_inverse[:6].copy())
      cop = np.array([-mom[1] / f[2], mom[0] / f[2]])
      w, sph = self.stance_weight(tj)
      nominal = self.nominal_cop(d, sph)
      target = sum(w[i] * nominal[i][:2] for i in range(2))
      err[:, j] = cop - target
    return err

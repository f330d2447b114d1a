"""The MuJoCo C peer: the fastest plain Python loop over mujoco.mj_inverse with jaxid's outputs.

This is what a user would run instead of jaxid when no gradient is needed. Per frame it makes
the C calls that depend on the frame's state and nothing else:

  copy qpos, qvel, qacc into preallocated MjData rows (np.copyto, no new arrays)
  mj_inverse                       -> qfrc_inverse (kinematics, com, crb, rne in one call)
  copy qfrc_inverse, xpos / xipos / subtree_com of the feet and roots into preallocated arrays
  mj_applyFT(-grf at cop, -moment) -> joint_torques = qfrc_inverse - J' xfrc (feet in contact)
  mj_applyFT(-ext at xipos)        -> the same for bodies with ext_forces
  mj_fullM                         -> mass_matrix

The wrench terms that only need the frame's positions (reported moment and distance about xpos,
cfrc_ext in com-based coordinates) are computed after the loop, vectorised over all frames, from
the positions stored per frame: there are no per-frame NumPy temporaries (no np.cross on
3-vectors). mj_applyFT at the COP applies J'(cop)' grf + J_rot' moment, which equals J'(xipos)'
of the wrench [grf, (cop - xipos) x grf + moment] that jaxid puts in xfrc_applied, so the foot
wrench itself is never formed per frame.

`run_literal` is the straightforward variant that the issue describes (xfrc_applied per frame,
mj_rnePostConstraint for cfrc_ext, mju_* 3-vector helpers into preallocated buffers): it shows
what the shortcut saves. The benchmark rows check both against the parity harness's oracle.
Output keys, foot fields, sides, shapes and the contact rule come from jaxid.contract.

Both compute in float64 (MuJoCo C has no float32).
"""

from __future__ import annotations

import mujoco
import numpy as np

from jaxid.contract import ALL_OUTPUTS, DISTANCES, FOOT_FIELDS, SIDES, in_contact, shape_of

# Outputs that need the frames' body positions (the vectorised post-pass).
POSITION_KEYS = {*DISTANCES, *(f"moment_calcn_{s}" for s in SIDES), "contact_force"}


def _f64(x) -> np.ndarray:
  return np.ascontiguousarray(np.asarray(x, dtype=np.float64))


def _feet(loads) -> list[list[np.ndarray]]:
  """float64 copies of the foot loads: per FOOT_FIELDS (grf, cop, moment) one array per side."""
  return [[_f64(getattr(loads, f"{f}_{s}")) for s in SIDES] for f in FOOT_FIELDS]


class Peer:
  """Preallocated MjData and input copies for one model and one trial; call run() repeatedly.

  Everything that does not depend on the frame loop (float64 copies of the inputs, negated
  loads, contact flags, output arrays) is prepared once, as a user batching trials would.
  """

  def __init__(self, mj_model: mujoco.MjModel, body_ids, trial, outputs=None):
    self.m = mj_model
    self.d = mujoco.MjData(mj_model)
    self.feet = tuple(int(b) for b in body_ids)
    self.outputs = ALL_OUTPUTS if outputs is None else tuple(outputs)
    kin, ld = trial.kinematics, trial.loads
    self.qpos, self.qvel, self.qacc = _f64(kin.qpos), _f64(kin.qvel), _f64(kin.qacc)
    n = self.n = self.qpos.shape[0]
    self.grf, self.cop, self.moment = _feet(ld)
    self.ext = _f64(ld.ext_forces)
    self.contact = [np.asarray(in_contact(c)) for c in self.cop]
    # Negated loads: mj_applyFT adds J' f into its target, the torques subtract it.
    self.neg_grf = [-g for g in self.grf]
    self.neg_moment = [-mo for mo in self.moment]
    self.neg_ext = -self.ext
    # Bodies that ever carry ext_forces (world body 0 never moves anything).
    self.ext_bodies = [b for b in range(1, mj_model.nbody) if np.any(self.ext[:, b])]
    nv, nb = mj_model.nv, mj_model.nbody
    want = set(self.outputs)
    self.need_tau = bool(want & {"joint_torques", "residuals"})
    self.need_pos = bool(want & POSITION_KEYS)
    self.need_m = "mass_matrix" in want
    self.jf = np.zeros((n, nv))
    self.tau = np.zeros((n, nv)) if self.need_tau else None
    self.mass = np.zeros((n, nv, nv)) if self.need_m else None
    # Per-frame positions for the vectorised post-pass.
    self.xpos = np.zeros((n, nb, 3)) if self.need_pos else None
    self.xipos = np.zeros((n, nb, 3)) if self.need_pos else None
    self.subtree_com = np.zeros((n, nb, 3)) if self.need_pos else None

  def run(self) -> dict[str, np.ndarray]:
    """Inverse dynamics of the whole trial; returns the requested outputs (float64)."""
    m, d = self.m, self.d
    # Views on MjData's buffers, taken once: attribute access makes a new wrapper each time.
    dq, dv, da, qfi = d.qpos, d.qvel, d.qacc, d.qfrc_inverse
    dxpos, dxipos, dsub = d.xpos, d.xipos, d.subtree_com
    qpos, qvel, qacc = self.qpos, self.qvel, self.qacc
    jf, tau, mass = self.jf, self.tau, self.mass
    xpos, xipos, sub = self.xpos, self.xipos, self.subtree_com
    copyto, inverse, apply_ft, full_m = (
      np.copyto,
      mujoco.mj_inverse,
      mujoco.mj_applyFT,
      mujoco.mj_fullM,
    )
    feet = [
      (b, self.contact[i], self.cop[i], self.neg_grf[i], self.neg_moment[i])
      for i, b in enumerate(self.feet)
    ]
    ext = [(b, self.neg_ext[:, b, :3], self.neg_ext[:, b, 3:], dxipos[b]) for b in self.ext_bodies]
    need_tau, need_pos, need_m = self.need_tau, self.need_pos, self.need_m
    for t in range(self.n):
      copyto(dq, qpos[t])
      copyto(dv, qvel[t])
      copyto(da, qacc[t])
      inverse(m, d)
      jf[t] = qfi
      if need_tau:
        tau_t = tau[t]
        tau_t[:] = qfi
        for b, contact, cop, ngrf, nmom in feet:
          if contact[t]:
            apply_ft(m, d, ngrf[t], nmom[t], cop[t], b, tau_t)
        for b, nf, nt, xi in ext:
          apply_ft(m, d, nf[t], nt[t], xi, b, tau_t)
      if need_pos:
        xpos[t] = dxpos
        xipos[t] = dxipos
        sub[t] = dsub
      if need_m:
        full_m(m, d, mass[t])
    return self._finish()

  def _finish(self) -> dict[str, np.ndarray]:
    """The position-only outputs, vectorised over frames."""
    out = {}
    want = set(self.outputs)
    if "joint_forces" in want:
      out["joint_forces"] = self.jf
    if "joint_torques" in want:
      out["joint_torques"] = self.tau
    if "residuals" in want:
      out["residuals"] = self.tau[:, :6]
    if "mass_matrix" in want:
      out["mass_matrix"] = self.mass
    if not self.need_pos:
      return out
    xfrc = self.ext.copy()
    for i, (side, b) in enumerate(zip(SIDES, self.feet, strict=True)):
      c = self.contact[i][:, None]
      cop, grf, mom = self.cop[i], self.grf[i], self.moment[i]
      r_org = cop - self.xpos[:, b]
      out[f"moment_calcn_{side}"] = np.where(c, np.cross(r_org, grf), 0.0)
      out[f"distance_calcn_{side}"] = np.where(c[:, 0], np.linalg.norm(r_org, axis=-1), 0.0)
      wrench = np.concatenate([grf, np.cross(cop - self.xipos[:, b], grf) + mom], axis=-1)
      xfrc[:, b] += np.where(c, wrench, 0.0)
    if "contact_force" in want:
      # mj_rnePostConstraint's cfrc_ext without contacts or equality constraints: xfrc_applied
      # moved from xipos to subtree_com of the body's root: [torque + (xipos - c) x f, f].
      root = self.m.body_rootid
      offset = self.xipos - self.subtree_com[:, root]
      f = xfrc[..., :3]
      cf = np.concatenate([xfrc[..., 3:] + np.cross(offset, f), f], axis=-1)
      cf[:, 0] = 0.0
      out["contact_force"] = cf
    return {k: out[k] for k in self.outputs if k in out}


def run(mj_model, body_ids, trial, outputs=None) -> dict[str, np.ndarray]:
  """One-shot convenience: Peer(...).run()."""
  return Peer(mj_model, body_ids, trial, outputs).run()


def run_literal(mj_model, body_ids, trial) -> dict[str, np.ndarray]:
  """The straightforward per-frame variant: xfrc_applied, mj_rnePostConstraint, mju_* helpers.

  Every output is computed inside the frame loop from MjData, with preallocated 3-vector
  buffers (no per-frame NumPy temporaries); joint_torques subtract J' xfrc_applied accumulated
  by mj_applyFT per loaded body.
  """
  m, d = mj_model, mujoco.MjData(mj_model)
  kin, ld = trial.kinematics, trial.loads
  qpos, qvel, qacc = _f64(kin.qpos), _f64(kin.qvel), _f64(kin.qacc)
  grfs, cops, moms = _feet(ld)
  ext = _f64(ld.ext_forces)
  n, nv, nb = qpos.shape[0], m.nv, m.nbody
  feet = tuple(int(b) for b in body_ids)
  out = {k: np.zeros(shape_of(k, m, n)) for k in ALL_OUTPUTS if k != "residuals"}
  dq, dv, da, qfi, xfrc = d.qpos, d.qvel, d.qacc, d.qfrc_inverse, d.xfrc_applied
  dxpos, dxipos, cfrc = d.xpos, d.xipos, d.cfrc_ext
  r = np.zeros(3)
  tq = np.zeros(3)
  acc = np.zeros(nv)
  loaded = [b for b in range(1, nb) if np.any(ext[:, b])]
  for t in range(n):
    np.copyto(dq, qpos[t])
    np.copyto(dv, qvel[t])
    np.copyto(da, qacc[t])
    mujoco.mj_inverse(m, d)
    out["joint_forces"][t] = qfi
    np.copyto(xfrc, ext[t])
    active = list(loaded)
    for i, (side, b) in enumerate(zip(SIDES, feet, strict=True)):
      cop, grf = cops[i][t], grfs[i][t]
      if abs(cop[0]) + abs(cop[1]) + abs(cop[2]) > 0.0:
        mujoco.mju_sub3(r, cop, dxpos[b])
        mujoco.mju_cross(out[f"moment_calcn_{side}"][t], r, grf)
        out[f"distance_calcn_{side}"][t] = mujoco.mju_norm3(r)
        mujoco.mju_sub3(r, cop, dxipos[b])
        mujoco.mju_cross(tq, r, grf)
        mujoco.mju_addTo3(tq, moms[i][t])
        mujoco.mju_addTo3(xfrc[b, :3], grf)
        mujoco.mju_addTo3(xfrc[b, 3:], tq)
        if b not in active:
          active.append(b)
    acc[:] = 0.0
    for b in active:
      mujoco.mj_applyFT(m, d, xfrc[b, :3], xfrc[b, 3:], dxipos[b], b, acc)
    np.subtract(qfi, acc, out=out["joint_torques"][t])
    mujoco.mj_rnePostConstraint(m, d)
    out["contact_force"][t] = cfrc
    mujoco.mj_fullM(m, d, out["mass_matrix"][t])
  out["residuals"] = out["joint_torques"][:, :6]
  return {k: out[k] for k in ALL_OUTPUTS}

"""The MuJoCo C float64 oracle: every contract key, plus joint_torques and residuals.

Per frame, on the C model (contact disabled by jaxid.load_model):

  mj_inverse            -> joint_forces = qfrc_inverse (MuJoCo ignores xfrc_applied here)
  contact rule          -> foot wrench at xipos, reported moment and distance about xpos
  mj_applyFT            -> qfrc_ext = J' xfrc_applied, summed over bodies
                           joint_torques = qfrc_inverse - qfrc_ext, residuals = joint_torques[:6]
  mj_rnePostConstraint  -> contact_force = cfrc_ext (xfrc_applied in com-based coordinates)
  mj_fullM              -> mass_matrix

The contract's formulas are written out here in NumPy, independently of jaxid.contract's JAX
functions (in_contact, foot_wrench, ...), so a bug there cannot hide behind a shared helper; only
the field and key lists come from jaxid.contract.
"""

from __future__ import annotations

import mujoco
import numpy as np

from jaxid import contract
from jaxid.model import FOOT_NAMES, body_ids


def in_contact(cop) -> bool:
  """The contract's contact rule on one frame's COP (3,): sum(|cop|) > 0.

  A NumPy twin of jaxid.contract.in_contact (which is jnp): the oracle stays independent of the
  code it checks.
  """
  return bool(np.sum(np.abs(np.asarray(cop, np.float64))) > 0.0)


def foot_terms(d: mujoco.MjData, b: int, grf, cop, moment) -> tuple[np.ndarray, np.ndarray, float]:
  """(wrench at xipos [6], reported moment about xpos [3], distance |cop - xpos|) of a stance foot."""
  grf, cop, moment = (np.asarray(a, np.float64) for a in (grf, cop, moment))
  r_com = cop - d.xipos[b]
  r_org = cop - d.xpos[b]
  wrench = np.concatenate([grf, np.cross(r_com, grf) + moment])
  return wrench, np.cross(r_org, grf), float(np.linalg.norm(r_org))


def generalized(m: mujoco.MjModel, d: mujoco.MjData, xfrc: np.ndarray) -> np.ndarray:
  """J' xfrc: the generalized force of body wrenches applied at each body's xipos (mj_applyFT)."""
  out = np.zeros(m.nv)
  for b in range(1, m.nbody):
    if np.any(xfrc[b]):
      mujoco.mj_applyFT(m, d, xfrc[b, :3].copy(), xfrc[b, 3:].copy(), d.xipos[b].copy(), b, out)
  return out


def _field(obj, name):
  if isinstance(obj, dict):
    return obj[name]
  return getattr(obj, name)


def _loads(loads) -> dict[str, np.ndarray]:
  """Every contract load field of a Loads (or dict), float64 NumPy."""
  return {k: np.asarray(_field(loads, k), np.float64) for k in contract.LOADS_FIELDS}


def run(mj_model: mujoco.MjModel, kinematics, loads, body_names=FOOT_NAMES) -> dict:
  """Every output of the contract (plus joint_torques, residuals) for a trial, float64 NumPy.

  Also returned, for the comparison's scales and for tests: contact_l/_r (the rule's verdict per
  frame), xfrc_applied (the wrenches applied), qfrc_ext (J' xfrc_applied), inertial_terms
  (|M| |qacc|: the magnitude of the M qacc terms of qfrc_inverse), constraint_terms (the same
  for qfrc_constraint, per dof; zeros without constraint rows), grf_l/_r (inputs).

  kinematics, loads: jaxid.Kinematics / jaxid.Loads (or dicts) with leading axis T; any float
  dtype (float32 inputs are widened exactly, so the oracle sees the candidate's inputs).
  """
  m = mj_model
  d = mujoco.MjData(m)
  feet = body_ids(m, tuple(body_names))
  qpos, qvel, qacc = (
    np.asarray(_field(kinematics, k), np.float64) for k in contract.KINEMATICS_FIELDS
  )
  ld = _loads(loads)
  n = qpos.shape[0]
  keys = (*contract.OUTPUT_SHAPES, *contract.EXTRA_SHAPES)  # every contract key
  out = {k: np.zeros(contract.shape_of(k, m, n)) for k in keys}
  out |= {
    "contact_l": np.zeros(n, bool),
    "contact_r": np.zeros(n, bool),
    "xfrc_applied": np.zeros((n, m.nbody, 6)),
    "qfrc_ext": np.zeros((n, m.nv)),
    "inertial_terms": np.zeros((n, m.nv)),
    "constraint_terms": np.zeros((n, m.nv)),
    "grf_l": ld["grf_l"],
    "grf_r": ld["grf_r"],
  }
  for t in range(n):
    d.qpos[:], d.qvel[:], d.qacc[:] = qpos[t], qvel[t], qacc[t]
    d.xfrc_applied[:] = 0.0
    mujoco.mj_inverse(m, d)
    out["joint_forces"][t] = d.qfrc_inverse
    xfrc = ld["ext_forces"][t].copy()
    for side, b in zip(contract.SIDES, feet, strict=True):
      cop, grf, mom = ld[f"cop_{side}"][t], ld[f"grf_{side}"][t], ld[f"moment_{side}"][t]
      if in_contact(cop):
        wrench, moment, dist = foot_terms(d, b, grf, cop, mom)
        xfrc[b] += wrench
        out[f"moment_calcn_{side}"][t] = moment
        out[f"distance_calcn_{side}"][t] = dist
        out[f"contact_{side}"][t] = True
    out["xfrc_applied"][t] = xfrc
    out["qfrc_ext"][t] = generalized(m, d, xfrc)
    tau = d.qfrc_inverse - out["qfrc_ext"][t]
    out["joint_torques"][t] = tau
    out["residuals"][t] = tau[:6]
    d.xfrc_applied[:] = xfrc
    mujoco.mj_rnePostConstraint(m, d)
    out["contact_force"][t] = d.cfrc_ext
    mujoco.mj_fullM(m, d, out["mass_matrix"][t])
    out["inertial_terms"][t] = np.abs(out["mass_matrix"][t]) @ np.abs(qacc[t])
    out["constraint_terms"][t] = constraint_terms(m, d, qpos[t], qvel[t], qacc[t])
  if not contract.has_free_root(m):
    del out["residuals"]
  return out


def constraint_terms(m: mujoco.MjModel, d: mujoco.MjData, qpos, qvel, qacc) -> np.ndarray:
  """|J|' R^-1 (|J| |qacc| + B |J| |qvel| + K |J| |q|): the magnitude of qfrc_constraint's terms.

  After mj_inverse. A soft constraint row's force is -(J qacc - aref) / R, aref = -B J qvel - K r:
  round-off in the terms of J qacc, of J qvel and of the position residual r (computed from the
  joint coordinates q) is divided by R, which a stiff constraint makes tiny (MyoLeg's knee
  equalities: solimp 0.9999), and mapped back by J'. Per dof [nv]; zeros without constraint rows.
  q: |qpos| of each hinge and slide dof, 1 for ball and free dofs (unit quaternion components).
  """
  if d.nefc == 0:
    return np.zeros(m.nv)
  jac = np.abs(d.efc_J.reshape(d.nefc, m.nv))
  q = np.ones(m.nv)
  for j in range(m.njnt):
    if m.jnt_type[j] in (mujoco.mjtJoint.mjJNT_HINGE, mujoco.mjtJoint.mjJNT_SLIDE):
      q[m.jnt_dofadr[j]] = abs(qpos[m.jnt_qposadr[j]])
  k, b = np.abs(d.efc_KBIP[:, 0]), np.abs(d.efc_KBIP[:, 1])
  rows = jac @ np.abs(qacc) + b * (jac @ np.abs(qvel)) + k * (jac @ q)
  return jac.T @ (rows / d.efc_R)


def simulate(
  mj_model: mujoco.MjModel, qpos0, qvel0, qacc_target, loads, body_names=FOOT_NAMES
) -> dict:
  """Forward-simulate under known joint torques and known foot loads (MuJoCo C, float64).

  Each step t: the foot loads of frame t (contract's rule and wrench, at the current xipos) plus
  ext_forces go into xfrc_applied; the joint torques are those that would give qacc_target[t]
  under these loads (mj_inverse minus J' xfrc), with the free root's six rows set to zero (an
  unactuated floating base), into qfrc_applied; mj_forward gives the state's actual qacc; mj_step
  advances at the model's timestep. Returns the trial the motion makes (qpos, qvel, qacc), the
  applied torques [T, nv], the applied xfrc [T, nbody, 6], and nefc: the number of constraint
  rows seen (0: no joint limit was reached, so no force other than the known ones acted).
  """
  m = mj_model
  d = mujoco.MjData(m)
  feet = body_ids(m, tuple(body_names))
  free = contract.has_free_root(m)
  ld = _loads(loads)
  n = len(qacc_target)
  out = {
    "qpos": np.zeros((n, m.nq)),
    "qvel": np.zeros((n, m.nv)),
    "qacc": np.zeros((n, m.nv)),
    "torques": np.zeros((n, m.nv)),
    "xfrc": np.zeros((n, m.nbody, 6)),
    "nefc": 0,
  }
  d.qpos[:], d.qvel[:] = qpos0, qvel0
  for t in range(n):
    d.qacc[:] = qacc_target[t]
    d.xfrc_applied[:] = 0.0
    d.qfrc_applied[:] = 0.0
    mujoco.mj_inverse(m, d)
    xfrc = ld["ext_forces"][t].copy()
    for side, b in zip(contract.SIDES, feet, strict=True):
      cop, grf, mom = ld[f"cop_{side}"][t], ld[f"grf_{side}"][t], ld[f"moment_{side}"][t]
      if in_contact(cop):
        xfrc[b] += foot_terms(d, b, grf, cop, mom)[0]
    tau = d.qfrc_inverse - generalized(m, d, xfrc)
    if free:
      tau[:6] = 0.0
    d.qfrc_applied[:] = tau
    d.xfrc_applied[:] = xfrc
    mujoco.mj_forward(m, d)
    out["nefc"] += int(d.nefc)
    out["qpos"][t], out["qvel"][t], out["qacc"][t] = d.qpos, d.qvel, d.qacc
    out["torques"][t], out["xfrc"][t] = tau, xfrc
    mujoco.mj_step(m, d)
  return out

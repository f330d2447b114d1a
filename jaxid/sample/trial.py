"""sample_trial: the sample's motion and the loads that balance it, as a Trial."""

from __future__ import annotations

import collections
import copy
import hashlib
from typing import Any

import mujoco
import numpy as np

from jaxid import model as model_lib
from jaxid.contract import has_free_root
from jaxid.errors import InputError
from jaxid.kinematics.coupling import couple_kinematics
from jaxid.models.registry import load_model
from jaxid.sample.curves import GRAVITY
from jaxid.sample.gait import Gait
from jaxid.sample.loads import root_wrench_map, split_forces, support_loads
from jaxid.types import Kinematics, Loads, Trial

_GAITS: collections.OrderedDict = collections.OrderedDict()  # (model digest, feet, seed) -> Gait
_GAITS_KEPT = 8


def _gait(mj_model: mujoco.MjModel, feet: tuple[int, ...], seed: int) -> Gait:
  """The seed's Gait (its pelvis solve takes ~2.5 s), kept for the last 8 (model, feet, seed):
  keyed by the model's full binary content, and built on a copy of it, so a model edited after
  the call gets a new solve and an edit never reaches a kept one."""
  buf = np.zeros(mujoco.mj_sizeModel(mj_model), np.uint8)
  mujoco.mj_saveModel(mj_model, None, buf)
  key = (hashlib.sha256(buf.tobytes()).hexdigest(), tuple(feet), int(seed))
  if key not in _GAITS:
    _GAITS[key] = Gait(copy.copy(mj_model), feet, np.random.default_rng(seed))
    if len(_GAITS) > _GAITS_KEPT:
      _GAITS.popitem(last=False)
  _GAITS.move_to_end(key)
  return _GAITS[key]


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
  gait = _gait(mj_model, feet, seed)
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
    f_tot, m_tot = root_wrench_map(m, d)(r - qfrc_ext[:6])
    weights, sph = gait.stance_weight(t)
    nominal = gait.nominal_cop(d, sph)
    forces = split_forces(f_tot, weights, nominal, d.subtree_com[1])
    for i, (grf, cop, mom) in support_loads(forces, m_tot, nominal).items():
      side = "lr"[i]
      loads[f"grf_{side}"][k], loads[f"cop_{side}"][k], loads[f"moment_{side}"][k] = grf, cop, mom
  return Trial(Kinematics(qpos, qvel, qacc), Loads(ext_forces=ext, **loads))

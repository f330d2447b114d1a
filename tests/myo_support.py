"""Helpers shared by the MyoLeg tests (test_myo.py, test_prune.py): random states and MuJoCo C."""

import mujoco
import numpy as np

from jaxid.kinematics import couple_kinematics


def random_states(m, n, rng, coupled=False, margin=0.1):
  """n states: free root anywhere, joints across (and margin beyond) their ranges."""
  out = []
  for _ in range(n):
    qpos = m.qpos0.copy()
    for j in range(m.njnt):
      a = int(m.jnt_qposadr[j])
      if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE:
        q = rng.normal(size=4)
        qpos[a : a + 7] = np.concatenate([rng.normal(size=3), q / np.linalg.norm(q)])
      elif m.jnt_limited[j]:
        lo, hi = m.jnt_range[j]
        qpos[a] = rng.uniform(lo - margin * (hi - lo), hi + margin * (hi - lo))
      else:
        qpos[a] = rng.uniform(-1, 1)
    qvel, qacc = 2 * rng.normal(size=m.nv), 20 * rng.normal(size=m.nv)
    if coupled:
      qpos, qvel, qacc = couple_kinematics(m, qpos, qvel, qacc)
    out.append((qpos, qvel, qacc))
  return out


def c_inverse(m, qpos, qvel, qacc):
  d = mujoco.MjData(m)
  d.qpos[:], d.qvel[:], d.qacc[:] = qpos, qvel, qacc
  mujoco.mj_inverse(m, d)
  return d


def worst_relative(m_a, m_b, states):
  worst, constraint = 0.0, 0.0
  for s in states:
    da, db = c_inverse(m_a, *s), c_inverse(m_b, *s)
    scale = np.abs(da.qfrc_inverse).max()
    worst = max(worst, np.abs(da.qfrc_inverse - db.qfrc_inverse).max() / scale)
    constraint = max(constraint, np.abs(da.qfrc_constraint).max())
  return worst, constraint

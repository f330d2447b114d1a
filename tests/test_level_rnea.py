"""The vectorised sweeps equal the scalar (body-by-body) tree sweep of jaxid.tree.rnea.

soa_rnea is jaxid.tree.groups (the tree backend's default sweep) without the armature, passive
and constraint terms; level_rnea is an experiment, kept so docs/performance.md's figures stay
reproducible; the last test compares the tree frame's two sweeps on every output. float64:
the sweeps sum in different orders, so they differ by round-off only, bounded at 1e-10 of the
torques' scale (about 2e-7 N m on the bundled model's and MyoLeg's ~2,000 N m), as the parity
harness bounds float64; the random trees are tests/test_tree_random.py's."""

from __future__ import annotations

import hypothesis
import jax
import mujoco
import numpy as np
import pytest
from myo_support import random_states
from test_tree_random import _trial, models

import jaxid
from benchmarks.experiments import level_rnea, soa_rnea
from jaxid import contract
from jaxid.tree import frame, tree_of

SWEEPS = {"level": level_rnea, "soa": soa_rnea}


def states(m, k=None):
  """(q, v, a, xfrc) float64 with frames on the last axis: kinematics k (a sample trial's) or
  16 random states across the joint ranges; random foot-sized wrenches on every body."""
  if k is None:
    q, v, a = map(np.stack, zip(*random_states(m, 16, np.random.default_rng(1))))
  else:
    q, v, a = k.qpos, k.qvel, k.qacc
  xfrc = 100 * np.random.default_rng(0).normal(size=(m.nbody, 6, len(q)))
  return tree_of(m), *(np.asarray(x, np.float64).T for x in (q, v, a)), xfrc


def check(mod, t, *args) -> None:
  """mod's torques equal the scalar sweep's to 1e-10 of their scale (float64)."""
  want = np.asarray(jax.jit(lambda *x: level_rnea.scalar_torques(t, *x))(*args))
  got = np.asarray(jax.jit(lambda *x: mod.torques(mod.plan(t), *x))(*args))
  scale = np.max(np.abs(want))
  assert scale > 10.0  # the wrenches and the motion reach every dof (random trees: ~1e2 N m)
  np.testing.assert_allclose(got, want, rtol=0, atol=1e-10 * scale)


# level_rnea has hinge and free joints only (MyoLeg's knees slide)
@pytest.mark.parametrize(
  ("sweep", "model"), [("level", "gait_lowerbody"), ("soa", "gait_lowerbody"), ("soa", "myolegs")]
)
def test_vectorised_sweep_matches_scalar(x64, sweep, model):
  mj = jaxid.load_model(model)
  k = jaxid.sample_trial(mj, n_frames=16, seed=3).kinematics if model == "gait_lowerbody" else None
  check(SWEEPS[sweep], *states(mj.mj_model, k))


@pytest.mark.x64
@hypothesis.settings(deadline=None)
@hypothesis.given(models())
def test_soa_sweep_matches_scalar_on_random_trees(xml):
  """Hinge, slide, ball and free joints, several bodies per depth, non-z gravity."""
  m = mujoco.MjModel.from_xml_string(xml)
  feet = jaxid.model.from_mj_model(m).body_ids
  k = _trial(m, feet, np.random.default_rng(len(xml))).kinematics  # random ball/free rotations
  with jax.enable_x64(True):
    check(soa_rnea, *states(m, k))


def test_level_sweep_refuses_ball_joints():
  m = mujoco.MjModel.from_xml_string(
    "<mujoco><worldbody><body><joint type='ball'/><geom size='.1'/></body></worldbody></mujoco>"
  )
  with pytest.raises(NotImplementedError, match="hinge and free"):
    level_rnea.plan(tree_of(m))


def test_frame_sweeps_agree_on_every_output(x64):
  """jaxid.tree.frame with sweep "groups" (the default) and "bodies": every contract output of
  a sample trial, float64, within 1e-10 of each output's scale (torques ~1e3 N m: 1e-7 N m)."""
  model = jaxid.load_model("gait_lowerbody")
  t = tree_of(model.mj_model)
  tr = jaxid.sample_trial(model, n_frames=16, seed=3)
  kin, ld = jax.tree.map(lambda x: np.asarray(x, np.float64), (tr.kinematics, tr.loads))
  run = lambda sweep: jax.jit(lambda k, d: frame(t, k, d, model.body_ids, sweep=sweep))(kin, ld)
  want, got = run("bodies"), run("groups")
  assert set(want) == set(got) == set(contract.ALL_OUTPUTS)
  for key, w in want.items():
    scale = max(float(np.max(np.abs(w))), 1.0)
    np.testing.assert_allclose(got[key], w, rtol=0, atol=1e-10 * scale, err_msg=key)
  assert np.any(got["joint_torques"] != want["joint_torques"])  # two programs, not one
  with pytest.raises(ValueError, match="sweep: expected one of"):
    frame(t, kin, ld, model.body_ids, sweep="levels")

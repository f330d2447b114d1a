"""The vectorised sweep experiments (benchmarks/experiments) equal the scalar tree sweep.

They are not backends; this keeps their figures in docs/performance.md reproducible. float64:
the sweeps sum in different orders, so they differ by round-off only, bounded at 1e-10 of the
torques' scale (about 2e-7 N m on the bundled model's and MyoLeg's ~2,000 N m), as the parity
harness bounds float64."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from myo_support import random_states

import jaxid
from benchmarks.experiments import level_rnea, soa_rnea
from jaxid.tree import tree_of

SWEEPS = {"level": level_rnea, "soa": soa_rnea}


def states(name):
  """(q, v, a, xfrc) float64 with frames on the last axis: the bundled model's sample trial,
  or random MyoLeg states across its joint ranges; random foot-sized wrenches on every body."""
  model = jaxid.load_model(name)
  t = tree_of(model.mj_model)
  if name == "gait_lowerbody":
    k = jaxid.sample_trial(model, n_frames=16, seed=3).kinematics
    q, v, a = k.qpos, k.qvel, k.qacc
  else:
    q, v, a = map(np.stack, zip(*random_states(model.mj_model, 16, np.random.default_rng(1))))
  xfrc = 100 * np.random.default_rng(0).normal(size=(len(t.bodies), 6, 16))
  return t, *(np.asarray(x, np.float64).T for x in (q, v, a)), xfrc


# level_rnea has hinge and free joints only (MyoLeg's knees slide)
@pytest.mark.parametrize(
  ("sweep", "model"), [("level", "gait_lowerbody"), ("soa", "gait_lowerbody"), ("soa", "myolegs")]
)
def test_vectorised_sweep_matches_scalar(x64, sweep, model):
  t, *args = states(model)
  mod = SWEEPS[sweep]
  want = np.asarray(jax.jit(lambda *x: level_rnea.scalar_torques(t, *x))(*args))
  got = np.asarray(jax.jit(lambda *x: mod.torques(mod.plan(t), *x))(*args))
  scale = np.max(np.abs(want))
  assert scale > 100.0  # the wrenches and the motion reach every dof
  np.testing.assert_allclose(got, want, rtol=0, atol=1e-10 * scale)


@pytest.mark.parametrize("sweep", list(SWEEPS))
def test_vectorised_sweeps_refuse_ball_joints(sweep):
  import mujoco

  m = mujoco.MjModel.from_xml_string(
    "<mujoco><worldbody><body><joint type='ball'/><geom size='.1'/></body></worldbody></mujoco>"
  )
  with pytest.raises(NotImplementedError, match="hinge"):
    SWEEPS[sweep].plan(tree_of(m))

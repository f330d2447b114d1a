"""The level-vectorised sweep experiment (benchmarks/experiments) equals the scalar tree sweep.

It is not a backend; this keeps its figures in docs/performance.md reproducible. float64: the
two sweeps sum in different orders, so they differ by round-off only, bounded at 1e-10 of the
torques' scale (about 2e-7 N m on the bundled model's ~2,000 N m), as the parity harness bounds
float64."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import jaxid
from benchmarks.experiments import level_rnea
from jaxid.tree import tree_of


def test_level_sweep_matches_scalar(x64):
  model = jaxid.load_model("gait_lowerbody")
  t = tree_of(model.mj_model)
  trial = jaxid.sample_trial(model, n_frames=16, seed=3)
  q, v, a = (np.asarray(x, np.float64).T for x in (trial.kinematics.qpos, trial.kinematics.qvel,
                                                   trial.kinematics.qacc))  # fmt: skip
  xfrc = 100 * np.random.default_rng(0).normal(size=(len(t.bodies), 6, q.shape[-1]))
  want = np.asarray(jax.jit(lambda *x: level_rnea.scalar_torques(t, *x))(q, v, a, xfrc))
  got = np.asarray(jax.jit(lambda *x: level_rnea.torques(level_rnea.plan(t), *x))(q, v, a, xfrc))
  scale = np.max(np.abs(want))
  assert scale > 100.0  # the wrenches and the gait reach every dof
  np.testing.assert_allclose(got, want, rtol=0, atol=1e-10 * scale)


def test_level_sweep_refuses_ball_joints():
  import mujoco

  m = mujoco.MjModel.from_xml_string(
    "<mujoco><worldbody><body><joint type='ball'/><geom size='.1'/></body></worldbody></mujoco>"
  )
  with pytest.raises(NotImplementedError, match="hinge and free"):
    level_rnea.plan(tree_of(m))

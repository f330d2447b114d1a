"""jaxid-specific findings of the harness (the default candidate's API, not the contract)."""

from __future__ import annotations

import jax
import numpy as np

import jaxid
from jaxid_parity import compare, oracle
from jaxid_parity import strategies as S

# jit vs eager of the same call: one program, but inlined into the user's jit, XLA may fuse and
# order a few of its sums differently. Each reordering moves a result by at most about an ulp of
# the largest partial sum, which is bounded by the output's scale (compare.scales: 992 N m on
# this trial), and the chain is six bodies deep: 4 eps32 of the scale (4.7e-4 N m here; measured
# 7.6e-5 N m, JAX 0.10.2 on CPU). A wrong cached model or a recompiled variant would be off by
# O(1) of the scale.
ULPS = 4


def test_model_first_used_under_jit_stays_usable():
  """Found by this harness: Model.mjx() cached tracers when first called inside a user's jit
  (put_model runs jnp ops), and every later call raised UnexpectedTracerError. Fixed in
  jaxid/model.py with jax.ensure_compile_time_eval()."""
  model = jaxid.load_model("gait_lowerbody")  # fresh: nothing cached
  trial = jax.tree.map(lambda a: np.asarray(a, np.float32), S.edge_trial("sample"))
  jitted = jax.jit(lambda tr: jaxid.inverse_dynamics(model, tr, outputs=("joint_torques",)))
  first = jitted(trial)["joint_torques"]
  again = jaxid.inverse_dynamics(model, trial, outputs=("joint_torques",))["joint_torques"]
  ref = oracle.run(model.mj_model, trial.kinematics, trial.loads, model.body_names)
  atol = ULPS * compare.EPS["float32"] * compare.scales(ref)["joint_torques"]  # N m
  np.testing.assert_allclose(again, first, rtol=0, atol=atol)

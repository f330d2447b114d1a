"""jaxid-specific findings of the harness (the default candidate's API, not the contract)."""

from __future__ import annotations

import jax
import numpy as np

import jaxid
from jaxid_parity import strategies as S


def test_model_first_used_under_jit_stays_usable():
  """Found by this harness: Model.mjx() cached tracers when first called inside a user's jit
  (put_model runs jnp ops), and every later call raised UnexpectedTracerError. Fixed in
  jaxid/model.py with jax.ensure_compile_time_eval()."""
  model = jaxid.load_model("gait_lowerbody")  # fresh: nothing cached
  trial = jax.tree.map(lambda a: np.asarray(a, np.float32), S.edge_trial("sample"))
  jitted = jax.jit(lambda tr: jaxid.inverse_dynamics(model, tr, outputs=("joint_torques",)))
  first = jitted(trial)["joint_torques"]
  again = jaxid.inverse_dynamics(model, trial, outputs=("joint_torques",))["joint_torques"]
  np.testing.assert_allclose(again, first, rtol=1e-5, atol=1e-3)

"""Candidate vs the MuJoCo C float64 oracle, every output key, float32 and float64.

Every key is checked on Hypothesis trials (all phase patterns) and on the edge trials of the
contact rule (swing zeros, flight, COP exactly zero with a nonzero GRF, tiny COPs, onsets).
"""

from __future__ import annotations

import jax
import numpy as np
import pytest
from hypothesis import given

from jaxid_parity import compare
from jaxid_parity import strategies as S
from jaxid_parity.harness import OPTIONAL, REQUIRED

KEYS = REQUIRED + OPTIONAL
LABEL = "candidate vs oracle"


def _check_against_oracle(harness, key):
  @S.fixture_settings()
  @given(trial=S.trials(harness.mj_model))
  @S.with_edges(harness.model_name)
  def check(trial):
    ref = harness.oracle(trial)
    out = harness.run(trial)
    compare.assert_close(key, out[key], ref[key], compare.scales(ref)[key], label=LABEL)

  check()


@pytest.mark.parametrize("key", KEYS)
def test_candidate_vs_oracle_f64(harness, require_key, key, x64):
  """float64: every key equals MuJoCo C to 1e-10 of its scale."""
  if key in OPTIONAL:
    require_key(key)
  _check_against_oracle(harness, key)


@pytest.mark.parametrize("key", KEYS)
def test_candidate_vs_oracle_f32(harness, require_key, key):
  """float32 (JAX's default): every key equals MuJoCo C to 1e-5 of its scale."""
  if key in OPTIONAL:
    require_key(key)
  _check_against_oracle(harness, key)


@pytest.mark.parametrize("kind", S.EDGES)
def test_contact_rule_edges(harness, kind):
  """The contact rule on its edges, per foot and frame: distance is zero exactly off contact.

  COP exactly zero with a nonzero GRF is swing (no wrench, distance 0); a COP of 1e-30 m is
  stance (distance = |xpos|, a wrench at the foot).
  """
  trial = S.edge_trial(kind, harness.model_name)
  ref = harness.oracle(trial)
  out = harness.run(trial)
  for side in "lr":
    contact = ref[f"contact_{side}"]
    dist = out[f"distance_calcn_{side}"]
    assert np.all(dist[~contact] == 0.0), f"{kind}: foot {side} off contact has a distance"
    assert np.all(dist[contact] > 0.0), f"{kind}: foot {side} in contact has no distance"
    mom = out[f"moment_calcn_{side}"]
    assert np.all(mom[~contact] == 0.0), f"{kind}: foot {side} off contact has a moment"


def test_residuals_of_balanced_sample(harness, require_key, x64):
  """The sample trial's loads balance its motion: residuals are round-off of the GRF scale."""
  require_key("residuals")
  sample = S.long_sample(harness.model_name)
  trial = jax.tree.map(lambda a: np.asarray(a)[: S.N_FRAMES], sample)
  out = harness.run(trial)
  ref = harness.oracle(trial)
  scale = compare.scales(ref)["residuals"]
  compare.assert_close(
    "residuals",
    out["residuals"],
    np.zeros_like(out["residuals"]),
    scale,
    label="candidate vs balance",
  )

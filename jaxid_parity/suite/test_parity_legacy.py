"""Candidate vs legacy/MJX_RunID.py, per contract key, float32 and float64.

Both sides are computed in the active precision, so the tolerance is doubled (compare.py). Where
the legacy is physically wrong the candidate is not compared with it (nor is the tolerance
loosened): it is compared with MuJoCo C, and the legacy's own error is measured, asserted to be
exactly the known one (so a change in legacy is noticed) and listed in the session summary:

  contact_force  legacy reads _impl.cfrc_ext right after mjx.inverse, which never fills it (only
                 rne_postconstraint does): the legacy's contact_force is all zeros.
  joint_forces   candidate and legacy agree (both are qfrc_inverse), but qfrc_inverse is not the
                 joint torques: mj_inverse / mjx.inverse ignore xfrc_applied, so the GRF never
                 enters. The legacy's error against the physical torques (the oracle's
                 joint_torques) is exactly J' xfrc_applied.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from jaxid_parity import compare
from jaxid_parity import strategies as S
from jaxid_parity.harness import REQUIRED

REASONS = {
  "contact_force": "legacy reads _impl.cfrc_ext after mjx.inverse, which never fills it (only"
  " rne_postconstraint does), so it is all zeros; candidate checked against mj_rnePostConstraint",
  "joint_forces": "legacy joint_forces are qfrc_inverse, which ignores xfrc_applied (mj_inverse"
  " and mjx.inverse): the GRF never enters; error vs the physical joint torques = J' xfrc",
}
LABEL = "candidate vs legacy"


def _check_against_legacy(harness, key):
  # Derandomized: every key's test draws the same trials, so the legacy loop (~0.3 s a trial)
  # runs once per trial and precision (memoised by the harness), whatever the profile's size.
  @S.fixture_settings(derandomize=True, database=None)
  @given(trial=S.trials(harness.mj_model))
  @S.with_edges(harness.model_name)
  def check(trial):
    ref = harness.oracle(trial)
    scales = compare.scales(ref)
    leg = harness.legacy(trial)
    out = harness.run(trial)
    prec = compare.precision()
    if key == "contact_force":
      # The legacy is wrong here: the candidate must match MuJoCo C instead.
      compare.assert_close(key, out[key], ref[key], scales[key], label="candidate vs oracle")
      _, rel, _ = compare.error(leg[key], ref[key], scales[key])
      compare.note_discrepancy(key, prec, rel, REASONS[key])
      assert np.all(leg[key] == 0.0), "legacy contact_force is no longer all zeros: re-examine"
      return
    compare.assert_close(key, out[key], leg[key], scales[key], label=LABEL, both_rounded=True)
    if key == "joint_forces":
      # Agreeing with the legacy is not physics: record how far both are from the torques.
      _, rel, _ = compare.error(leg[key], ref["joint_torques"], scales["joint_torques"])
      compare.note_discrepancy(key, prec, rel, REASONS[key])
      compare.assert_close(
        "joint_forces",
        leg[key] - ref["joint_torques"],
        ref["qfrc_ext"],
        scales["joint_torques"],
        label="legacy joint_forces - torques vs J'xfrc",
        both_rounded=True,
      )

  check()


@pytest.mark.parametrize("key", REQUIRED)
def test_candidate_vs_legacy_f32(harness, key):
  """float32: candidate equals the legacy loop on every contract key (contact_force: MuJoCo C)."""
  _check_against_legacy(harness, key)


@pytest.mark.parametrize("key", REQUIRED)
def test_candidate_vs_legacy_f64(harness, key, x64):
  """float64 (jax_enable_x64): the same, to float64 round-off."""
  _check_against_legacy(harness, key)

"""Models with coupled joints (MyoLeg's knee): the moments on the independent coordinates.

The raw knee entries of joint_torques carry the stiff knee constraints' round-off (amplified by
1/R), so test_parity_oracle compares them with a per-dof scale that is 50-360 times the scalar
one there (docs/parity.md, "Stiff constraints"): in float32 it accepts 2-26 N m per knee dof.
The moment a user reports, jaxid.kinematics.project_coupled (OpenSim's knee_angle moment, G'
tau), removes the constraint forces exactly (G' J' = 0) and with them that round-off, so it is
held here to the scalar scale, without the constraint terms: float32 1e-5, float64 1e-10 of
max(|qfrc_inverse|, |M| |qacc|, |J' xfrc|, |tau|) over the trial. Skipped on models without
joint equality couplings (the bundled model), with the reason.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from jaxid.kinematics import couplings, project_coupled
from jaxid_parity import compare
from jaxid_parity import strategies as S
from jaxid_parity.harness import cast

LABEL = "projected (independent dofs) vs oracle"


def _check(harness):
  mj = harness.mj_model

  @S.fixture_settings()
  @given(trial=S.trials(mj))
  @S.with_edges(harness.model_name)
  def check(trial):
    ref = harness.oracle(trial)
    out = harness.run(trial)
    qpos = np.asarray(cast(trial).kinematics.qpos, np.float64)
    want = project_coupled(mj, qpos, ref["joint_torques"])
    got = project_coupled(mj, qpos, np.asarray(out["joint_torques"], np.float64))
    scalar = compare.scales({**ref, "constraint_terms": np.zeros(mj.nv)})["joint_torques"]
    compare.assert_close("joint_torques", got, want, scalar, label=LABEL)

  check()


@pytest.fixture
def coupled(harness, require_key):
  require_key("joint_torques")
  if not couplings(harness.mj_model):
    pytest.skip(f"{harness.model_name} has no coupled joints (no joint equality constraints)")


@pytest.mark.usefixtures("coupled", "x64")
def test_projected_moments_vs_oracle_f64(harness):
  """float64: G' joint_torques equals MuJoCo C's to 1e-10 of the scalar scale."""
  _check(harness)


@pytest.mark.usefixtures("coupled")
def test_projected_moments_vs_oracle_f32(harness):
  """float32: G' joint_torques equals MuJoCo C's to 1e-5 of the scalar scale."""
  _check(harness)

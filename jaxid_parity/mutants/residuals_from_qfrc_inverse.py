"""Mutant: Residuals read from qfrc_inverse (which ignores xfrc_applied) instead of the joint torques:
the root's force and moment without the measured loads."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(residuals_from_qfrc_inverse=True), "residuals_from_qfrc_inverse")

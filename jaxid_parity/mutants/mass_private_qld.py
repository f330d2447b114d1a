"""Mutant: Mass matrix from the wrong private field: _impl.qLD (the factorisation) instead of M."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(mass_private_qld=True), "mass_private_qld")

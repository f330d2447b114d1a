"""Mutant: Mass matrix with only its lower triangle filled (a half-filled dense copy of the sparse
symmetric matrix)."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(mass_lower=True), "mass_lower_triangle")

"""Mutant: The free moment about the COP never enters the foot wrench (only cross(r, grf) does)."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(drop_free_moment=True), "free_moment_dropped")

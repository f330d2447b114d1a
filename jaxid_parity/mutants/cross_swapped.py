"""Mutant: Moment cross product in the wrong order: cross(grf, r) instead of cross(r, grf)."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(cross_swapped=True), "cross_swapped")

"""Mutant: Moment cross product in the wrong order: cross(grf, r) instead of cross(r, grf)."""

from parity_tests.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(cross_swapped=True), "cross_swapped")

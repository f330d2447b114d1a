"""Mutant: The guide's Approach 1: the foot positions are read from the carried data (`data.xpos` of
the scan carry) before mjx.inverse, so every frame uses the previous frame's feet (frame 0:
the zeros of mjx.make_data)."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(stale_xpos=True), "stale_xpos")

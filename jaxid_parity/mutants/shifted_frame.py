"""Mutant: Outputs emitted one frame late (from the carry instead of the new data): out[t] holds
frame t-1's values."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(shift_frame=True), "shifted_frame")

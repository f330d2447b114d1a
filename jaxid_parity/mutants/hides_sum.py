"""Detector mutant, item 5: the contact test sums |cop| with builtins.sum (an alias of the guide's
Python sum()), in a helper; contact verdicts are the same as jnp.sum's."""

from jaxid_parity.mutants._paths import Hidden, make_candidate

candidate = make_candidate(Hidden(builtin_sum=True), "hides_sum")

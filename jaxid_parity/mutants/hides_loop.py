"""Detector mutant, item 1: the vmap path builds each frame in a Python loop over range(T) and
stacks them (a list comprehension in the schedule helper): correct outputs, a program that grows
with T."""

from jaxid_parity.mutants._paths import Hidden, make_candidate

candidate = make_candidate(Hidden(unrolled=True), "hides_loop")

"""Detector mutant, item 3: the GRFs are scaled by float(UNITS["N"]) from a helper that returns a
Python float (a force-plate unit table); the helper emits no traced operation."""

from jaxid_parity.mutants._paths import Hidden, make_candidate

candidate = make_candidate(Hidden(float_units=True), "hides_float")

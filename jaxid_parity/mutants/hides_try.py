"""Detector mutant, item 4: the mass matrix function comes from a version shim, try: mjx.full_m /
except AttributeError; the shim emits no traced operation."""

from jaxid_parity.mutants._paths import Hidden, make_candidate

candidate = make_candidate(Hidden(try_compat=True), "hides_try")

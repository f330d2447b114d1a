"""Detector mutant, item 6: the mass matrix is read from the private field through
getattr(d, "_impl").M, in a helper that emits no traced operation (today it equals mjx.full_m)."""

from jaxid_parity.mutants._paths import Hidden, make_candidate

candidate = make_candidate(Hidden(private_getattr=True), "hides_impl")

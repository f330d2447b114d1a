"""Detector mutant, item 7: a progress log through jax.debug.callback to the logging module (no
stdout): a host side effect in the traced program, run on every call."""

from jaxid_parity.mutants._paths import Hidden, make_candidate

candidate = make_candidate(Hidden(host_log=True), "hides_callback")

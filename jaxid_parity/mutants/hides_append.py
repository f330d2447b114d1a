"""Detector mutant, item 8: the foot wrenches are collected with list.append in a helper before
they are added to xfrc_applied; the helper emits no traced operation."""

from jaxid_parity.mutants._paths import Hidden, make_candidate

candidate = make_candidate(Hidden(append_wrenches=True), "hides_append")

"""Mutant: ext_forces are dropped: only the two foot wrenches go into xfrc_applied."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(ignore_ext_forces=True), "ext_forces_ignored")

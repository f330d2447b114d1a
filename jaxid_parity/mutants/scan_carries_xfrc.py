"""Mutant: the scan path adds each frame's wrenches onto the carried data's xfrc_applied, so the
previous frames' foot wrenches and ext_forces accumulate; the vmap and chunked paths start every
frame from fresh data and are correct. The default call (one trial: vmap) is right."""

from jaxid_parity.mutants._paths import Hidden, make_candidate

candidate = make_candidate(Hidden(scan_carries_xfrc=True), "scan_carries_xfrc")

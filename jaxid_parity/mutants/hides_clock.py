"""Detector mutant, item 2: a helper reads a clock imported under another name (`from time import
perf_counter as now`) for trace-time profiling; it emits no traced operation, outputs are right."""

from jaxid_parity.mutants._paths import Hidden, make_candidate

candidate = make_candidate(Hidden(clock=True), "hides_clock")

"""Mutant: qvel and qacc swapped when unpacking the scan inputs."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(swap_qvel_qacc=True), "qvel_qacc_swapped")

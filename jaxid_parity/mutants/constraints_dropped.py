"""Mutant: constraints disabled (mjDSBL_CONSTRAINT), e.g. to save time since contact is off.

Harmless on a model without active constraints (the bundled one); on MyoLeg the knee's joint
equality forces leave qfrc_inverse. Run only on models with equality constraints (MODEL_MUTANTS).
"""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(constraints_dropped=True), "constraints_dropped")

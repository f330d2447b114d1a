"""Mutant: The GRF's moment is taken about the foot's origin xpos, but MuJoCo applies xfrc_applied at
the body's centre of mass xipos: joint torques and cfrc_ext are off by (xipos - xpos) x grf."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(torque_about_xpos=True), "torque_about_xpos")

"""Deliberately wrong candidates: each a plausible migration mistake the harness must catch.

`nox -s mutants` runs the parity suite against each (`--candidate jaxid_parity.mutants.<name>:
candidate`) and prints which test kills it; `reference` (jaxid_parity.mutants._base) is the same
code without the mistake and must pass.
"""

MUTANTS = (
  "stale_xpos",
  "torque_about_xpos",
  "free_moment_dropped",
  "contact_ge",
  "cross_swapped",
  "qvel_qacc_swapped",
  "float32_loads",
  "mass_lower_triangle",
  "mass_private_qld",
  "shifted_frame",
  "ext_forces_ignored",
  "residuals_from_qfrc_inverse",
  "scan_carries_xfrc",  # right on the default path (vmap), wrong on the scan path only
)

# Mistakes that only show on some models (run_mutants adds them for `--model NAME`): on the
# bundled model no constraint is ever active, so dropping constraints changes nothing there.
MODEL_MUTANTS = {"myolegs": ("constraints_dropped",)}

"""Deliberately wrong candidates: each a plausible migration mistake the harness must catch.

Physics mutants (MUTANTS) compute something wrong; detector mutants (DETECTORS) compute every
output right and hide one checklist item's anti-pattern where a jaxpr's tracebacks do not show
it (a helper that emits no traced operation, an alias, a host callback): the item's candidate
test must be the one that fails.

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

# Detector mutants (jaxid_parity.mutants._paths.Hidden) -> the checklist item that must kill them.
DETECTORS = {
  "hides_loop": "1",
  "hides_clock": "2",
  "hides_float": "3",
  "hides_try": "4",
  "hides_sum": "5",
  "hides_impl": "6",
  "hides_callback": "7",
  "hides_append": "8",
}

# Mutants built on jaxid_parity.mutants._paths (its reference runs when any of them does).
PATHS_MUTANTS = ("scan_carries_xfrc", *DETECTORS)

# Mistakes that only show on some models (run_mutants adds them for `--model NAME`): on the
# bundled model no constraint is ever active, so dropping constraints changes nothing there.
MODEL_MUTANTS = {"myolegs": ("constraints_dropped",)}

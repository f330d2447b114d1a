"""Running the shipped suite (jaxid_parity.suite) on a candidate, in-process, with pytest.

Used by `jaxid check`, the main job (`python -m jaxid`) and the mutants runner; needs only the
installed packages (no source tree).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from jaxid_parity.adapters import DEFAULT

SUITE = "jaxid_parity.suite"
PLUGIN = "jaxid_parity.plugin"
# The suite's modules, cheapest killers first: a mutant's first failure names the cheapest test
# that catches its mistake (run_mutants runs them in this order with -x).
MODULES = tuple(
  f"{SUITE}.{m}"
  for m in (
    "test_parity_oracle",
    "test_parity_coupled",
    "test_parity_physics",
    "test_parity_legacy",
    "test_checklist_items_1_4",
    "test_checklist_items_5_8",
    "test_checklist_ml",
    "test_parity_paths",  # every schedule x backend: the most compilations, so last
  )
)


def pytest_args(
  candidate: str = DEFAULT,
  modules: Sequence[str] = MODULES,
  junitxml: str | None = None,
  extra: Sequence[str] = (),
) -> list[str]:
  """pytest's arguments for the suite's modules (import names) on a candidate spec."""
  args = ["-p", PLUGIN, "-p", "no:cacheprovider", "--pyargs", *modules, "--candidate", candidate]
  if junitxml:  # xunit1 keeps record_property (the checklist report's input)
    args += [f"--junitxml={junitxml}", "-o", "junit_family=xunit1"]
  return [*args, *extra]


def run_suite(
  candidate: str = DEFAULT,
  *,
  profile: str | None = None,
  junitxml: str | None = None,
  extra: Sequence[str] = (),
) -> int:
  """Run the whole suite on a candidate in this process; pytest's exit code.

  profile: the Hypothesis profile (ci, dev, thorough); default HYPOTHESIS_PROFILE, else dev.
  """
  import pytest

  if profile:
    os.environ["HYPOTHESIS_PROFILE"] = profile
  return int(pytest.main(pytest_args(candidate, MODULES, junitxml, extra)))

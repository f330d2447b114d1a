"""The parity harness's options, markers, fixtures and session summary.

  pytest parity_tests --candidate package.module:function

runs the whole harness against any function with the contract's signature
`(mj_model, kinematics, loads, body_names) -> dict of outputs` (default: jaxid, through
parity_tests.adapters:jaxid_candidate). Hypothesis profiles, the `x64` fixture and the bundled
`gait_model` come from the root conftest.py.
"""

from __future__ import annotations

import json

import pytest

from parity_tests import adapters, compare
from parity_tests import strategies as S
from parity_tests.harness import Harness

CHECKLIST_ITEMS = ("1", "2", "3", "4", "5", "6", "7", "8", "ML1", "ML2", "ML3", "ML4")


def pytest_addoption(parser):
  group = parser.getgroup("parity", "parity harness")
  group.addoption(
    "--candidate",
    action="store",
    default=adapters.DEFAULT,
    metavar="package.module:function",
    help="implementation of the contract to check (default: %(default)s)",
  )
  group.addoption(
    "--model",
    action="store",
    default="gait_lowerbody",
    metavar="NAME",
    help="jaxid.load_model name of the model the harness runs on: gait_lowerbody (default) or"
    " myolegs (needs jaxid[myo]; the MyoLeg run is `nox -s parity_myo`)",
  )


def pytest_configure(config):
  config.addinivalue_line(
    "markers",
    "checklist(item, side, claim=None, verdict=None): a migration-guide checklist test; item in"
    f" {CHECKLIST_ITEMS}; side: legacy, candidate or claim (the guide's stated reason); verdict"
    " (claim tests): what the guide's claim is, 'confirmed' or 'corrected', if the test passes",
  )


@pytest.fixture(scope="session")
def candidate_spec(request) -> str:
  return request.config.getoption("--candidate")


@pytest.fixture(scope="session")
def model_name(request) -> str:
  return request.config.getoption("--model")


@pytest.fixture(scope="session")
def harness(candidate_spec, model_name) -> Harness:
  """The candidate, the legacy loop and the oracle on the --model model (default: bundled)."""
  fn = adapters.load(candidate_spec)
  if model_name == "myolegs":
    pytest.importorskip("myo_sim", reason='--model myolegs needs myo-sim: pip install "jaxid[myo]"')
  try:
    from jaxid_legacy.MJX_RunID import run_inverse_dynamics_loop as legacy

    err = None
  except ImportError as e:  # legacy/ is another engineer's work in progress
    legacy, err = None, repr(e)
  return Harness(fn, candidate_spec, S.model(model_name), legacy, err, model_name)


@pytest.fixture
def require_key(harness):
  """require_key(key): skip, with the reason, when the candidate lacks an optional output key."""

  def check(key: str) -> None:
    if key not in harness.keys():
      pytest.skip(f"candidate {harness.spec} returns no optional key {key!r}")

  return check


@pytest.fixture
def measured(request, record_property):
  """measured(text): record what a checklist test measured (JUnit property, docs/checklist.md)."""
  texts = []

  def add(text: str) -> None:
    texts.append(str(text))
    record_property("measured", " ".join(texts))

  return add


@pytest.fixture(autouse=True)
def _checklist_properties(request, record_property):
  """Put a checklist test's marker into the JUnit XML, for parity_tests/checklist_report.py."""
  mark = request.node.get_closest_marker("checklist")
  if mark is not None:
    record_property("checklist", json.dumps(mark.kwargs, sort_keys=True))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
  lines = compare.summary_lines()
  if not lines:
    return
  terminalreporter.section(
    f"parity: {config.getoption('--candidate')} on {config.getoption('--model')}"
  )
  for line in lines:
    terminalreporter.write_line(line)

"""The parity harness's pytest plugin: options, markers, Hypothesis profiles, fixtures, summary.

  pytest -p jaxid_parity.plugin --pyargs jaxid_parity.suite --candidate package.module:function

runs the whole harness (jaxid_parity.suite) against any function with the contract's signature
`(mj_model, kinematics, loads, body_names) -> dict of outputs` (default: jaxid, through
jaxid_parity.adapters:jaxid_candidate); `jaxid check` does the same in-process. In the source
tree the root conftest.py registers this plugin, so `pytest parity_tests` runs the suite too.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Iterator

import hypothesis
import jax
import pytest

from jaxid_parity import adapters, compare
from jaxid_parity import strategies as S
from jaxid_parity.harness import Harness
from jaxid_parity.suite.checklist_common import (  # noqa: F401 (fixtures of the checklist tests)
  bundled_model_only,
  jaxpr8,
  legacy_file,
  legacy_fn,
  legacy_loop,
  profiled,
  traced_fns,
)

# Hypothesis profiles: ci (CI and the main job: few examples, derandomized), dev (the default),
# thorough (nox -s parity). HYPOTHESIS_PROFILE picks one when pytest starts.
_QUIET = [hypothesis.HealthCheck.too_slow, hypothesis.HealthCheck.data_too_large]
hypothesis.settings.register_profile(
  "ci",
  hypothesis.settings.get_profile("ci"),
  max_examples=8,
  deadline=None,
  print_blob=True,
  derandomize=True,
  database=None,
  suppress_health_check=_QUIET,
)
for _name, _n in (("dev", 20), ("thorough", 200)):
  hypothesis.settings.register_profile(
    _name, max_examples=_n, deadline=None, print_blob=True, suppress_health_check=_QUIET
  )

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
  hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
  config.addinivalue_line(
    "markers",
    "checklist(item, side, claim=None, verdict=None): a migration-guide checklist test; item in"
    f" {CHECKLIST_ITEMS}; side: legacy, candidate or claim (the guide's stated reason); verdict"
    " (claim tests): what the guide's claim is, 'confirmed' or 'corrected', if the test passes",
  )


def memory_maps() -> tuple[int, int] | None:
  """(memory maps this process holds, the kernel's per-process limit); None off Linux."""
  try:
    with open("/proc/self/maps") as f:
      n = sum(1 for _ in f)
    with open("/proc/sys/vm/max_map_count") as f:
      return n, int(f.read())
  except OSError:
    return None


def release_programs(fraction: float = 0.25) -> bool:
  """Drop JAX's compiled programs when the process holds over `fraction` of its memory maps.

  Every XLA CPU executable keeps ~3 memory maps until its jit cache entry is dropped; a long
  session compiling thousands of programs reaches vm.max_map_count (65530) and XLA then aborts
  inside a compile or a cache write (measured: the full tests/ suite reached 62k maps and died in
  serialize()). Returns whether it cleared; programs recompile, from the persistent cache if on.
  """
  maps = memory_maps()
  if maps is None or maps[0] <= fraction * maps[1]:
    return False
  jax.clear_caches()
  gc.collect()
  return True


@pytest.fixture(scope="module", autouse=True)
def _release_programs_between_modules() -> Iterator[None]:
  """After each test module, release compiled programs if memory maps run short."""
  yield
  release_programs()


@pytest.fixture
def x64() -> Iterator[None]:
  """Run the test with jax_enable_x64 on; restored afterwards."""
  with jax.enable_x64(True):
    yield


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
  except ImportError as e:  # the legacy checks skip, with the reason
    legacy, err = None, repr(e)
  return Harness(fn, candidate_spec, S.model(model_name), legacy, err, model_name)


@pytest.fixture
def require_key(harness: Harness) -> Callable[[str], None]:
  """require_key(key): skip, with the reason, when the candidate lacks an optional output key."""

  def check(key: str) -> None:
    if key not in harness.output_keys():
      pytest.skip(f"candidate {harness.spec} returns no optional key {key!r}")

  return check


@pytest.fixture
def measured(request, record_property) -> Callable[[str], None]:
  """measured(text): record what a checklist test measured (JUnit property, docs/checklist.md)."""
  texts = []

  def add(text: str) -> None:
    texts.append(str(text))
    record_property("measured", " ".join(texts))

  return add


@pytest.fixture(autouse=True)
def _checklist_properties(request, record_property):
  """Put a checklist test's marker into the JUnit XML, for jaxid_parity.checklist_report."""
  mark = request.node.get_closest_marker("checklist")
  if mark is not None:
    record_property("checklist", json.dumps(mark.kwargs, sort_keys=True))


def pytest_sessionfinish(session):
  """On a pytest-xdist worker: hand this worker's parity records to the main process."""
  out = getattr(session.config, "workeroutput", None)
  if out is not None:
    out["jaxid_parity"] = json.dumps(compare.export_records())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
  """pytest-xdist, main process: merge a finished worker's records into the summary."""
  data = getattr(node, "workeroutput", {}).get("jaxid_parity")
  if data:
    compare.merge_records(json.loads(data))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
  lines = compare.summary_lines()
  if not lines:
    return
  terminalreporter.section(
    f"parity: {config.getoption('--candidate')} on {config.getoption('--model')}"
  )
  for line in lines:
    terminalreporter.write_line(line)

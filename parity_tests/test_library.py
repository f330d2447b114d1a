"""The harness library's own machinery: mutant verdicts, the checklist summary, `jaxid check`."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import pytest

import jaxid_parity
from jaxid_parity import checklist_report, run_mutants, runner

CASE = '<testcase classname="jaxid_parity.suite.test_parity_oracle" name="{name}">{body}</testcase>'
GROUP = "E     | {kind}: first\nE     | {kind2}: second"


def test_node_id_names_the_suite_file_of_a_first_failure():
  """The references rerun exactly the tests that killed their mutants, by these node ids."""
  nid = run_mutants.node_id("test_parity_oracle::test_candidate_vs_oracle_f64[contact_force]")
  path, name = nid.split("::")
  assert Path(path).is_file()
  assert Path(path).name == "test_parity_oracle.py"
  assert Path(path).parent.name == "suite"
  assert name == "test_candidate_vs_oracle_f64[contact_force]"


def _verdict(tmp_path: Path, *cases: str) -> tuple[str, str, int]:
  xml = tmp_path / "junit.xml"
  xml.write_text(f"<testsuites><testsuite>{''.join(cases)}</testsuite></testsuites>")
  return run_mutants.first_failure(xml)


@pytest.mark.parametrize(
  ("body", "outcome"),
  [
    ('<failure message="AssertionError: candidate vs oracle ...">x</failure>', "killed"),
    ('<failure message="Failed: DID NOT RAISE">x</failure>', "killed"),
    ('<failure message="TypeError: bad operand">x</failure>', "errored"),
    ('<error message="failed on setup with ImportError">x</error>', "errored"),
    (
      '<failure message="ExceptionGroup: Hypothesis found 2 distinct failures.">'
      + GROUP.format(kind="AssertionError", kind2="AssertionError")
      + "</failure>",
      "killed",
    ),
    (
      '<failure message="ExceptionGroup: Hypothesis found 2 distinct failures.">'
      + GROUP.format(kind="AssertionError", kind2="ValueError")
      + "</failure>",
      "errored",
    ),
  ],
)
def test_a_mutant_is_killed_only_by_a_failed_assertion(tmp_path, body, outcome):
  passed = CASE.format(name="test_before", body="")
  got, name, n = _verdict(tmp_path, passed, CASE.format(name="test_it", body=body), passed)
  assert got == outcome
  assert name.startswith("test_parity_oracle::test_it")
  assert n == 3


@pytest.mark.parametrize(
  ("name", "outcome", "first", "result"),
  [
    ("stale_xpos", "killed", "test_parity_oracle::test_candidate_vs_oracle_f64[x]", "killed"),
    ("stale_xpos", "errored", "test_parity_oracle::test_x (TypeError)", "ERRORED"),
    ("stale_xpos", "passed", "", "SURVIVED"),
    ("hides_sum", "killed", "test_checklist_items_5_8::test_item5_candidate_contact", "killed"),
    (
      "hides_sum",
      "killed",
      "test_checklist_items_5_8::test_item6_candidate_uses",
      "killed-elsewhere",
    ),
    (
      "hides_sum",
      "killed",
      "test_parity_oracle::test_candidate_vs_oracle_f64[x]",
      "killed-elsewhere",
    ),
  ],
)
def test_only_a_killed_mutant_passes_and_detectors_by_their_item(name, outcome, first, result):
  assert run_mutants.classify(name, outcome, first) == result


def test_no_failure_is_no_verdict(tmp_path):
  assert _verdict(tmp_path, CASE.format(name="test_ok", body=""))[0] == ""


def test_summary_has_one_line_per_item_with_both_sides():
  rows = [
    {"item": "1", "side": "legacy", "outcome": "passed"},
    {"item": "1", "side": "candidate", "outcome": "FAILED"},
    {"item": "2", "side": "claim", "outcome": "passed", "verdict": "corrected"},
  ]
  lines = checklist_report.summary(rows)
  by_item = {ln.split()[0]: ln.split()[1:4] for ln in lines[4:]}
  assert list(by_item) == list(checklist_report.ITEMS)
  assert by_item["1"] == ["ok", "FAILED", "-"]
  assert by_item["2"] == ["-", "-", "corrected"]


def test_runner_loads_the_plugin_and_keeps_junit_properties():
  args = runner.pytest_args("pkg.mod:fn", junitxml="out.xml")
  assert args[:2] == ["-p", runner.PLUGIN]
  assert args[args.index("--candidate") + 1] == "pkg.mod:fn"
  assert "junit_family=xunit1" in args  # record_property needs xunit1
  assert all(m in args for m in runner.MODULES)


def test_jaxid_check_runs_the_shipped_suite_from_any_folder(tmp_path):
  """`jaxid check` from an empty folder: the suite is imported from jaxid_parity, in-process."""
  env = dict(os.environ, HYPOTHESIS_PROFILE="ci")
  env["PYTHONPATH"] = os.pathsep.join(
    [str(Path(jaxid_parity.__file__).parents[1]), env.get("PYTHONPATH", "")]
  )
  if jax.config.jax_compilation_cache_dir:
    env.setdefault("JAX_COMPILATION_CACHE_DIR", str(jax.config.jax_compilation_cache_dir))
  spec = "jaxid_parity.adapters:jaxid_candidate"
  cmd = [sys.executable, "-m", "jaxid.cli", "check", "--candidate", spec]
  cmd += ["--", "-k", "test_residuals_of_balanced_sample", "-p", "no:cacheprovider"]
  proc = subprocess.run(
    cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
  )
  assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
  assert "1 passed" in proc.stdout
  assert f"parity: {spec} on gait_lowerbody" in proc.stdout


def test_first_targets_order_only_what_can_kill_first():
  """A detector mutant first runs its own item's candidate tests, the scan-path mutant the paths
  module, a physics mutant nothing extra (the suite's first module is its killer)."""
  from jaxid_parity.mutants import DETECTORS, MUTANTS

  for name, item in DETECTORS.items():
    modules, select = run_mutants.first_targets(name)
    assert select == ["-k", f"test_item{item}_candidate"]
    assert set(modules) <= set(runner.MODULES)
    # -k selects at least one test there (a renamed item test would leave nothing to run)
    names = [n for m in modules for n in dir(importlib.import_module(m))]
    assert any(n.startswith(f"test_item{item}_candidate") for n in names), name
  assert run_mutants.first_targets("scan_carries_xfrc") == (
    [f"{runner.SUITE}.test_parity_paths"],
    [],
  )
  for name in MUTANTS:
    if name != "scan_carries_xfrc":
      assert run_mutants.first_targets(name) == ([], [])


def test_parity_records_from_xdist_workers_merge_into_one_summary(monkeypatch):
  """Under pytest-xdist each worker sends compare.export_records() to the main process, which
  merges them: the summary shows the worst error and the total count over all workers."""
  from jaxid_parity import compare

  monkeypatch.setattr(compare, "RECORDS", {})
  monkeypatch.setattr(compare, "DISCREPANCIES", {})
  compare._record("candidate vs oracle", "float64", "joint_torques", 2e-16, 1e-13, True)
  worker = compare.export_records()
  compare.RECORDS.clear()
  compare._record("candidate vs oracle", "float64", "joint_torques", 5e-16, 3e-14, False)
  compare.merge_records(json.loads(json.dumps(worker)))  # what travels is JSON
  r = compare.RECORDS[("candidate vs oracle", "float64", "joint_torques")]
  assert (r.rel, r.abs, r.n, r.failed) == (5e-16, 1e-13, 2, 1)
  assert any(
    "joint_torques" in line and "5.00e-16 (2) !" in line for line in compare.summary_lines()
  )

"""The bench report: issue 19's target lines and the regression check read the rows they name
(synthetic rows: no bench).

Each line is MET, MISSED or NOT MEASURED (None) from one run's rows; a row of another T, schedule
or backend never decides it.
"""

from __future__ import annotations

import pytest

from benchmarks.report.rows import distill
from benchmarks.report.targets import memory_target, tree_targets

MIB = 1024**2


def _bench(name: str, seconds: float = 1.0, **extra) -> dict:
  stats = {"min": seconds, "median": seconds, "rounds": 1}
  return {"name": name, "fullname": name, "group": "g", "stats": stats, "extra_info": extra}


def _memory(temp: int, t: int = 10_000, schedule: str = "auto", backend: str = "tree") -> dict:
  return _bench(
    f"mem-{t}-{schedule}-{backend}",
    kind="memory",
    impl="jaxid",
    T=t,
    schedule=schedule,
    remat=False,
    backend=backend,
    temp_size_in_bytes=temp,
    argument_size_in_bytes=10 * MIB,
    output_size_in_bytes=10 * MIB,
    rss_peak_bytes=2**31,
  )


@pytest.mark.parametrize(
  ("temp", "verdict"), [(900 * MIB, True), (940 * MIB, False), (1500 * MIB, False)]
)
def test_memory_target_adds_temp_arguments_and_outputs_against_1_gb(temp, verdict):
  # 900 MiB + 20 MiB = 965 MB <= 1e9 B; 940 MiB + 20 MiB = 1,006 MB > 1e9 B
  ok, text = memory_target(distill({"benchmarks": [_memory(temp)]}))
  assert ok is verdict, text
  assert "XLA temp" in text


@pytest.mark.parametrize(
  "row", [_memory(1, t=5000), _memory(1, schedule="scan"), _memory(1, backend="mjx")]
)
def test_memory_target_is_not_measured_without_its_row(row):
  ok, _ = memory_target(distill({"benchmarks": [row]}))
  assert ok is None


def test_myoleg_tree_cold_compile_target_reads_its_program():
  row = _bench(
    "compile-myo", 9.0, kind="compile", impl="jaxid-tree", program="myolegs-tree-batch32"
  )
  row["extra_info"].update(cache="cold", compile_s=3.5)
  lines = {text.split(":")[0]: ok for ok, text in tree_targets(distill({"benchmarks": [row]}))}
  assert lines["tree cold compile of myolegs-tree-batch32 <= 4 s"] is True
  assert lines["tree cold compile of tree-single <= 2 s"] is None  # no row: not measured


def test_regression_check_skips_a_row_that_now_measures_another_t():
  from benchmarks.report.regress import compare

  now = distill({"benchmarks": [_memory(2_000_000, t=10_000)]})
  name = next(iter(now))
  base = {name: {"metric": 1_000_000, "unit": "B", "kind": "memory", "label": "x"}}
  assert compare(now, base) == []  # label 'grad memory T=5000 ...' in the baseline: not judged
  base[name]["label"] = now[name]["label"]
  (check,) = compare(now, base)
  assert check["over"]
  assert check["ratio"] == 2.0


def test_a_tree_gradient_is_divided_by_the_tree_forward_not_the_mjx_one():
  from benchmarks.report.rows import forward_of

  kw = dict(kind="forward", T=200, B=1, outputs="torques", schedule="auto")
  rows = distill(
    {
      "benchmarks": [
        _bench("mjx-in-jit", 2.0, impl="jaxid-in-jit", **kw),
        _bench("tree", 1.0, impl="jaxid-tree", **kw),
        _bench("tree-grad", 3.0, impl="jaxid-tree", **{**kw, "kind": "grad"}),
        _bench("mjx-grad", 9.0, impl="jaxid", **{**kw, "kind": "grad"}),
      ]
    }
  )
  assert forward_of(rows, rows["tree-grad"])["name"] == "tree"
  assert forward_of(rows, rows["mjx-grad"])["name"] == "mjx-in-jit"


def _run(cpu: str, when: str, metric: float = 1.0) -> tuple[dict, dict]:
  """(pytest-benchmark data, its baseline entry) of a run on cpu x2 at when."""
  from benchmarks.report.regress import entry

  data = {"datetime": when, "machine_info": {"cpu": {"brand_raw": cpu}, "cpu_count": 2}}
  rows = {"r": {"metric": metric, "unit": "us/frame", "kind": "forward", "label": "r"}}
  return data, entry(data, rows, "ci")


def test_each_machine_is_judged_against_its_own_baseline():
  """CI's VM comes as an Intel Xeon or an AMD EPYC: with one baseline per mode, a run on the
  other kind got no verdict at all. Each machine keeps its own entry; storing one keeps the
  rest; the file before machines (one entry per mode) still reads as its machine's."""
  from benchmarks.report.regress import not_comparable, select, store

  intel_data, intel = _run("Intel(R) Xeon(R) Processor", "2026-12-04T10:00:00")
  amd_data, amd = _run("AMD EPYC", "2026-12-07T10:00:00", metric=2.0)
  old = {"ci": intel}  # the format before machines
  assert select(old, "ci", intel_data) == intel
  assert select(old, "ci", amd_data) is None
  assert not_comparable(amd_data, None).endswith("this run's machine, AMD EPYC x2")
  both = store(old, "ci", amd)
  assert set(both["ci"]) == {"Intel(R) Xeon(R) Processor x2", "AMD EPYC x2"}
  later_intel, _ = _run("Intel(R) Xeon(R) Processor", "2026-12-08T10:00:00")
  later_amd, _ = _run("AMD EPYC", "2026-12-08T10:00:00")
  assert select(both, "ci", later_intel) == intel
  assert not_comparable(later_intel, intel) == ""
  assert select(both, "ci", later_amd) == amd
  assert not_comparable(later_amd, amd) == ""
  assert store(both, "ci", amd) == both
  assert select(both, "full", later_amd) is None

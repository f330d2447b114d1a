"""The markdown report of a run and the part of it CI prints."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import fmt, regress, sections
from benchmarks.report.ratios import myo_ratios, ratios
from benchmarks.report.rows import MYO, T_TARGET, find
from benchmarks.report.targets import myo_targets, targets, tree_targets

NOTES = Path(__file__).resolve().parent.parent / "notes.md"


def target_lines(title: str, tg: list) -> list[str]:
  met = sum(1 for m, _ in tg if m)
  return [f"{title}: {met} of {len(tg)} met.", ""] + [f"- **{fmt.mark(m)}**: {t}" for m, t in tg]


def machine_section(data: dict) -> list[str]:
  mi = data.get("machine_info", {})
  ver, cpu, commit = mi.get("versions", {}), mi.get("cpu", {}), data.get("commit_info", {})
  return [
    "## Machine",
    "",
    f"- {cpu.get('brand_raw', '?')}, {mi.get('cpu_count', '?')} cores "
    f"({cpu.get('hz_actual_friendly', '?')}), devices {mi.get('devices', '?')}; "
    f"{mi.get('system', '')} {mi.get('release', '')}.",
    f"- jax {ver.get('jax')}, jaxlib {ver.get('jaxlib')}, mujoco {ver.get('mujoco')}, "
    f"mujoco-mjx {ver.get('mujoco_mjx')}, numpy {ver.get('numpy')}, python {ver.get('python')}",
    f"- date {data.get('datetime', '?')}, commit {commit.get('id', '?')[:10]}"
    f"{' (dirty)' if commit.get('dirty') else ''}",
    f"- load average at start {fmt.load(mi.get('loadavg_start'))}, at end "
    f"{fmt.load(mi.get('loadavg_end'))}: the cores are shared with other processes, so "
    "timings are noisy (min over rounds is reported, the median beside it).",
    "",
  ]


def render(
  data: dict,
  rows: dict,
  checks: list[dict],
  why: str,
  base: dict | None,
  mode: str,
  png: str,
  plot_note: str,
  pytest_rc: int = 0,
) -> str:
  """The whole report: targets, verdict, machine, rows, ratios, sections, plot, notes."""
  lines = [
    f"# jaxid benchmarks: issue 6 and 19 targets ({mode} run, {data.get('datetime', '?')[:19]} UTC)",
    "",
    *target_lines(
      f"Targets of the MJX pipeline (issue 6; backend mjx, bundled model, T = {T_TARGET}, float32,"
      " this CPU)",
      targets(rows),
    ),
    "",
  ]
  if find(rows, impl="jaxid-tree"):
    title = f"Tree backend targets (issue 19; bundled model, T = {T_TARGET}, float32, this CPU)"
    lines += [*target_lines(title, tree_targets(rows)), ""]
  if find(rows, model=MYO):
    title = f"MyoLeg targets (issue 8; pruned MyoLeg, T = {T_TARGET}, float32)"
    lines += [*target_lines(title, myo_targets(rows)), ""]
  if pytest_rc:
    lines += [
      f"**Benchmark failures: pytest exit {pytest_rc}** (a result was wrong or a row crashed; "
      "see the log).",
      "",
    ]
  lines += [*regress.verdict(checks, why, base), ""]
  lines += machine_section(data) + sections.rows_section(rows)
  table = fmt.table(["ratio", "value", "how"], [list(x) for x in ratios(rows) + myo_ratios(rows)])
  lines += ["## Ratios", "", table, ""]
  lines += sections.compile_section(rows) + sections.memory_section(rows)
  lines += sections.scaling_section(rows)
  lines += [plot_note if plot_note else f"![throughput]({png})", ""]
  lines += sections.regression_section(checks, why, base)
  if NOTES.exists():
    lines += [NOTES.read_text().rstrip(), ""]
  return "\n".join(lines)


def summary(text: str) -> str:
  """What CI prints: the report up to the notes (targets, verdict, rows, ratios, checks)."""
  cut = text.find("\n## Notes")
  return text if cut < 0 else text[:cut]

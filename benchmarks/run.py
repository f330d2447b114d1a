"""Run the benchmark suites and write the report: python -m benchmarks.run [--ci].

1. pytest benchmarks/ (--benchmark-only overrides pyproject's --benchmark-skip), writing
   pytest-benchmark's JSON to benchmarks/results/<mode>.json (gitignored);
2. the regression check against the mode's committed baseline on this machine
   (benchmarks/baseline.json: one earlier run per CPU model and core count,
   benchmarks/report/regress.py): rows over the limit are measured once more, in a new pytest
   process, and are a REGRESSION only when over it again;
3. from that JSON: the report (targets, verdict, frames/s per row, ratios, compile, memory,
   scaling, machine, versions, date) and a PNG plot.

Full run: benchmarks/report.md and benchmarks/report.png. --ci: the short run, its report under
benchmarks/results/ and everything up to the notes printed to stdout for the CI log.

Exit status: pytest's when a benchmark fails (a wrong result, a crash); else 1 on a confirmed
regression (CI fails on it; why the limit cannot be met by noise: regress.NOTE); else 0. Missed
targets are reported, not failures.

Options: --no-run (report from the last JSON; rows over the limit are then not re-measured, so
nothing is confirmed), --update-baseline (after judging this run against the stored baseline,
store this run as the mode's baseline on its machine for later runs, the other machines' kept;
refused for a run with failures), and pytest arguments after "--". Each mode is judged only
against its own mode's baseline: ci rows have fewer rounds, and a min over fewer rounds is
biased high.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.report import markdown, plot, regress
from benchmarks.report import rows as rows_

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
BASELINE = BENCH / "baseline.json"


def run_pytest(mode: str, json_path: Path, extra: list[str], targets: list[str] = ()) -> int:
  """pytest on benchmarks/ (or only the given node ids), writing pytest-benchmark's JSON."""
  json_path.parent.mkdir(parents=True, exist_ok=True)
  if json_path.exists():
    json_path.unlink()
  env = dict(os.environ, JAXID_BENCH_MODE=mode)
  cmd = [
    sys.executable,
    "-m",
    "pytest",
    *(targets or ["benchmarks"]),
    "--benchmark-only",
    f"--benchmark-json={json_path}",
    "--benchmark-columns=min,median,rounds",
    "--benchmark-sort=name",
    "-p",
    "no:cacheprovider",
    "-q",
    *extra,
  ]
  print("+", " ".join(cmd), flush=True)
  return subprocess.call(cmd, cwd=ROOT, env=env)


def _write(path: Path, text: str) -> None:
  """Write text to path atomically: a reader sees the old file or the new one, never a part."""
  tmp = path.with_name(f".{path.name}.tmp")
  tmp.write_text(text)
  os.replace(tmp, path)


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description="jaxid benchmarks and report")
  parser.add_argument("--ci", action="store_true", help="short run; print the report")
  parser.add_argument("--no-run", action="store_true", help="report from the last JSON")
  parser.add_argument(
    "--update-baseline",
    action="store_true",
    help="after the check, store this run as the mode's baseline for later runs",
  )
  parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
  args = parser.parse_args(argv)
  mode = "ci" if args.ci else "full"
  json_path = RESULTS / f"{mode}.json"

  rc = 0 if args.no_run else run_pytest(mode, json_path, args.pytest_args)
  if not json_path.exists():
    print(f"benchmarks: no results at {json_path} (pytest exit {rc})", file=sys.stderr)
    return rc or 1
  data = json.loads(json_path.read_text())
  rows = rows_.distill(data)
  baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
  base = regress.select(baseline, mode, data)
  why = regress.not_comparable(data, base)
  checks = [] if why else regress.compare(rows, base["rows"])
  over = [c for c in checks if c["over"]]
  if over and not args.no_run and rc == 0:
    # Contention rarely lasts across two processes, a regression does: measure once more.
    ids = [c["fullname"] for c in over]
    ids += [r["fullname"] for r in rows.values() if r["name"] == regress.PEER]
    print(f"benchmarks: re-measuring {len(over)} rows over the limit", flush=True)
    again_path = RESULTS / f"{mode}-again.json"
    rc = run_pytest(mode, again_path, args.pytest_args, sorted(set(ids)))
    if rc == 0:
      again = rows_.distill(json.loads(again_path.read_text()))
      checks = regress.confirm(checks, rows, again, base["rows"])
  md_path, png_path = (
    (RESULTS / "report-ci.md", RESULTS / "report-ci.png")
    if args.ci
    else (BENCH / "report.md", BENCH / "report.png")
  )
  plot_note = plot.plot(rows, png_path)
  text = markdown.render(data, rows, checks, why, base, mode, png_path.name, plot_note, rc)
  md_path.parent.mkdir(parents=True, exist_ok=True)
  _write(md_path, text)
  print(f"benchmarks: wrote {md_path.relative_to(ROOT)} and {png_path.relative_to(ROOT)}")
  if args.ci:
    print(markdown.summary(text))
  if args.update_baseline and rc == 0:
    new = regress.entry(data, rows, mode)
    baseline = regress.store(baseline, mode, new)
    _write(BASELINE, json.dumps(baseline, indent=1, sort_keys=True) + "\n")
    where = regress.machine_key(new)
    print(f"benchmarks: this run is now the {mode} baseline on {where} ({BASELINE.name})")
  elif args.update_baseline:
    print("benchmarks: baseline not updated: this run had failures", file=sys.stderr)
  if rc != 0:
    print(
      f"benchmarks: pytest failed (exit {rc}): a benchmark's result is wrong or it crashed",
      file=sys.stderr,
    )
    return rc
  bad = [c["label"] for c in checks if c["regression"]]
  if bad:
    print(f"benchmarks: REGRESSION in {len(bad)} rows: {', '.join(bad)}", file=sys.stderr)
    return 1
  return 0


if __name__ == "__main__":
  sys.exit(main())

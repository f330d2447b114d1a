"""Run the benchmark suites and write the report: python -m benchmarks.run [--ci].

1. pytest benchmarks/ (--benchmark-only overrides pyproject's --benchmark-skip), writing
   pytest-benchmark's JSON to benchmarks/results/<mode>.json (gitignored);
2. from that JSON: the report (frames/s per row, the issue's targets, ratios, compile, memory,
   scaling, machine, versions, date) and a PNG plot;
3. a comparison with the committed baseline (benchmarks/baseline.json) that flags regressions.

Full run: benchmarks/report.md and benchmarks/report.png. --ci: the short run, its report under
benchmarks/results/ and the targets and table printed to stdout for the CI log.

Exit status: pytest's when a benchmark fails (a wrong result, a crash): something is broken.
Missed targets and flagged regressions are reported, not failures (the machine is shared and
noisy), unless --strict makes a flagged regression exit 1. A row flagged as a regression is
re-measured (--retries times, default 2, ci 1; the best measurement is kept) before it is
reported: contention from other processes rarely lasts across attempts, a regression does.

Options: --no-run (report from the last JSON), --update-baseline (store this run's figures as
the mode's baseline), --merge-baseline (keep per row the better of the stored baseline and
this run: the committed baseline is the best of several full runs), --strict, --retries N, and
pytest arguments after "--". The ci run compares with the full run's baseline unless a ci
baseline is stored: its rows are the same benchmarks at the same sizes, with fewer rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks import report

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


def main(argv=None) -> int:
  parser = argparse.ArgumentParser(description="jaxid benchmarks and report")
  parser.add_argument("--ci", action="store_true", help="short run; print the report table")
  parser.add_argument("--no-run", action="store_true", help="report from the last JSON")
  parser.add_argument(
    "--update-baseline", action="store_true", help="store this run's figures as the mode's baseline"
  )
  parser.add_argument(
    "--merge-baseline",
    action="store_true",
    help="store, per row, the better of the stored baseline and this run",
  )
  parser.add_argument("--strict", action="store_true", help="exit 1 on a flagged regression")
  parser.add_argument(
    "--retries",
    type=int,
    default=None,
    help="re-measure flagged rows up to this many times, keeping the best (default 2; ci 1)",
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
  baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
  # ci rows are a subset of the full run's, same names and shapes: ci falls back to full's.
  base_meta = baseline.get(mode) or baseline.get("full", {})
  base_rows = base_meta.get("rows", {})
  rows = report.distill(data)
  regressions = report.compare(rows, base_rows)
  retries = args.retries if args.retries is not None else (1 if args.ci else 2)
  for attempt in range(1, 0 if args.no_run or rc else retries + 1):
    flagged = [r["name"] for r in regressions if r["flagged"]]
    if not flagged:
      break
    # Noise on a shared machine rarely repeats: a regression must survive re-measurement.
    ids = [b["fullname"] for b in data["benchmarks"] if b["name"] in flagged]
    print(f"benchmarks: re-measuring {len(ids)} flagged rows (attempt {attempt})", flush=True)
    retry_path = RESULTS / f"{mode}-retry{attempt}.json"
    rc = run_pytest(mode, retry_path, args.pytest_args, ids)
    if rc or not retry_path.exists():
      break
    data = report.merge_best(data, json.loads(retry_path.read_text()))
    json_path.write_text(json.dumps(data, indent=1))
    rows = report.distill(data)
    regressions = report.compare(rows, base_rows)
  md_path, png_path = (
    (RESULTS / "report-ci.md", RESULTS / "report-ci.png")
    if args.ci
    else (BENCH / "report.md", BENCH / "report.png")
  )
  plot_note = report.plot(rows, png_path)
  text = report.render(
    data,
    rows,
    regressions,
    mode,
    png_path.name,
    plot_note,
    pytest_rc=rc,
    baseline_meta=base_meta,
  )
  md_path.parent.mkdir(parents=True, exist_ok=True)
  md_path.write_text(text)
  print(f"benchmarks: wrote {md_path.relative_to(ROOT)} and {png_path.relative_to(ROOT)}")
  if args.ci:
    print(report.summary(text))
  if args.update_baseline or args.merge_baseline:
    entry = report.baseline_entry(data, rows)
    if args.merge_baseline and mode in baseline:
      entry = report.merge_baseline(baseline[mode], entry)
    baseline[mode] = entry
    BASELINE.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n")
    print(f"benchmarks: baseline for {mode} updated in {BASELINE.relative_to(ROOT)}")
  if rc != 0:
    print(
      f"benchmarks: pytest failed (exit {rc}): a benchmark's result is wrong or it crashed",
      file=sys.stderr,
    )
    return rc
  if args.strict and any(r["flagged"] for r in regressions):
    return 1
  return 0


if __name__ == "__main__":
  sys.exit(main())

"""Run the parity suite against every mutant; print mutant, killed or survived, the first killer.

  python -m parity_tests.run_mutants [NAME ...] [-- PYTEST ARGS]

With `-- --model NAME` the suite runs on that model, and the mutants that only show on it
(mutants.MODEL_MUTANTS) are added.

Each mutant runs in its own pytest process (`--candidate parity_tests.mutants.<name>:candidate`,
`-x`, the ci Hypothesis profile unless HYPOTHESIS_PROFILE is set), on the parity files first and
the checklist last, so the first failure is the cheapest test that catches the mistake. The
reference (the mutants' code without a mistake) runs first and must pass everything. Exit status
1 when the reference fails or any mutant survives: a survivor means a missing test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from parity_tests.mutants import MODEL_MUTANTS, MUTANTS

ROOT = Path(__file__).resolve().parents[1]
FILES = [
  "parity_tests/test_parity_oracle.py",
  "parity_tests/test_parity_physics.py",
  "parity_tests/test_parity_legacy.py",
  "parity_tests/test_checklist.py",
]
REFERENCE = "parity_tests.mutants._base:reference"


def run(spec: str, extra: list[str]) -> tuple[int, str, float, int]:
  """(pytest exit code, first failing test or '', seconds, tests run) for one candidate."""
  with tempfile.TemporaryDirectory() as tmp:
    xml = Path(tmp) / "junit.xml"
    cmd = [
      sys.executable,
      "-m",
      "pytest",
      *FILES,
      "-x",
      "-q",
      "-p",
      "no:cacheprovider",
      "--candidate",
      spec,
      f"--junitxml={xml}",
      *extra,
    ]
    env = dict(os.environ)
    env.setdefault("HYPOTHESIS_PROFILE", "ci")
    t0 = time.time()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    secs = time.time() - t0
    first, n = "", 0
    if xml.exists():
      for case in ET.parse(xml).getroot().iter("testcase"):
        n += 1
        if not first and (case.find("failure") is not None or case.find("error") is not None):
          first = f"{Path(case.get('classname', '').replace('.', '/')).name}::{case.get('name')}"
    if proc.returncode not in (0, 1):
      first = first or f"pytest exit {proc.returncode}: {proc.stdout[-400:]}{proc.stderr[-400:]}"
  return proc.returncode, first, secs, n


def main(argv=None) -> int:
  argv = list(sys.argv[1:] if argv is None else argv)
  extra = argv[argv.index("--") + 1 :] if "--" in argv else []
  model = "gait_lowerbody"
  for i, a in enumerate(extra):
    if a == "--model" and i + 1 < len(extra):
      model = extra[i + 1]
    elif a.startswith("--model="):
      model = a.split("=", 1)[1]
  names = (argv[: argv.index("--")] if "--" in argv else argv) or [
    *MUTANTS,
    *MODEL_MUTANTS.get(model, ()),
  ]
  rows = []
  code, first, secs, n = run(REFERENCE, extra)
  print(
    f"reference: {'passed' if code == 0 else 'FAILED: ' + first} ({n} tests, {secs:.0f} s)",
    flush=True,
  )
  ok = code == 0
  for name in names:
    code, first, secs, n = run(f"parity_tests.mutants.{name}:candidate", extra)
    killed = code != 0 and bool(first)
    rows.append((name, "killed" if killed else "SURVIVED", first or "-", secs))
    print(f"  {name}: {rows[-1][1]} by {rows[-1][2]} ({secs:.0f} s)", flush=True)
    ok &= killed
  width = max(len(r[0]) for r in rows) if rows else 6
  print()
  print(f"| {'mutant':<{width}} | result   | first killing test | seconds |")
  print(f"|{'-' * (width + 2)}|----------|--------------------|---------|")
  for name, result, first, secs in rows:
    print(f"| {name:<{width}} | {result:<8} | {first} | {secs:.0f} |")
  survivors = [r[0] for r in rows if r[1] != "killed"]
  print()
  print(
    f"{len(rows) - len(survivors)}/{len(rows)} mutants killed"
    + (f"; SURVIVED: {', '.join(survivors)}" if survivors else "")
  )
  return 0 if ok else 1


if __name__ == "__main__":
  sys.exit(main())

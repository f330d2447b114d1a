"""Run the parity suite against every mutant; print killed, survived or errored, and the killer.

  python -m jaxid_parity.run_mutants [--jobs N] [--full-order] [--full-references] [NAME ...]
      [-- PYTEST ARGS]

With `-- --model NAME` the suite runs on that model, and the mutants that only show on it
(mutants.MODEL_MUTANTS) are added.

Each mutant runs in its own pytest process (`--candidate jaxid_parity.mutants.<name>:candidate`,
`-x`, the ci Hypothesis profile unless HYPOTHESIS_PROFILE is set), on the suite's parity modules
first and the checklist last (runner.MODULES), so the first failure is the cheapest test that
catches the mistake. A mutant is killed only when that failure is a failed assertion of a test
(AssertionError or pytest.fail); a crash (any other exception), a fixture or collection error or
a pytest exit other than 0 and 1 is "errored". A detector mutant first runs only its item's
candidate tests, a paths mutant only the paths module (first_targets); when they pass, the
whole suite runs as above. --full-order skips that step: every mutant runs the whole suite in
order, which also shows that a detector mutant passes every module before its item's (it is
"otherwise correct") and the scan-path mutant every module but the paths one (~100 s more per
mutant; CI runs without it). The reference (the mutants' code without a mistake) must pass every test
that killed one of its mutants (a kill means the suite tells the mutant from its correct twin),
and so must the reference of the mutants with every execution path (jaxid_parity.mutants._paths)
on the tests that killed those; with --full-references each reference runs the whole suite
instead (what a new reference needs; the jaxid candidate's own full run is `nox -s tests`).
--jobs N runs N mutants at a time, each in its own process (default 1). A detector mutant
(mutants.DETECTORS) counts as killed only by its checklist item's candidate test; killed by any
other test it is reported "killed-elsewhere" (its anti-pattern is not what the suite saw). Exit status 1 when a reference
fails or any mutant survives, errors or is killed elsewhere: a survivor means a missing test, an
error a broken candidate or suite.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jaxid_parity import runner
from jaxid_parity.mutants import DETECTORS, MODEL_MUTANTS, MUTANTS, PATHS_MUTANTS

REFERENCES = ("jaxid_parity.mutants._base:reference", "jaxid_parity.mutants._paths:reference")
# Exceptions that are a test's verdict (assert, pytest.fail / pytest.raises' "DID NOT RAISE").
VERDICTS = ("AssertionError", "Failed")


def _exception_kinds(failure: ET.Element) -> set[str]:
  """Exception class names of a JUnit failure; those inside a group (Hypothesis found several)."""
  message = failure.get("message") or ""
  kind = message.split(":", 1)[0].strip().rsplit(".", 1)[-1]
  if not kind.endswith("ExceptionGroup"):
    return {kind}
  subs = re.findall(r"^E\s+\|\s+([\w.]+):", failure.text or "", re.MULTILINE)
  return {k.rsplit(".", 1)[-1] for k in subs}


def first_failure(xml: Path) -> tuple[str, str, int]:
  """(outcome of the first failed test: 'killed', 'errored' or '', its name, tests run)."""
  outcome, name, n = "", "", 0
  for case in ET.parse(xml).getroot().iter("testcase"):
    n += 1
    if outcome:
      continue
    failure, error = case.find("failure"), case.find("error")
    if failure is None and error is None:
      continue
    name = f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}"
    if error is not None:
      outcome = "errored"
    else:
      kinds = _exception_kinds(failure)
      outcome = "killed" if kinds and kinds <= set(VERDICTS) else "errored"
      if outcome == "errored":
        name += f" ({', '.join(sorted(kinds)) or 'no exception'})"
  return outcome, name, n


def node_id(test: str) -> str:
  """A pytest node id (the module's file) for a first-failure name 'test_module::test[param]'."""
  module, name = test.split("::", 1)
  origin = importlib.util.find_spec(f"{runner.SUITE}.{module}").origin
  return f"{origin}::{name}"


def first_targets(name: str) -> tuple[list[str], list[str]]:
  """(suite modules, extra pytest args) a mutant runs on before the whole suite: a detector
  mutant on its item's candidate tests, another paths mutant on the paths module (the suite's
  last, after ~100 s of modules that cannot see a scan-only mistake); () for the rest, whose
  killers are in the first modules. Only an order: when these pass, the whole suite runs."""
  checklist = [m for m in runner.MODULES if ".test_checklist_items_" in m]
  if name in DETECTORS:
    return checklist, ["-k", f"test_item{DETECTORS[name]}_candidate"]
  if name in PATHS_MUTANTS:
    return [m for m in runner.MODULES if m.endswith(".test_parity_paths")], []
  return [], []


def run(
  spec: str, extra: list[str], tests: Sequence[str] = (), modules: Sequence[str] = ()
) -> tuple[str, str, float, int]:
  """(outcome: passed, killed, errored or survived, first failing test, seconds, tests run) of
  the suite's modules (or only `modules`), or of only `tests` (first-failure names) when
  given."""
  with tempfile.TemporaryDirectory() as tmp:
    xml = Path(tmp) / "junit.xml"
    targets = [node_id(t) for t in tests] or list(modules) or runner.MODULES
    args = runner.pytest_args(spec, targets, str(xml), ["-x", "-q", *extra])
    env = dict(os.environ)
    env.setdefault("HYPOTHESIS_PROFILE", "ci")
    t0 = time.time()
    proc = subprocess.run(
      [sys.executable, "-m", "pytest", *args], env=env, capture_output=True, text=True, check=False
    )
    secs = time.time() - t0
    outcome, first, n = first_failure(xml) if xml.exists() else ("", "", 0)
  if proc.returncode == 0 and not outcome:
    return "passed", "", secs, n
  if proc.returncode not in (0, 1) or not outcome:
    tail = (proc.stdout[-300:] + proc.stderr[-300:]).strip()
    return "errored", first or f"pytest exit {proc.returncode}: {tail}", secs, n
  return outcome, first, secs, n


def classify(name: str, outcome: str, first: str) -> str:
  """A mutant's result: killed, killed-elsewhere (a detector mutant killed by another test than
  its item's candidate test), SURVIVED (passed) or ERRORED (anything else). Only killed passes."""
  if outcome == "passed":
    return "SURVIVED"
  if outcome != "killed":
    return "ERRORED"
  item = DETECTORS.get(name)
  if item is not None and f"::test_item{item}_candidate" not in first:
    return "killed-elsewhere"
  return "killed"


def main(argv: list[str] | None = None) -> int:
  argv = list(sys.argv[1:] if argv is None else argv)
  extra = argv[argv.index("--") + 1 :] if "--" in argv else []
  model = "gait_lowerbody"
  for i, a in enumerate(extra):
    if a == "--model" and i + 1 < len(extra):
      model = extra[i + 1]
    elif a.startswith("--model="):
      model = a.split("=", 1)[1]
  names = argv[: argv.index("--")] if "--" in argv else argv
  jobs = 1
  if "--jobs" in names:
    i = names.index("--jobs")
    jobs, names = max(1, int(names[i + 1])), names[:i] + names[i + 2 :]
  full = "--full-references" in names
  in_order = "--full-order" in names  # every mutant on the whole suite in order, no first targets
  names = [n for n in names if n not in ("--full-references", "--full-order")]
  names = names or [
    *MUTANTS,
    *MODEL_MUTANTS.get(model, ()),
    *(DETECTORS if model == "gait_lowerbody" else ()),  # the checklist runs on the bundled model
  ]
  paths = any(n in PATHS_MUTANTS for n in names)  # the _paths reference only where it is used

  def reference(ref: str, tests: Sequence[str] = ()) -> bool:
    outcome, first, secs, n = run(ref, extra, tests)
    scope = "the whole suite" if not tests else f"the {len(tests)} tests that killed its mutants"
    why = f" {first}" if first else ""
    print(f"reference {ref} on {scope}: {outcome}{why} ({n} tests, {secs:.0f} s)", flush=True)
    return outcome == "passed"

  def one(name: str) -> tuple[str, str, str, float]:
    spec = f"jaxid_parity.mutants.{name}:candidate"
    modules, select = ([], []) if in_order else first_targets(name)
    outcome, first, secs = "passed", "", 0.0
    if modules:
      outcome, first, secs, _ = run(spec, [*extra, *select], modules=modules)
    if outcome == "passed":  # nothing caught it there (or no first targets): the whole suite
      outcome, first, more, _ = run(spec, extra)
      secs += more
    result = classify(name, outcome, first)
    print(f"  {name}: {result} by {first or '-'} ({secs:.0f} s)", flush=True)
    return name, result, first or "-", secs

  used = REFERENCES[: 2 if paths else 1]
  with ThreadPoolExecutor(max_workers=jobs) as pool:  # threads only wait on their pytest process
    if full:
      refs = [pool.submit(reference, ref) for ref in used]
      rows = list(pool.map(one, names))
    else:
      rows = list(pool.map(one, names))
      twin = {name: REFERENCES[name in PATHS_MUTANTS] for name in names}  # a mutant's reference
      killers = {
        ref: sorted({r[2] for r in rows if r[1] == "killed" and twin[r[0]] == ref}) for ref in used
      }
      refs = [pool.submit(reference, ref, killers[ref]) for ref in used if killers[ref]]
    refs_ok = all(f.result() for f in refs)
  ok = refs_ok and all(r[1] == "killed" for r in rows)
  width = max(len(r[0]) for r in rows) if rows else 6
  print()
  print(f"| {'mutant':<{width}} | result   | first failing test | seconds |")
  print(f"|{'-' * (width + 2)}|----------|--------------------|---------|")
  for name, result, first, secs in rows:
    print(f"| {name:<{width}} | {result:<8} | {first} | {secs:.0f} |")
  bad = {
    r: [row[0] for row in rows if row[1] == r] for r in ("SURVIVED", "ERRORED", "killed-elsewhere")
  }
  killed = sum(row[1] == "killed" for row in rows)
  print()
  print(
    f"{killed}/{len(rows)} mutants killed"
    + "".join(f"; {r}: {', '.join(v)}" for r, v in bad.items() if v)
    + ("" if refs_ok else "; a REFERENCE did not pass (see above)")
  )
  return 0 if ok else 1


if __name__ == "__main__":
  sys.exit(main())

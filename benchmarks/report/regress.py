"""The regression check: this run against a baseline stored from one earlier run on the same CPU.

The baseline (benchmarks/baseline.json: per mode, one entry per CPU model and core count) is one
run's figures as they were measured, with the run's date, commit and CPU model: `run.py
--update-baseline` stores the run it has just judged against the previous baseline of its
machine, for the next run there to be judged against; the other machines' entries are kept. CI's
VM comes as more than one CPU kind, so each kind has its own: a run is judged only against its
own machine's entry (select). The check refuses (says "not comparable", gives no verdict) when
there is none, or the baseline is this run or a later one.

A row is over the limit when its metric exceeds the baseline's by more than LIMITS[kind] after
dividing times by the machine's slowdown (the C peer's torques row, now / baseline, when above
1). Rows over the limit are measured once more, with the C peer, in a new pytest process; a row
is a REGRESSION only when that re-measurement is over the limit too. Both measurements are
reported; neither replaces the other.
"""

from __future__ import annotations

LIMITS = {"forward": 2.0, "grad": 2.0, "compile": 2.0, "memory": 1.2}
PEER = "test_cpeer[torques]"  # the machine-speed yardstick: single-threaded MuJoCo C

NOTE = (
  "A row is over the limit when its metric (us/frame min; compile: first call minus a steady "
  "call; memory: XLA temp bytes) exceeds the baseline's by more than 2x (memory 1.2x), after "
  "dividing times by the machine's slowdown (this run's C peer, torques, T=200, over the "
  "baseline's, when above 1). Such rows are measured once more in a fresh pytest process (the C "
  "peer with them); a row over the limit in both measurements is a REGRESSION and makes "
  "`python -m benchmarks.run` exit 1, in CI too. The baseline is one earlier run on the same "
  "CPU model and core count (benchmarks/baseline.json keeps one per machine); a machine without "
  "one, or the run itself, gives 'not comparable' and no verdict. Why 2x and a confirmation: on this shared "
  "2-core VM, runs of the same code gave jaxid rows 0.5x to 2.9x of each other while the "
  "single-threaded C peer stayed within 6% (benchmarks/notes.md), because XLA uses both cores "
  "and loses one whenever another process runs; dividing by the C peer removes a uniformly "
  "slower machine, the second measurement removes most contention (it rarely lasts across two "
  "processes), and 2x is what a change to the traced program (a lost fusion, a scan where a "
  "vmap was) costs. Failing on 1.5x would fail CI on load; not failing at all would let a 2x "
  "regression through. XLA's memory_analysis is deterministic for fixed versions, so 1.2x "
  "allows only for version drift."
)


def machine(data: dict) -> dict:
  """The CPU model and core count of a run (pytest-benchmark's machine_info)."""
  mi = data.get("machine_info", {})
  return {"cpu": mi.get("cpu", {}).get("brand_raw", "?"), "cpu_count": mi.get("cpu_count")}


def machine_key(m: dict) -> str:
  """A machine as baseline.json names it: 'AMD EPYC x2'."""
  return f"{m['cpu']} x{m['cpu_count']}"


def _entries(baseline: dict, mode: str) -> dict:
  """The mode's entries by machine; a single entry (the file before machines) keyed by its own."""
  entries = baseline.get(mode) or {}
  return {machine_key(entries): entries} if "rows" in entries else dict(entries)


def select(baseline: dict, mode: str, data: dict) -> dict | None:
  """The mode's baseline from this run's machine, or None."""
  return _entries(baseline, mode).get(machine_key(machine(data)))


def store(baseline: dict, mode: str, new: dict) -> dict:
  """baseline with new as its mode's entry for new's machine; every other entry kept."""
  return {**baseline, mode: {**_entries(baseline, mode), machine_key(new): new}}


def entry(data: dict, rows: dict, mode: str) -> dict:
  """The baseline entry of one run: its identity, machine, versions and per-row metric."""
  commit = data.get("commit_info", {})
  return {
    "mode": mode,
    "run": data.get("datetime"),
    "commit": commit.get("id", "?"),
    "dirty": bool(commit.get("dirty")),
    **machine(data),
    "versions": data.get("machine_info", {}).get("versions", {}),
    "loadavg_start": data.get("machine_info", {}).get("loadavg_start"),
    "rows": {
      k: {"metric": v["metric"], "unit": v["unit"], "kind": v["kind"], "label": v["label"]}
      for k, v in rows.items()
    },
  }


def not_comparable(data: dict, base: dict | None) -> str:
  """Why this run cannot be judged against the baseline ('' when it can)."""
  if not base or not base.get("rows"):
    return f"no baseline for this mode from this run's machine, {machine_key(machine(data))}"
  run, when = data.get("datetime") or "", base.get("run") or ""
  if not when or "cpu" not in base:
    return "the baseline records no run date or CPU model (not one run)"
  if when >= run:
    return f"the baseline ({when[:19]}) is this run or a later one"
  now = machine(data)
  if (base["cpu"], base.get("cpu_count")) != (now["cpu"], now["cpu_count"]):
    return (
      f"the baseline ran on {base['cpu']} x{base.get('cpu_count')}, this run on "
      f"{now['cpu']} x{now['cpu_count']}"
    )
  return ""


def speed_factor(rows: dict, base_rows: dict) -> float:
  """How much slower this run's machine is than the baseline's: the C peer's time ratio, >= 1."""
  if PEER in rows and PEER in base_rows and base_rows[PEER]["metric"] > 0:
    return max(rows[PEER]["metric"] / base_rows[PEER]["metric"], 1.0)
  return 1.0


def compare(rows: dict, base_rows: dict) -> list[dict]:
  """Every row present in both, with its ratio, normalised ratio and whether it is over."""
  factor = speed_factor(rows, base_rows)
  out = []
  for name, r in sorted(rows.items(), key=lambda kv: kv[1]["label"]):
    b = base_rows.get(name)
    if not b or not b.get("metric") or not r.get("metric") or b["metric"] <= 0:
      continue
    if b.get("label", r["label"]) != r["label"]:  # the same test measuring something else now
      continue  # (another T, B or program: e.g. the memory rows at 5,000 -> 10,000 frames)
    ratio = r["metric"] / b["metric"]
    norm = ratio if r["kind"] == "memory" else ratio / factor
    limit = LIMITS.get(r["kind"], 2.0)
    out.append(
      {
        "name": name,
        "fullname": r["fullname"],
        "label": r["label"],
        "unit": r["unit"],
        "base": b["metric"],
        "now": r["metric"],
        "ratio": ratio,
        "normalized": norm,
        "limit": limit,
        "factor": factor,
        "over": norm > limit,
        "again": None,  # the re-measurement's normalised ratio, for rows over the limit
        "regression": False,
      }
    )
  return out


def confirm(checks: list[dict], rows: dict, again: dict, base_rows: dict) -> list[dict]:
  """checks with each row over the limit judged again on its re-measurement (again: rows)."""
  second = {c["name"]: c for c in compare({**rows, **again}, base_rows)}
  out = []
  for c in checks:
    if c["over"] and c["name"] in again:
      a = second[c["name"]]
      c = dict(c, again=a["normalized"], regression=a["over"])
    out.append(c)
  return out


def verdict(checks: list[dict], why: str, base: dict | None) -> list[str]:
  """The report's regression lines: REGRESSION per confirmed row, or why there is no verdict."""
  if why:
    return [f"Regression check: not comparable ({why}); no verdict."]
  name = f"the baseline run of {base['run'][:19]} (commit {base['commit'][:10]})"
  bad = [c for c in checks if c["regression"]]
  lines = [
    f"**REGRESSION**: {c['label']} {c['normalized']:.2f}x, again {c['again']:.2f}x the "
    f"baseline (limit {c['limit']:g}x; {name})"
    for c in bad
  ]
  unconfirmed = [c for c in checks if c["over"] and not c["regression"]]
  if unconfirmed:
    lines.append(
      "Over the limit once, not a regression (re-measured within it, or not re-measured): "
      + ", ".join(
        f"{c['label']} {c['normalized']:.2f}x"
        + (f" then {c['again']:.2f}x" if c["again"] is not None else "")
        for c in unconfirmed
      )
    )
  if not bad:
    lines.insert(0, f"Regressions vs {name}: none ({len(checks)} rows compared).")
  return lines

"""Sections of the markdown report: rows, compile time, memory, scaling, regression check."""

from __future__ import annotations

from benchmarks.report import fmt, regress
from benchmarks.report.rows import MYO, SCALING, T_TARGET, find, sched


def rows_section(rows: dict) -> list[str]:
  """The table of timed rows (forward, then gradients) and the legacy loop's compile line."""
  order = {"forward": 0, "grad": 1}
  timed = sorted(
    (r for r in rows.values() if r["kind"] in order),
    key=lambda r: (order[r["kind"]], r["group"] or "", r["us_frame"]),
  )
  cells = [
    [
      r["label"],
      r["group"],
      r["B"],
      r["T"],
      fmt.us(r["us_frame"]),
      fmt.us(r["us_frame_median"]),
      f"{r['fps']:,.0f}",
      r["rounds"],
    ]
    for r in timed
  ]
  header = ["row", "group", "B", "T", "us/frame min", "us/frame median", "frames/s", "rounds"]
  out = [
    "## Rows",
    "",
    "us/frame = call time / frames per call (B x T); frames/s from the min. The rows are this "
    "run's first measurement (a re-measurement by the regression check is shown there only).",
    "",
    fmt.table(header, cells),
    "",
  ]
  leg = find(rows, impl="legacy")
  if leg:
    r, nan = leg[0], float("nan")
    out += [
      f"Legacy loop: steady {fmt.us(r.get('steady_frame_s', nan) * 1e6)} us/frame (median of "
      f"non-compiling frames; min {fmt.us(r.get('steady_frame_min_s', nan) * 1e6)}), first call "
      f"{r.get('first_call_s', nan):.2f} s with {r.get('first_call_compiles', '?')} XLA "
      f"compilations (frame 0 {r.get('first_frame_s', nan):.2f} s); each later call "
      f"compiles {r.get('timed_call_compiles', '?')} programs again (its jitted closures are "
      "rebuilt per call; the persistent cache serves them).",
      "",
    ]
  return out


def compile_section(rows: dict) -> list[str]:
  comp = sorted(
    find(rows, kind="compile") + find(rows, kind="compile", model=MYO),
    key=lambda r: (r.get("program"), r.get("cache")),
  )
  if not comp:
    return []
  out = [
    "## Compile time",
    "",
    "First call of jaxid.inverse_dynamics in a fresh process (cold: empty persistent cache; "
    "warm: the cache the cold process filled); compile = first call - steady call. Breakdown "
    "from jax.monitoring: trace = Python tracing to a jaxpr, lower = jaxpr to MLIR, XLA = "
    "backend compile (cold) or cache load (warm). single: one trial, all outputs; batch32: 32 "
    "trials, torques; both T = 200, default schedule. myolegs-single: single on the pruned "
    "MyoLeg.",
    "",
  ]
  header = ["program", "cache", "compile s", "first call s", "trace s", "lower s"]
  header += ["XLA / cache s", "imports s"]
  out += [
    fmt.table(
      header,
      [
        [
          r.get("program"),
          r.get("cache"),
          f"{r['compile_s']:.2f}",
          f"{r['first_call_s']:.2f}",
          f"{r['trace_s']:.2f}",
          f"{r['lower_s']:.2f}",
          f"{r['backend_s']:.2f}",
          f"{r['import_s']:.2f}",
        ]
        for r in comp
      ],
    ),
    "",
  ]
  return out


def memory_section(rows: dict) -> list[str]:
  mem = sorted(
    find(rows, kind="memory"), key=lambda r: (r.get("schedule") != "scan", bool(r.get("remat")))
  )
  if not mem:
    return ["## Gradient memory", "", "Not measured in this mode (full run only).", ""]
  out = [
    "## Gradient memory",
    "",
    f"value_and_grad of mean(joint_torques^2) over T = {mem[0]['T']} frames. XLA temp = "
    "memory_analysis().temp_size_in_bytes of the compiled program (peak of live intermediate "
    "buffers); RSS = the process's resident set before the one call and its peak during it "
    "(VmHWM reset before the call; the executable is loaded from the persistent cache first).",
    "",
  ]
  header = ["schedule", "remat", "XLA temp", "arguments", "outputs", "RSS before call"]
  header += ["RSS peak in call", "RSS delta", "call s"]
  out += [
    fmt.table(
      header,
      [
        [
          sched(r),
          str(bool(r.get("remat"))),
          fmt.nbytes(r.get("temp_size_in_bytes", -1)),
          fmt.nbytes(r.get("argument_size_in_bytes", -1)),
          fmt.nbytes(r.get("output_size_in_bytes", -1)),
          fmt.nbytes(r.get("rss_before_bytes", -1)),
          fmt.nbytes(r.get("rss_peak_bytes", -1)),
          fmt.nbytes(r.get("rss_delta_bytes", -1)),
          f"{r.get('call_s', float('nan')):.2f}",
        ]
        for r in mem
      ],
    ),
    "",
  ]
  return out


def resolved_note(rs: list[dict]) -> str:
  """What "auto" ran as in these rows (recorded per row from jaxid.options.auto_schedule)."""
  picks = sorted(
    {(r["B"], r["resolved"]) for r in rs if r["schedule"] == "auto" and "resolved" in r}
  )
  return "auto ran as " + ", ".join(f"{s} at B={b}" for b, s in picks) if picks else "auto"


def scaling_section(rows: dict) -> list[str]:
  out = ["## Scaling", ""]
  ts = sorted(find(rows, scaling=True, group=SCALING), key=lambda r: (r["impl"], r["T"]))
  if ts:
    by_t = {}
    for r in ts:
      by_t.setdefault(r["T"], {})[r["impl"]] = r
    lines = []
    for t, v in sorted(by_t.items()):
      j, c = v.get("jaxid"), v.get("cpeer")
      ratio = fmt.times(c["us_frame"] / j["us_frame"]) if j and c else "n/a"
      lines.append([t, fmt.us(j and j["us_frame"]), fmt.us(c and c["us_frame"]), ratio])
    out += ["Trial length (B = 1, joint torques; jaxid default schedule):", ""]
    out += [fmt.table(["T", "jaxid us/frame", "C peer us/frame", "C peer / jaxid"], lines), ""]
  bs = find(rows, impl="jaxid", kind="forward", outputs="torques", T=T_TARGET)
  if bs:
    scheds = sorted({r["schedule"] for r in bs}, key=lambda s: (s != "auto", s))
    cell = {(r["B"], r["schedule"]): r for r in bs}
    lines = [
      [b] + [fmt.us(cell[(b, s)]["us_frame"]) if (b, s) in cell else "" for s in scheds]
      for b in sorted({r["B"] for r in bs})
    ]
    out += [
      f"Batch size (T = {T_TARGET}, joint torques; B = 1 is the single-trial call), us/frame; "
      f"{resolved_note(bs)}:",
      "",
      fmt.table(["B", *scheds], lines),
      "",
    ]
  return out


def regression_section(checks: list[dict], why: str, base: dict | None) -> list[str]:
  """The regression check: its rule, the verdict and the per-row table."""
  out = ["## Regression check", "", regress.NOTE, ""]
  if base and base.get("run"):
    out += [
      f"Baseline: {base.get('mode')} run of {base['run'][:19]} UTC, commit "
      f"{base.get('commit', '?')[:10]}{' (dirty)' if base.get('dirty') else ''}, on "
      f"{base.get('cpu', '?')} x{base.get('cpu_count', '?')}, load average at its start "
      f"{fmt.load(base.get('loadavg_start'))}.",
      "",
    ]
  out += [*regress.verdict(checks, why, base), ""]
  if not checks:
    return out
  header = ["row", "unit", "baseline", "now", "ratio", "normalized", "again", "limit", "verdict"]
  cells = [
    [
      c["label"],
      c["unit"],
      fmt.num(c["base"]),
      fmt.num(c["now"]),
      f"{c['ratio']:.2f}",
      f"{c['normalized']:.2f}",
      "" if c["again"] is None else f"{c['again']:.2f}",
      f"{c['limit']:g}",
      "REGRESSION" if c["regression"] else "over once" if c["over"] else "",
    ]
    for c in checks
  ]
  return [
    *out,
    fmt.table(header, cells),
    "",
    f"Machine slowdown factor (C peer now / baseline, >= 1): {checks[0]['factor']:.2f}.",
    "",
  ]

"""The benchmark report, made from pytest-benchmark's JSON: rows, targets, ratios, plot, baseline.

Statistic: every repeated-call row is timed as whole calls (a trial or a batch) and reported
per frame as min over rounds of call time / frames per call (the median is shown beside it).
On a shared, noisy machine the minimum is the most repeatable estimate of a row's cost; ratios
and targets use it. The legacy loop's steady per-frame time is the median over its frames that
did not compile (one call, per-frame timings it records itself).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

T_TARGET = 200
SCALING = "scaling T torques"
BUNDLED = "gait_lowerbody"
MYO = "myolegs"  # issue 8's rows (benchmarks/test_myoleg.py), extra_info model="myolegs"

# Regression thresholds: a row is flagged when its metric exceeds the baseline's by more than
# this factor, after dividing out the machine's speed change (see compare()), and stays flagged
# after re-measurement (run.py --retries).
THRESHOLDS = {"forward": 1.5, "grad": 1.5, "compile": 1.5, "memory": 1.2}
THRESHOLD_NOTE = (
  "A row is flagged when its metric (us/frame min; compile: first call minus a steady call; "
  "memory: XLA temp bytes) exceeds the baseline's by more than 1.5x (memory 1.2x), after "
  "dividing times by the machine's slowdown (this run's MuJoCo C peer, torques, T=200, over "
  "the baseline's, when above 1), and still does after re-measuring the flagged rows (best of "
  "up to 3 attempts in the full run, 2 in ci). Why: two full runs of the same code 40 minutes "
  "apart on this shared 2-core VM gave the C peer within 4% but jaxid rows anywhere from 0.5x "
  "to 2.9x of each other (min of up to 50 rounds): XLA uses both cores and slows down whenever "
  "another engineer's process holds one, the single-threaded C peer barely does. A threshold "
  "above that spread would hide real 2x regressions, so the check keeps 1.5x and asks a slow "
  "row to be slow again. XLA's memory_analysis is deterministic for fixed jax/mujoco versions "
  "(identical in both runs), so 1.2x only allows for version drift."
)


# --- rows ----------------------------------------------------------------------------------------


def _sched(row: dict) -> str:
  s, r = row.get("schedule", ""), row.get("resolved", "")
  return f"{s}({r})" if r and r != s else s


def _label(row: dict) -> str:
  impl, kind = row["impl"], row["kind"]
  if kind == "compile":
    return f"compile {row.get('program')} ({row.get('cache')})"
  if kind == "memory":
    return f"grad memory T={row['T']} {_sched(row)}{' remat' if row.get('remat') else ''}"
  parts = [impl]
  if row.get("model", BUNDLED) != BUNDLED:
    parts.insert(0, row["model"])
  if kind == "grad":
    parts.append("value_and_grad")
  parts.append(row.get("outputs", ""))
  if impl.startswith("jaxid"):
    parts.append(_sched(row))
  if row.get("B", 1) > 1:
    parts.append(f"B={row['B']}")
  parts.append(f"T={row['T']}")
  return " ".join(p for p in parts if p)


def distill(data: dict) -> dict[str, dict]:
  """One record per benchmark: identity, per-frame times and the kind-specific figures."""
  rows = {}
  for b in data.get("benchmarks", []):
    ei, st = b.get("extra_info", {}), b["stats"]
    frames = max(int(ei.get("frames", 1)), 1)
    kind = ei.get("kind", "forward")
    row = {
      "name": b["name"],
      "group": b.get("group"),
      "kind": kind,
      "impl": ei.get("impl", "?"),
      "outputs": ei.get("outputs", ""),
      "schedule": ei.get("schedule", ""),
      "T": int(ei.get("T", 0)),
      "B": int(ei.get("B", 1)),
      "frames": frames,
      "rounds": int(st["rounds"]),
      "min_s": st["min"],
      "median_s": st["median"],
      "us_frame": st["min"] / frames * 1e6,
      "us_frame_median": st["median"] / frames * 1e6,
      "fps": frames / st["min"] if st["min"] > 0 else float("nan"),
    }
    for k, v in ei.items():
      if k not in row and isinstance(v, (int, float, str, bool)):
        row[k] = v
    if kind == "compile":
      row["metric"], row["unit"] = row.get("compile_s", st["min"]), "s"
    elif kind == "memory":
      row["metric"], row["unit"] = row.get("temp_size_in_bytes", float("nan")), "B"
    else:
      row["metric"], row["unit"] = row["us_frame"], "us/frame"
    row["label"] = _label(row)
    rows[b["name"]] = row
  return rows


def merge_best(data: dict, retry: dict) -> dict:
  """data with each benchmark that retry re-measured replaced by the better (lower metric) one."""
  again = {b["fullname"]: b for b in retry.get("benchmarks", [])}
  merged = []
  for b in data.get("benchmarks", []):
    r = again.get(b["fullname"])
    if r is not None:
      tries = int(b.get("extra_info", {}).get("attempts", 1)) + 1
      old = next(iter(distill({"benchmarks": [b]}).values()))["metric"]
      new = next(iter(distill({"benchmarks": [r]}).values()))["metric"]
      b = r if new < old else b
      b = dict(b, extra_info=dict(b.get("extra_info", {}), attempts=tries))
    merged.append(b)
  return dict(data, benchmarks=merged)


def find(rows: dict, scaling: bool = False, model: str = BUNDLED, **want) -> list[dict]:
  """Rows of one model (default the bundled one) with these field values; the scaling-T rows
  (repeats) only when scaling=True."""
  return [
    r
    for r in rows.values()
    if all(r.get(k) == v for k, v in want.items())
    and r.get("model", BUNDLED) == model
    and (scaling or r.get("group") != SCALING)
  ]


def best(rows: list[dict]) -> dict | None:
  return min(rows, key=lambda r: r["us_frame"]) if rows else None


def legacy_steady_us(rows: dict, model: str = BUNDLED) -> float | None:
  r = find(rows, impl="legacy", model=model)
  if not r or not r[0].get("steady_frame_s") or math.isnan(r[0]["steady_frame_s"]):
    return None
  return r[0]["steady_frame_s"] * 1e6


# --- formatting ----------------------------------------------------------------------------------


def fmt_us(x) -> str:
  if x is None or (isinstance(x, float) and math.isnan(x)):
    return "n/a"
  return f"{x:,.0f}" if x >= 1000 else f"{x:.3g}" if x < 10 else f"{x:.1f}"


def fmt_x(x) -> str:
  if x is None or (isinstance(x, float) and math.isnan(x)):
    return "n/a"
  return f"{x:,.0f}x" if x >= 100 else f"{x:.3g}x"


def fmt_bytes(x) -> str:
  if x is None or x < 0:
    return "n/a"
  for unit in ("B", "KiB", "MiB", "GiB"):
    if abs(x) < 1024 or unit == "GiB":
      return f"{x:.0f} {unit}" if unit == "B" else f"{x:.1f} {unit}"
    x /= 1024.0
  return str(x)


def mark(met) -> str:
  return {True: "MET", False: "MISSED", None: "NOT MEASURED"}[met]


# --- targets and ratios --------------------------------------------------------------------------


def targets(rows: dict) -> list[tuple[bool | None, str]]:
  """The issue's targets: (met, sentence with the figures). jaxid rows: the public API call."""
  out = []
  t = T_TARGET
  c_tq = find(rows, impl="cpeer", outputs="torques", T=t)
  c_all = find(rows, impl="cpeer", outputs="all", T=t)
  b32_best = best(find(rows, impl="jaxid", kind="forward", B=32, T=t))
  if c_tq and b32_best:
    r = c_tq[0]["us_frame"] / b32_best["us_frame"]
    default = find(rows, impl="jaxid", kind="forward", B=32, T=t, schedule="auto")
    extra = (
      f"; default {_sched(default[0])} {fmt_us(default[0]['us_frame'])} us/frame"
      if default and default[0] is not b32_best
      else ""
    )
    out.append(
      (
        r >= 20,
        "jaxid vmap(32) throughput >= 20x the MuJoCo C peer computing the same outputs (joint "
        f"torques, residuals): {fmt_x(r)} (jaxid {_sched(b32_best)} "
        f"{fmt_us(b32_best['us_frame'])} us/frame vs C peer {fmt_us(c_tq[0]['us_frame'])}{extra})",
      )
    )
  else:
    out.append((None, "jaxid vmap(32) throughput >= 20x the MuJoCo C peer"))
  parts, mets = [], []
  for outputs, c in (("all", c_all), ("torques", c_tq)):
    s = best(find(rows, impl="jaxid", kind="forward", B=1, T=t, outputs=outputs))
    if c and s:
      mets.append(s["us_frame"] <= c[0]["us_frame"])
      parts.append(
        f"{outputs} outputs: jaxid {_sched(s)} {fmt_us(s['us_frame'])} vs C peer "
        f"{fmt_us(c[0]['us_frame'])} us/frame ({fmt_x(c[0]['us_frame'] / s['us_frame'])})"
      )
  out.append(
    (
      all(mets) if mets else None,
      "jaxid single trial per-frame time <= the MuJoCo C peer's: " + "; ".join(parts),
    )
  )
  leg = legacy_steady_us(rows)
  s = best(find(rows, impl="jaxid", kind="forward", B=1, T=t, outputs="all"))
  if leg and s:
    r = leg / s["us_frame"]
    out.append(
      (
        r >= 100,
        "jaxid single trial >= 100x faster per frame than the legacy loop in steady state: "
        f"{fmt_x(r)} (legacy {fmt_us(leg)} us/frame, jaxid all outputs {_sched(s)} "
        f"{fmt_us(s['us_frame'])})",
      )
    )
  else:
    out.append((None, "jaxid single trial >= 100x faster per frame than the legacy loop"))
  if leg and b32_best:
    r = leg / b32_best["us_frame"]
    out.append(
      (
        r >= 1000,
        f"jaxid vmap(32) >= 1000x faster per frame than the legacy loop: {fmt_x(r)} (jaxid "
        f"torques {_sched(b32_best)} {fmt_us(b32_best['us_frame'])} us/frame)",
      )
    )
  else:
    out.append((None, "jaxid vmap(32) >= 1000x faster per frame than the legacy loop"))
  for cache, limit in (("cold", 5.0), ("warm", 1.0)):
    c = find(rows, kind="compile", cache=cache)
    if c:
      txt = "; ".join(f"{r['program']} {r['compile_s']:.2f} s" for r in c)
      out.append(
        (
          all(r["compile_s"] <= limit for r in c),
          f"{cache} compile <= {limit:g} s: {txt}",
        )
      )
    else:
      out.append((None, f"{cache} compile <= {limit:g} s"))
  grads = []
  for g in find(rows, kind="grad", B=1, T=t):
    f = find(
      rows, impl="jaxid", kind="forward", B=1, T=t, outputs="torques", schedule=g["schedule"]
    )
    if f:
      grads.append((g["us_frame"] / f[0]["us_frame"], _sched(g)))
  if grads:
    r, sched = min(grads)
    others = ", ".join(f"{s} {fmt_x(x)}" for x, s in sorted(grads) if s != sched)
    out.append(
      (
        r <= 3,
        f"value_and_grad <= 3x the forward time: {fmt_x(r)} (schedule {sched}"
        f"{'; ' + others if others else ''})",
      )
    )
  else:
    out.append((None, "value_and_grad <= 3x the forward time"))
  return out


def myo_targets(rows: dict) -> list[tuple[bool | None, str]]:
  """Issue 8's targets on the pruned MyoLeg (rows of benchmarks/test_myoleg.py)."""
  out = []
  t = T_TARGET
  c = find(rows, model=MYO, impl="cpeer", outputs="torques", T=t)
  b = best(find(rows, model=MYO, impl="jaxid", kind="forward", B=32, T=t))
  if c and b:
    r = c[0]["us_frame"] / b["us_frame"]
    out.append(
      (
        r >= 20,
        f"MyoLeg: jaxid vmap(32) >= 20x the MuJoCo C loop on the same pruned model: {fmt_x(r)} "
        f"(jaxid {fmt_us(b['us_frame'])} us/frame vs C peer {fmt_us(c[0]['us_frame'])})",
      )
    )
  else:
    out.append((None, "MyoLeg: jaxid vmap(32) >= 20x the MuJoCo C loop"))
  cold = find(rows, model=MYO, kind="compile", cache="cold")
  if cold:
    out.append(
      (
        cold[0]["compile_s"] <= 8.0,
        f"MyoLeg: cold compile of the pruned MyoLeg program <= 8 s: {cold[0]['compile_s']:.2f} s "
        f"(trace {cold[0]['trace_s']:.2f}, lower {cold[0]['lower_s']:.2f}, XLA "
        f"{cold[0]['backend_s']:.2f})",
      )
    )
  else:
    out.append((None, "MyoLeg: cold compile of the pruned MyoLeg program <= 8 s"))
  return out


def myo_ratios(rows: dict) -> list[tuple[str, str, str]]:
  """MyoLeg's rows against its own C peer and legacy loop (the bundled model's comparisons)."""
  out = []
  t = T_TARGET
  leg = legacy_steady_us(rows, MYO)
  for r in sorted(
    find(rows, model=MYO, impl="jaxid", kind="forward", T=t), key=lambda r: (r["B"], r["outputs"])
  ):
    c = find(rows, model=MYO, impl="cpeer", outputs=r["outputs"], T=t)
    if c:
      out.append(
        (
          f"{r['label']} vs C peer ({r['outputs']})",
          fmt_x(c[0]["us_frame"] / r["us_frame"]),
          "C peer us/frame / jaxid us/frame (> 1: jaxid faster)",
        )
      )
    if leg:
      out.append(
        (
          f"legacy steady / {r['label']}",
          fmt_x(leg / r["us_frame"]),
          "per frame; legacy: median of its non-compiling frames",
        )
      )
  for g in find(rows, model=MYO, kind="grad"):
    f = find(rows, model=MYO, impl="jaxid", kind="forward", B=g["B"], T=g["T"], outputs="torques")
    if f:
      out.append(
        (
          f"{MYO} grad / forward (B={g['B']})",
          fmt_x(g["us_frame"] / f[0]["us_frame"]),
          "value_and_grad us/frame / forward us/frame",
        )
      )
  cold = find(rows, model=MYO, kind="compile", cache="cold")
  warm = find(rows, model=MYO, kind="compile", cache="warm")
  if cold and warm and warm[0]["compile_s"] > 0:
    out.append(
      (
        f"cold / warm compile ({cold[0].get('program')})",
        fmt_x(cold[0]["compile_s"] / warm[0]["compile_s"]),
        "first call minus steady call, fresh processes",
      )
    )
  return out


def ratios(rows: dict) -> list[tuple[str, str, str]]:
  """(ratio, value, how) for the comparisons the issue asks for."""
  out = []
  t = T_TARGET
  leg = legacy_steady_us(rows)
  legacy_row = find(rows, impl="legacy")
  cpeer = {o: find(rows, impl="cpeer", outputs=o, T=t) for o in ("all", "torques")}
  jx = [r for r in find(rows, kind="forward", T=t) if r["impl"].startswith("jaxid")]
  singles = sorted(
    (r for r in jx if r["B"] == 1), key=lambda r: (r["outputs"], r["impl"], r["schedule"])
  )
  batches = sorted((r for r in jx if r["B"] > 1), key=lambda r: (r["B"], r["impl"], r["schedule"]))
  if leg:
    for r in singles + batches:
      out.append(
        (
          f"legacy steady / {r['label']}",
          fmt_x(leg / r["us_frame"]),
          "per frame; legacy: median of its non-compiling frames",
        )
      )
  if legacy_row:
    for r in (x for x in singles if x["outputs"] == "all" and x["impl"] == "jaxid"):
      out.append(
        (
          f"legacy whole call / {r['label']}",
          fmt_x(legacy_row[0]["us_frame"] / r["us_frame"]),
          "per frame; legacy: min over calls, its in-call compiles included",
        )
      )
  for r in singles + batches:
    c = cpeer.get(r["outputs"])
    if c:
      out.append(
        (
          f"{r['label']} vs C peer ({r['outputs']})",
          fmt_x(c[0]["us_frame"] / r["us_frame"]),
          "C peer us/frame / jaxid us/frame (> 1: jaxid faster)",
        )
      )
  lit = find(rows, impl="cpeer-literal")
  if lit and cpeer["all"]:
    out.append(
      (
        "C peer literal / C peer (all outputs)",
        fmt_x(lit[0]["us_frame"] / cpeer["all"][0]["us_frame"]),
        "what the post-pass and mj_applyFT at the COP save",
      )
    )
  for r in batches:
    s = find(
      rows, impl=r["impl"], kind="forward", B=1, T=t, outputs=r["outputs"], schedule=r["schedule"]
    )
    if s:
      out.append(
        (
          f"batched vs single: {r['label']} / {s[0]['label']}",
          fmt_x(s[0]["us_frame"] / r["us_frame"]),
          "per-frame speed-up of the batch",
        )
      )
  for r in jx:
    if r["impl"] != "jaxid-in-jit":
      continue
    api = find(
      rows,
      impl="jaxid",
      kind="forward",
      B=r["B"],
      T=t,
      outputs=r["outputs"],
      schedule=r["schedule"],
    )
    if api:
      extra = api[0]["min_s"] - r["min_s"]
      out.append(
        (
          f"API call / same call inside jit (B={r['B']})",
          fmt_x(api[0]["us_frame"] / r["us_frame"]),
          f"host work per call: {fmt_us(extra * 1e6)} us"
          if extra > 0
          else "no measurable host work (noise)",
        )
      )
  for g in sorted(find(rows, kind="grad"), key=lambda r: (r["B"], r["schedule"])):
    f = find(
      rows,
      impl="jaxid",
      kind="forward",
      B=g["B"],
      T=g["T"],
      outputs="torques",
      schedule=g["schedule"],
    )
    if f:
      out.append(
        (
          f"grad / forward ({_sched(g)}, B={g['B']})",
          fmt_x(g["us_frame"] / f[0]["us_frame"]),
          "value_and_grad us/frame / forward us/frame",
        )
      )
  for prog in sorted({r.get("program") for r in find(rows, kind="compile")}):
    cold = find(rows, kind="compile", cache="cold", program=prog)
    warm = find(rows, kind="compile", cache="warm", program=prog)
    if cold and warm and warm[0]["compile_s"] > 0:
      out.append(
        (
          f"cold / warm compile ({prog})",
          fmt_x(cold[0]["compile_s"] / warm[0]["compile_s"]),
          "first call minus steady call, fresh processes",
        )
      )
  mem = {bool(r.get("remat")): r for r in find(rows, kind="memory", schedule="scan")}
  if True in mem and False in mem:
    a, b = mem[False].get("temp_size_in_bytes", -1), mem[True].get("temp_size_in_bytes", -1)
    if a > 0 and b > 0:
      out.append(("grad temp memory, scan: no remat / remat", fmt_x(a / b), "XLA memory_analysis"))
    a, b = mem[False].get("rss_delta_bytes", -1), mem[True].get("rss_delta_bytes", -1)
    if a > 0 and b > 0:
      out.append(("grad peak RSS growth, scan: no remat / remat", fmt_x(a / b), "VmHWM - VmRSS"))
    if mem[False].get("call_s") and mem[True].get("call_s"):
      out.append(
        (
          "grad time, scan: remat / no remat",
          fmt_x(mem[True]["call_s"] / mem[False]["call_s"]),
          f"one call, T = {mem[True]['T']}",
        )
      )
  return out


# --- baseline ------------------------------------------------------------------------------------


def _speed_factor(rows: dict, base: dict) -> float:
  """How much slower this run's machine is than the baseline's: the C peer's time ratio, >= 1."""
  key = "test_cpeer[torques]"
  if key in rows and key in base and base[key]["metric"] > 0:
    return max(rows[key]["metric"] / base[key]["metric"], 1.0)
  return 1.0


def compare(rows: dict, base: dict) -> list[dict]:
  """Every row present in both runs, with its ratio and whether it is a flagged regression."""
  factor = _speed_factor(rows, base)
  out = []
  for name, r in sorted(rows.items(), key=lambda kv: kv[1]["label"]):
    b = base.get(name)
    if not b or not b.get("metric") or not r.get("metric") or b["metric"] <= 0:
      continue
    ratio = r["metric"] / b["metric"]
    norm = ratio if r["kind"] == "memory" else ratio / factor
    limit = THRESHOLDS.get(r["kind"], 1.5)
    out.append(
      {
        "name": name,
        "label": r["label"],
        "unit": r["unit"],
        "base": b["metric"],
        "now": r["metric"],
        "ratio": ratio,
        "normalized": norm,
        "limit": limit,
        "factor": factor,
        "attempts": int(r.get("attempts", 1)),
        "flagged": norm > limit,
      }
    )
  return out


def baseline_entry(data: dict, rows: dict) -> dict:
  mi = data.get("machine_info", {})
  return {
    "date": data.get("datetime"),
    "machine": f"{mi.get('cpu', {}).get('brand_raw', '?')} x{mi.get('cpu_count', '?')}",
    "versions": mi.get("versions", {}),
    "rows": {
      k: {"metric": v["metric"], "unit": v["unit"], "kind": v["kind"], "label": v["label"]}
      for k, v in rows.items()
    },
  }


def merge_baseline(old: dict, new: dict) -> dict:
  """Per row the lower metric of two baseline entries; runs lists the dates merged."""
  rows = dict(old.get("rows", {}))
  for k, v in new["rows"].items():
    if k not in rows or v["metric"] < rows[k]["metric"]:
      rows[k] = v
  runs = old.get("runs") or [old.get("date")]
  return dict(new, rows=rows, runs=[*runs, new.get("date")])


# --- plot ----------------------------------------------------------------------------------------


def plot(rows: dict, path: Path) -> str:
  """Frames/s per row and the scaling curves; returns a note when it could not be drawn."""
  try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
  except Exception as e:  # noqa: BLE001 - the report is still useful without its plot
    return f"(plot not drawn: {e})"
  timed = [r for r in rows.values() if r["kind"] in ("forward", "grad")]
  if not timed:
    return "(plot not drawn: no timed rows)"
  timed.sort(key=lambda r: (r["kind"], r["group"] or "", -r["fps"]))
  colours = {
    "jaxid": "tab:blue",
    "jaxid-in-jit": "tab:cyan",
    "cpeer": "tab:green",
    "cpeer-literal": "tab:olive",
    "legacy": "tab:red",
  }
  fig = plt.figure(figsize=(13, max(5.0, 0.32 * len(timed) + 1.5)))
  ax = fig.add_axes([0.3, 0.08, 0.4, 0.86])
  y = list(range(len(timed)))
  ax.barh(
    y,
    [r["fps"] for r in timed],
    color=[
      colours.get(r["impl"], "grey") if r["kind"] == "forward" else "tab:purple" for r in timed
    ],
  )
  ax.set_yticks(y, [r["label"] for r in timed], fontsize=7)
  ax.invert_yaxis()
  ax.set_xscale("log")
  ax.set_xlabel("frames / s (min over rounds; log)")
  ax.set_title("Throughput per row (bar label: us/frame)", fontsize=9)
  for i, r in enumerate(timed):
    ax.text(r["fps"], i, f" {fmt_us(r['us_frame'])} us", va="center", fontsize=6)
  ax.grid(axis="x", alpha=0.3)
  leg = legacy_steady_us(rows)
  if leg:
    ax.axvline(1e6 / leg, color="tab:red", ls="--", lw=0.8)
    ax.text(1e6 / leg, -0.8, " legacy steady", color="tab:red", fontsize=6)
  shown = {r["impl"] for r in timed if r["kind"] == "forward"}
  handles = [Patch(color=c, label=k) for k, c in colours.items() if k in shown]
  handles.append(Patch(color="tab:purple", label="jaxid value_and_grad"))
  ax.legend(handles=handles, fontsize=6, loc="lower right")
  # Scaling with the batch (jaxid torques, T=200; B=1 is the single-trial call) and with T.
  ax2 = fig.add_axes([0.77, 0.56, 0.21, 0.36])
  for sched, style in (("auto", "o-"), ("scan", "v:"), ("vmap", "s--"), ("chunked", "^:")):
    pts = sorted(
      (r["B"], r["fps"])
      for r in find(rows, impl="jaxid", kind="forward", outputs="torques", T=T_TARGET)
      if r["schedule"] == sched
    )
    if pts:
      ax2.plot(*zip(*pts, strict=True), style, label=f"jaxid {sched}", ms=4)
  c = find(rows, impl="cpeer", outputs="torques", T=T_TARGET)
  if c:
    ax2.axhline(c[0]["fps"], color="tab:green", ls="--", lw=0.8, label="C peer (torques)")
  ax2.set_xscale("log", base=2)
  ax2.set_yscale("log")
  ax2.set_xlabel(f"batch B (T={T_TARGET}, torques)", fontsize=8)
  ax2.set_ylabel("frames / s", fontsize=8)
  ax2.legend(fontsize=6)
  ax2.grid(alpha=0.3)
  ax2.tick_params(labelsize=7)
  ax3 = fig.add_axes([0.77, 0.08, 0.21, 0.36])
  for impl, style in (("jaxid", "o-"), ("cpeer", "s--")):
    pts = sorted((r["T"], r["fps"]) for r in find(rows, scaling=True, impl=impl, group=SCALING))
    if pts:
      ax3.plot(*zip(*pts, strict=True), style, label=impl, ms=4)
  ax3.set_xscale("log")
  ax3.set_yscale("log")
  ax3.set_xlabel("trial length T (B=1, torques, jaxid auto)", fontsize=8)
  ax3.set_ylabel("frames / s", fontsize=8)
  if ax3.lines:
    ax3.legend(fontsize=6)
  ax3.grid(alpha=0.3)
  ax3.tick_params(labelsize=7)
  path.parent.mkdir(parents=True, exist_ok=True)
  fig.savefig(path, dpi=110)
  plt.close(fig)
  return ""


# --- markdown ------------------------------------------------------------------------------------


def _table(header: list[str], lines: list[list]) -> str:
  out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
  out += ["| " + " | ".join(str(c) for c in line) + " |" for line in lines]
  return "\n".join(out)


def _num(x) -> str:
  return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.3g}"


def _load(x) -> str:
  return "/".join(f"{v:.1f}" for v in x) if x else "?"


def render(
  data: dict,
  rows: dict,
  regressions: list[dict],
  mode: str,
  png: str,
  plot_note: str,
  pytest_rc: int = 0,
  baseline_meta: dict | None = None,
) -> str:
  mi = data.get("machine_info", {})
  ver = mi.get("versions", {})
  tg = targets(rows)
  met = sum(1 for m, _ in tg if m)
  myo = myo_targets(rows) if find(rows, model=MYO) else []
  flagged = [r for r in regressions if r["flagged"]]
  lines = [
    f"# jaxid benchmarks: issue 6 targets ({mode} run, {data.get('datetime', '?')[:19]} UTC)",
    "",
    f"Targets (bundled model, T = {T_TARGET}, float32, this machine's CPU): {met} of {len(tg)} "
    "met.",
    "",
  ]
  lines += [f"- **{mark(m)}**: {txt}" for m, txt in tg]
  lines += [""]
  if myo:
    lines += [
      f"MyoLeg targets (issue 8; pruned MyoLeg, T = {T_TARGET}, float32): "
      f"{sum(1 for m, _ in myo if m)} of {len(myo)} met.",
      "",
    ]
    lines += [f"- **{mark(m)}**: {txt}" for m, txt in myo] + [""]
  if pytest_rc:
    lines += [
      f"**Benchmark failures: pytest exit {pytest_rc}** (a result was wrong or a row crashed; "
      "see the log).",
      "",
    ]
  base_date = (baseline_meta or {}).get("date") or "?"
  if flagged:
    lines += [
      f"**Regressions flagged vs the baseline of {base_date[:10]}: {len(flagged)}** (slower "
      "after re-measuring): " + ", ".join(f"{r['label']} {r['normalized']:.2f}x" for r in flagged),
      "",
    ]
  elif regressions:
    lines += [
      f"Regressions vs the baseline of {base_date[:10]}: none flagged ({len(regressions)} rows "
      "compared; see the regression check).",
      "",
    ]
  else:
    lines += ["Regressions: no baseline rows for this mode.", ""]
  cpu = mi.get("cpu", {})
  commit = data.get("commit_info", {})
  lines += [
    "## Machine",
    "",
    f"- {cpu.get('brand_raw', '?')}, {mi.get('cpu_count', '?')} cores "
    f"({cpu.get('hz_actual_friendly', '?')}), devices {mi.get('devices', '?')}; "
    f"{mi.get('system', '')} {mi.get('release', '')}. No GPU was lent to this task: no GPU rows.",
    f"- jax {ver.get('jax')}, jaxlib {ver.get('jaxlib')}, mujoco {ver.get('mujoco')}, "
    f"mujoco-mjx {ver.get('mujoco_mjx')}, numpy {ver.get('numpy')}, python {ver.get('python')}",
    f"- date {data.get('datetime', '?')}, commit {commit.get('id', '?')[:10]}"
    f"{' (dirty)' if commit.get('dirty') else ''}",
    f"- load average at start {_load(mi.get('loadavg_start'))}, at end "
    f"{_load(mi.get('loadavg_end'))}: the 2 cores are shared with other engineers' test runs, "
    "so timings are noisy (min over rounds is reported, the median beside it).",
    "",
    "## Rows",
    "",
    "us/frame = call time / frames per call (B x T); frames/s from the min. Rows re-measured by "
    "the regression check show the attempts.",
    "",
  ]
  order = {"forward": 0, "grad": 1}
  timed = sorted(
    (r for r in rows.values() if r["kind"] in order),
    key=lambda r: (order[r["kind"]], r["group"] or "", r["us_frame"]),
  )
  table = []
  for r in timed:
    rounds = str(r["rounds"])
    if int(r.get("attempts", 1)) > 1:
      rounds += f" (best of {r['attempts']} attempts)"
    table.append(
      [
        r["label"],
        r["group"],
        r["B"],
        r["T"],
        fmt_us(r["us_frame"]),
        fmt_us(r["us_frame_median"]),
        f"{r['fps']:,.0f}",
        rounds,
      ]
    )
  header = ["row", "group", "B", "T", "us/frame min", "us/frame median", "frames/s", "rounds"]
  lines += [_table(header, table), ""]
  leg = find(rows, impl="legacy")
  if leg:
    r = leg[0]
    nan = float("nan")
    lines += [
      f"Legacy loop: steady {fmt_us(r.get('steady_frame_s', nan) * 1e6)} us/frame (median of "
      f"non-compiling frames; min {fmt_us(r.get('steady_frame_min_s', nan) * 1e6)}), first call "
      f"{r.get('first_call_s', nan):.2f} s with {r.get('first_call_compiles', '?')} XLA "
      f"compilations (frame 0 {r.get('first_frame_s', nan):.2f} s); each later call "
      f"compiles {r.get('timed_call_compiles', '?')} programs again (its jitted closures are "
      "rebuilt per call; the persistent cache serves them).",
      "",
    ]
  lines += [
    "## Ratios",
    "",
    _table(["ratio", "value", "how"], [list(x) for x in ratios(rows) + myo_ratios(rows)]),
    "",
  ]
  lines += compile_section(rows) + memory_section(rows) + scaling_section(rows)
  lines += [f"![throughput]({png})" if not plot_note else plot_note, ""]
  lines += ["## Regression check", "", THRESHOLD_NOTE, ""]
  if regressions:
    lines += [
      _table(
        ["row", "unit", "baseline", "now", "ratio", "normalized", "limit", "attempts", "flag"],
        [
          [
            r["label"],
            r["unit"],
            _num(r["base"]),
            _num(r["now"]),
            f"{r['ratio']:.2f}",
            f"{r['normalized']:.2f}",
            f"{r['limit']:g}",
            r["attempts"],
            "REGRESSION" if r["flagged"] else "",
          ]
          for r in regressions
        ],
      ),
      "",
      f"Machine slowdown factor (C peer now / baseline, >= 1): {regressions[0]['factor']:.2f}.",
      "",
    ]
  notes = Path(os.path.dirname(os.path.abspath(__file__))) / "notes.md"
  if notes.exists():
    lines += [notes.read_text().rstrip(), ""]
  return "\n".join(lines)


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
    _table(
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
    _table(
      header,
      [
        [
          _sched(r),
          str(bool(r.get("remat"))),
          fmt_bytes(r.get("temp_size_in_bytes", -1)),
          fmt_bytes(r.get("argument_size_in_bytes", -1)),
          fmt_bytes(r.get("output_size_in_bytes", -1)),
          fmt_bytes(r.get("rss_before_bytes", -1)),
          fmt_bytes(r.get("rss_peak_bytes", -1)),
          fmt_bytes(r.get("rss_delta_bytes", -1)),
          f"{r.get('call_s', float('nan')):.2f}",
        ]
        for r in mem
      ],
    ),
    "",
  ]
  return out


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
      ratio = fmt_x(c["us_frame"] / j["us_frame"]) if j and c else "n/a"
      lines.append([t, fmt_us(j and j["us_frame"]), fmt_us(c and c["us_frame"]), ratio])
    out += ["Trial length (B = 1, joint torques; jaxid default schedule):", ""]
    out += [_table(["T", "jaxid us/frame", "C peer us/frame", "C peer / jaxid"], lines), ""]
  bs = find(rows, impl="jaxid", kind="forward", outputs="torques", T=T_TARGET)
  if bs:
    scheds = sorted({r["schedule"] for r in bs}, key=lambda s: (s != "auto", s))
    cell = {(r["B"], r["schedule"]): r for r in bs}
    lines = [
      [b] + [fmt_us(cell[(b, s)]["us_frame"]) if (b, s) in cell else "" for s in scheds]
      for b in sorted({r["B"] for r in bs})
    ]
    out += [
      f"Batch size (T = {T_TARGET}, joint torques; B = 1 is the single-trial call), us/frame; "
      "auto resolves to chunked for one trial and scan for a batch:",
      "",
      _table(["B"] + scheds, lines),
      "",
    ]
  return out


def summary(text: str) -> str:
  """What CI prints: the report up to the notes (targets, machine, rows, ratios, compile)."""
  cut = text.find("\n## Notes")
  return text if cut < 0 else text[:cut]

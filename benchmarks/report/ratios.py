"""The comparisons table of the report: (ratio, value, how), each from rows of one run."""

from __future__ import annotations

from benchmarks.report import fmt
from benchmarks.report.rows import BUNDLED, MYO, T_TARGET, find, forward_of, legacy_steady_us


def grad_ratios(rows: dict, model: str = BUNDLED) -> list[tuple[str, str, str]]:
  """value_and_grad / forward per grad row, against its matching forward row (rows.forward_of)."""
  out = []
  for g in sorted(find(rows, model=model, kind="grad"), key=lambda r: (r["B"], r["schedule"])):
    f = forward_of(rows, g)
    if f:
      out.append(
        (
          f"{g['label']} / {f['label']}",
          fmt.times(g["us_frame"] / f["us_frame"]),
          "value_and_grad us/frame / the same schedule's forward us/frame, this run",
        )
      )
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
          fmt.times(c[0]["us_frame"] / r["us_frame"]),
          "C peer us/frame / jaxid us/frame (> 1: jaxid faster)",
        )
      )
    if leg:
      out.append(
        (
          f"legacy steady / {r['label']}",
          fmt.times(leg / r["us_frame"]),
          "per frame; legacy: median of its non-compiling frames",
        )
      )
  out += grad_ratios(rows, MYO)
  cold = find(rows, model=MYO, kind="compile", cache="cold")
  warm = find(rows, model=MYO, kind="compile", cache="warm")
  if cold and warm and warm[0]["compile_s"] > 0:
    out.append(
      (
        f"cold / warm compile ({cold[0].get('program')})",
        fmt.times(cold[0]["compile_s"] / warm[0]["compile_s"]),
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
          fmt.times(leg / r["us_frame"]),
          "per frame; legacy: median of its non-compiling frames",
        )
      )
  if legacy_row:
    for r in (x for x in singles if x["outputs"] == "all" and x["impl"] == "jaxid"):
      out.append(
        (
          f"legacy whole call / {r['label']}",
          fmt.times(legacy_row[0]["us_frame"] / r["us_frame"]),
          "per frame; legacy: min over calls, its in-call compiles included",
        )
      )
  for r in singles + batches:
    c = cpeer.get(r["outputs"])
    if c:
      out.append(
        (
          f"{r['label']} vs C peer ({r['outputs']})",
          fmt.times(c[0]["us_frame"] / r["us_frame"]),
          "C peer us/frame / jaxid us/frame (> 1: jaxid faster)",
        )
      )
  lit = find(rows, impl="cpeer-literal")
  if lit and cpeer["all"]:
    out.append(
      (
        "C peer literal / C peer (all outputs)",
        fmt.times(lit[0]["us_frame"] / cpeer["all"][0]["us_frame"]),
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
          fmt.times(s[0]["us_frame"] / r["us_frame"]),
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
          fmt.times(api[0]["us_frame"] / r["us_frame"]),
          f"host work per call: {fmt.us(extra * 1e6)} us"
          if extra > 0
          else "no measurable host work (noise)",
        )
      )
  out += grad_ratios(rows)
  for prog in sorted({r.get("program") for r in find(rows, kind="compile")}):
    cold = find(rows, kind="compile", cache="cold", program=prog)
    warm = find(rows, kind="compile", cache="warm", program=prog)
    if cold and warm and warm[0]["compile_s"] > 0:
      out.append(
        (
          f"cold / warm compile ({prog})",
          fmt.times(cold[0]["compile_s"] / warm[0]["compile_s"]),
          "first call minus steady call, fresh processes",
        )
      )
  mem = {bool(r.get("remat")): r for r in find(rows, kind="memory", schedule="scan")}
  if True in mem and False in mem:
    a, b = mem[False].get("temp_size_in_bytes", -1), mem[True].get("temp_size_in_bytes", -1)
    if a > 0 and b > 0:
      out.append(
        ("grad temp memory, scan: no remat / remat", fmt.times(a / b), "XLA memory_analysis")
      )
    a, b = mem[False].get("rss_delta_bytes", -1), mem[True].get("rss_delta_bytes", -1)
    if a > 0 and b > 0:
      out.append(
        ("grad peak RSS growth, scan: no remat / remat", fmt.times(a / b), "VmHWM - VmRSS")
      )
    if mem[False].get("call_s") and mem[True].get("call_s"):
      out.append(
        (
          "grad time, scan: remat / no remat",
          fmt.times(mem[True]["call_s"] / mem[False]["call_s"]),
          f"one call, T = {mem[True]['T']}",
        )
      )
  return out

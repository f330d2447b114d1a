"""The issues' targets, each read on named rows of one run: jaxid's default schedule ("auto"),
and for a ratio the matching row of the same run (same model, outputs, B and T).

Rows of other schedules are listed beside a target for information; they never decide it.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.report import fmt
from benchmarks.report.rows import (
  BUNDLED,
  DEFAULT,
  MYO,
  T_TARGET,
  find,
  forward_of,
  legacy_steady_us,
  one,
  sched,
)

Target = tuple[bool | None, str]


def jaxid_row(rows: dict, model: str = BUNDLED, kind: str = "forward", **want) -> dict | None:
  """jaxid's public call with the default schedule at T_TARGET (B, outputs in want)."""
  return one(rows, impl="jaxid", kind=kind, T=T_TARGET, schedule=DEFAULT, model=model, **want)


def others(rows: dict, row: dict, ratio: Callable[[dict], float | None]) -> str:
  """The same ratio for the row's other schedules in this run: '; not read: vmap 0.9x'."""
  same = dict(impl=row["impl"], kind=row["kind"], B=row["B"], T=row["T"], outputs=row["outputs"])
  alt = [
    f"{sched(r)} {fmt.times(ratio(r))}"
    for r in find(rows, model=row.get("model", BUNDLED), **same)
    if r is not row and ratio(r) is not None
  ]
  return f"; other schedules, not read: {', '.join(alt)}" if alt else ""


def _vs(a: dict, b: dict) -> str:
  return f"'{a['label']}' {fmt.us(a['us_frame'])} vs '{b['label']}' {fmt.us(b['us_frame'])}"


def speedup(
  rows: dict, title: str, limit: float, fast: dict | None, slow: dict | None, slow_us=None
) -> Target:
  """slow / fast per frame >= limit; slow_us overrides slow's time (the legacy steady state)."""
  if not fast or not (slow or slow_us):
    return None, title
  ref = slow_us if slow_us is not None else slow["us_frame"]
  r = ref / fast["us_frame"]
  rows_txt = (
    _vs(slow, fast)
    if slow_us is None
    else f"legacy steady {fmt.us(ref)} vs '{fast['label']}' {fmt.us(fast['us_frame'])}"
  )
  alt = others(rows, fast, lambda x: ref / x["us_frame"])
  return r >= limit, f"{title}: {fmt.times(r)} (us/frame: {rows_txt}{alt})"


def grad_target(rows: dict, model: str = BUNDLED, limit: float = 3.0) -> Target:
  """value_and_grad / forward <= limit, the default schedule against its matching forward row."""
  title = f"value_and_grad <= {limit:g}x the forward time (one trial, torques)"
  g = jaxid_row(rows, model, kind="grad", B=1, outputs="torques")
  f = forward_of(rows, g) if g else None
  if not (g and f):
    return None, title

  def ratio(x):
    fx = forward_of(rows, x)
    return x["us_frame"] / fx["us_frame"] if fx else None

  return ratio(g) <= limit, f"{title}: {fmt.times(ratio(g))} (us/frame: {_vs(g, f)}" + (
    others(rows, g, ratio) + ")"
  )


def compile_targets(rows: dict) -> list[Target]:
  out = []
  for cache, limit in (("cold", 5.0), ("warm", 1.0)):
    c = find(rows, kind="compile", cache=cache, backend="mjx")
    txt = "; ".join(f"{r['program']} {r['compile_s']:.2f} s" for r in c)
    met = all(r["compile_s"] <= limit for r in c) if c else None
    out.append((met, f"{cache} compile <= {limit:g} s" + (f": {txt}" if c else "")))
  return out


def targets(rows: dict) -> list[Target]:
  """Issue 6's targets on the bundled model."""
  c_tq = one(rows, impl="cpeer", outputs="torques", T=T_TARGET)
  c_all = one(rows, impl="cpeer", outputs="all", T=T_TARGET)
  b32 = jaxid_row(rows, B=32, outputs="torques")
  leg = legacy_steady_us(rows)
  out = [
    speedup(rows, "jaxid vmap(32) throughput >= 20x the MuJoCo C peer (torques)", 20, b32, c_tq)
  ]
  for outputs, c in (("all", c_all), ("torques", c_tq)):
    s = jaxid_row(rows, B=1, outputs=outputs)
    out.append(speedup(rows, f"jaxid single trial ({outputs}) <= the C peer per frame", 1, s, c))
  single = jaxid_row(rows, B=1, outputs="all")
  out.append(speedup(rows, "jaxid single trial >= 100x the legacy loop", 100, single, None, leg))
  out.append(speedup(rows, "jaxid vmap(32) >= 1000x the legacy loop", 1000, b32, None, leg))
  return out + compile_targets(rows) + [grad_target(rows)]


def myo_targets(rows: dict) -> list[Target]:
  """Issue 8's targets on the pruned MyoLeg (rows of benchmarks/test_myoleg.py)."""
  c = one(rows, model=MYO, impl="cpeer", outputs="torques", T=T_TARGET)
  b = jaxid_row(rows, MYO, B=32, outputs="torques")
  out = [speedup(rows, "MyoLeg: jaxid vmap(32) >= 20x the MuJoCo C loop", 20, b, c)]
  title = "MyoLeg: cold compile of the pruned MyoLeg program <= 8 s"
  cold = find(rows, model=MYO, kind="compile", cache="cold")
  if cold:
    r = cold[0]
    out.append(
      (
        r["compile_s"] <= 8.0,
        f"{title}: {r['compile_s']:.2f} s (trace {r['trace_s']:.2f}, lower {r['lower_s']:.2f}, "
        f"XLA {r['backend_s']:.2f})",
      )
    )
  else:
    out.append((None, title))
  return out


def tree_targets(rows: dict) -> list[Target]:
  """Issue 19's targets for the tree backend, each against rows of this run (C peers included)."""
  c_tq = one(rows, impl="cpeer", outputs="torques", T=T_TARGET)
  loop = one(rows, impl="cloop", T=T_TARGET)
  tree = lambda **w: one(rows, impl="jaxid-tree", T=T_TARGET, outputs="torques", **w)
  b32, s1 = tree(kind="forward", B=32), tree(kind="forward", B=1)
  out = [
    speedup(rows, "tree B=32 >= 20x the C peer (torques)", 20, b32, c_tq),
    speedup(rows, "tree B=32 >= 5x the C loop of mj_inverse (no Python per frame)", 5, b32, loop),
    speedup(rows, "tree one trial >= 5x the C peer (torques)", 5, s1, c_tq),
  ]
  myo_c = one(rows, model=MYO, impl="cpeer", outputs="torques", T=T_TARGET)
  myo_b32 = one(rows, model=MYO, impl="jaxid-tree", kind="forward", B=32, T=T_TARGET)
  out.append(speedup(rows, "MyoLeg: tree B=32 >= 10x its C peer (torques)", 10, myo_b32, myo_c))
  for b in (1, 32):
    title = f"tree value_and_grad <= 3x its forward (B={b}, same backend, schedule and run)"
    g = tree(kind="grad", B=b)
    f = tree(kind="forward", B=b, schedule=g["schedule"]) if g else None
    if g and f:
      r = g["us_frame"] / f["us_frame"]
      out.append((r <= 3.0, f"{title}: {fmt.times(r)} (us/frame: {_vs(g, f)})"))
    else:
      out.append((None, title))
  for program, cache, limit in (
    ("tree-single", "cold", 2.0),
    ("tree-batch32", "cold", 2.0),
    ("tree-grad", "cold", 4.0),
    ("tree-single", "warm", 0.5),
    ("tree-grad", "warm", 0.5),
    ("myolegs-tree-batch32", "cold", 4.0),
  ):
    title = f"tree {cache} compile of {program} <= {limit:g} s"
    r = one(rows, kind="compile", cache=cache, program=program)
    out.append(
      (r["compile_s"] <= limit, f"{title}: {r['compile_s']:.2f} s") if r else (None, title)
    )
  return [*out, memory_target(rows)]


GB = 1e9


def memory_target(rows: dict) -> Target:
  """Issue 19: value_and_grad over T = 10,000 frames on the tree within 1 GB: XLA's temp buffers
  plus the arguments and outputs of the compiled program (memory_analysis: deterministic for
  fixed versions; the process's RSS is listed beside it, never decides it)."""
  title = "tree value_and_grad over T = 10,000 frames within 1 GB (default schedule, no remat)"
  r = one(rows, kind="memory", schedule=DEFAULT, remat=False, T=10_000, backend="tree")
  if not r:
    return None, title
  parts = [r[f"{k}_size_in_bytes"] for k in ("temp", "argument", "output")]
  if min(parts) < 0:  # memory_analysis() gave nothing on this backend
    return None, title
  total, rss = sum(parts), r.get("rss_peak_bytes", -1)
  return total <= GB, (
    f"{title}: {fmt.nbytes(total)} (XLA temp {fmt.nbytes(parts[0])} + arguments + outputs;"
    f" process RSS peak {fmt.nbytes(rss)}, not read)"
  )

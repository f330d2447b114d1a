"""The report's PNG: frames/s per row, and the scaling curves with the batch and with T."""

from __future__ import annotations

from pathlib import Path

from benchmarks.report import fmt
from benchmarks.report.rows import SCALING, T_TARGET, find, legacy_steady_us


def plot(rows: dict, path: Path) -> str:
  """Frames/s per row and the scaling curves; returns a note when it could not be drawn."""
  try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
  except Exception as e:
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
    ax.text(r["fps"], i, f" {fmt.us(r['us_frame'])} us", va="center", fontsize=6)
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

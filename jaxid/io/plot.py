"""A one-page figure of an inverse dynamics result: joint moments per kg and the residuals.

Needs matplotlib (the ``bench`` extra installs it); imported lazily so jaxid does not depend
on it.
"""

from __future__ import annotations

import math
import os

import numpy as np
from numpy.typing import ArrayLike

from jaxid.errors import InputError
from jaxid.io.files import atomic_path
from jaxid.io.storage import Table

JOINTS = (("hip", "hip_flexion"), ("knee", "knee_angle"), ("ankle", "ankle_angle"))
SIDES = (("r", "right", "tab:red"), ("l", "left", "tab:blue"))
STANCE_N = 20.0  # vertical GRF above this (N) counts as stance


def stance_mask(grf: ArrayLike) -> np.ndarray:
  """(T,) bool: stance where the vertical (MuJoCo z) ground reaction force exceeds 20 N."""
  return np.asarray(grf)[:, 2] > STANCE_N


def _spans(mask, time):
  """(start, end) times of the runs of True in mask (each frame covers +- dt/2)."""
  if not mask.any():
    return []
  dt = (time[-1] - time[0]) / max(len(time) - 1, 1)
  edges = np.diff(np.concatenate([[0], mask.astype(int), [0]]))
  starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
  return [(time[a] - dt / 2, time[b] + dt / 2) for a, b in zip(starts, ends, strict=True)]


def _pyplot():
  try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
  except ImportError:
    raise InputError("--plot needs matplotlib: pip install matplotlib (or jaxid[plot]).") from None
  return plt


def check_plot(path: str | os.PathLike, body_mass: float, fmt: str | None = None) -> str:
  """The format to write path in (fmt, else its extension); InputError when matplotlib is
  missing or cannot write that format, or body_mass (kg) is not a positive finite number."""
  _pyplot()
  from matplotlib.backend_bases import FigureCanvasBase

  formats = FigureCanvasBase.get_supported_filetypes()
  fmt = fmt or os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
  if fmt not in formats:
    what = f".{fmt} files" if fmt else "a file without an extension"
    raise InputError(
      f"--plot {os.fspath(path)}: matplotlib cannot write {what};"
      f" use one of {', '.join('.' + f for f in sorted(formats))}."
    )
  if not (math.isfinite(body_mass) and body_mass > 0):
    raise InputError(f"body mass: expected a positive mass in kg, got {body_mass!r}.")
  return fmt


def plot_results(
  path: str | os.PathLike,
  table: Table,
  body_mass: float,
  stance_l: ArrayLike | None = None,
  stance_r: ArrayLike | None = None,
  title: str = "",
  fmt: str | None = None,
) -> None:
  """Write a PNG: hip, knee and ankle moments of both sides (N m/kg, OpenSim's sign: the
  <coordinate>_moment columns), stance shaded per side and right heel strikes dashed, then the
  residual forces (N) and moments (N m) on the free root (pelvis_*).

  table: a storage.Table of ID results (labels like hip_flexion_r_moment); body_mass in kg;
  stance_l, stance_r: (T,) bool masks; fmt: the file format (default path's extension). Written
  atomically (a temporary file renamed onto path).
  """
  fmt = check_plot(path, body_mass, fmt)
  plt = _pyplot()
  from matplotlib.patches import Patch

  t = table.time
  idx = {k: i for i, k in enumerate(table.labels)}
  res_f = [k for k in ("pelvis_tx_force", "pelvis_ty_force", "pelvis_tz_force") if k in idx]
  res_m = [
    k for k in ("pelvis_tilt_moment", "pelvis_list_moment", "pelvis_rotation_moment") if k in idx
  ]
  joints = [
    (
      title_,
      [(s, name, c, f"{coord}_{s}_moment") for s, name, c in SIDES if f"{coord}_{s}_moment" in idx],
    )
    for title_, coord in JOINTS
  ]
  joints = [(j, cols) for j, cols in joints if cols]
  n_panels = len(joints) + (1 if res_f else 0) + (1 if res_m else 0)
  if n_panels == 0:
    raise InputError(
      f"plot: no hip/knee/ankle moments or pelvis residuals among the columns {table.labels}."
    )
  fig, axes = plt.subplots(
    n_panels, 1, figsize=(8, 2.1 * n_panels + 0.6), sharex=True, squeeze=False
  )
  axes = axes[:, 0]
  masks = {"r": stance_r, "l": stance_l}
  strikes = (
    [a + (t[1] - t[0]) / 2 for a, _ in _spans(np.asarray(stance_r), t)]
    if stance_r is not None and len(t) > 1
    else []
  )

  def shade(ax):
    for s, _name, c in SIDES:
      if masks[s] is not None:
        for a, b in _spans(np.asarray(masks[s]), t):
          ax.axvspan(a, b, color=c, alpha=0.08, lw=0)
    for x in strikes:
      if x > t[0] + 1e-9:
        ax.axvline(x, color="0.5", ls="--", lw=0.7)
    ax.axhline(0.0, color="0.3", lw=0.5)
    ax.grid(alpha=0.3)

  k = 0
  for jname, cols in joints:
    ax = axes[k]
    k += 1
    shade(ax)
    for _s, side, c, label in cols:
      ax.plot(t, table.data[:, idx[label]] / body_mass, color=c, label=f"{side} ({label})")
    ax.set_ylabel(f"{jname} moment\n(N m/kg)")
    ax.legend(loc="upper right", fontsize=7, frameon=False)
  for cols, unit, what in ((res_f, "N", "force"), (res_m, "N m", "moment")):
    if not cols:
      continue
    ax = axes[k]
    k += 1
    shade(ax)
    for label, c in zip(cols, ("tab:green", "tab:purple", "tab:orange"), strict=False):
      ax.plot(t, table.data[:, idx[label]], color=c, label=label)
    ax.set_ylabel(f"residual {what}\n({unit})")
    ax.legend(loc="upper right", fontsize=7, frameon=False, ncol=3)
  axes[-1].set_xlabel("time (s); dashed: right heel strikes")
  handles = [
    Patch(color=c, alpha=0.25, label=f"{name} stance")
    for s, name, c in SIDES
    if masks[s] is not None
  ]
  if handles:
    fig.legend(handles=handles, loc="upper right", fontsize=8, frameon=False, ncol=2)
  fig.suptitle(title or f"Inverse dynamics ({body_mass:.1f} kg)", x=0.02, ha="left", fontsize=10)
  fig.tight_layout(rect=(0, 0, 1, 0.97))
  with atomic_path(path) as tmp:
    fig.savefig(tmp, dpi=110, format=fmt)
  plt.close(fig)

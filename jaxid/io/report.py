"""Text reports of a run: what it would compute (--dry-run) and the summary of its results."""

from __future__ import annotations

import numpy as np

from jaxid.io.plot import STANCE_N, stance_mask
from jaxid.io.storage import Table
from jaxid.io.trial import TrialInfo
from jaxid.types import Trial


def plan(
  model,
  trial: Trial,
  info: TrialInfo,
  mass: float,
  mass_given: bool,
  dtype: str,
  outputs: list[str],
  coordinates: str,
) -> str:
  """What a run would compute and write (jaxid run --dry-run), one item a line: the model and
  mass, frames, rate and filter, the loads found per foot, the float type, the outputs."""
  t = info.time
  filt = f"low-pass {info.cutoff:g} Hz" if info.cutoff else "no filter"
  lines = [
    f"model: {model.name} (nq {model.mj_model.nq}, nv {model.mj_model.nv}), mass {mass:.1f} kg"
    + (" (--mass)" if mass_given else " (the model's)"),
    f"coordinates: {coordinates}, {trial.n_frames} frames at {1 / info.dt:.4g} Hz"
    f" ({t[0]:g}..{t[-1]:g} s), {len(info.cmap.names)} coordinates, {filt}",
  ]
  if info.grf_path:
    lines.append(f"GRF: {info.grf_path}" + (" (resampled)" if info.resampled else ""))
    for side, body in zip("lr", model.body_names, strict=True):
      grf = np.asarray(getattr(trial.loads, f"grf_{side}"))
      stance = stance_mask(grf)
      lines.append(
        f"  {body}: {int(stance.sum())} stance frames (vertical GRF > {STANCE_N:g} N),"
        f" peak |F| {np.linalg.norm(grf, axis=1).max():.4g} N"
      )
    ext = np.asarray(trial.loads.ext_forces)
    others = [model.mj_model.body(b).name for b in np.flatnonzero(np.abs(ext).sum(axis=(0, 2)))]
    lines.append(f"  other bodies: {', '.join(others) if others else 'none'}")
  else:
    lines.append("GRF: none (no external loads)")
  lines.append(f"compute: {dtype}, outputs joint_torques and residuals")
  lines.append(f"would write: {', '.join(map(str, outputs))}")
  if any(info.trimmed):
    lines.append(
      f"note: trimmed to the GRF's time range, dropped {info.trimmed} frames (start, end)"
    )
  if info.ignored:
    lines.append(f"warning: ignored columns {info.ignored}")
  return "\n".join(lines)


def summary(table: Table, mass: float, out: dict) -> str:
  """The run's closing table: each column's peak |value| and per kg, then the root residuals."""
  lines = [f"{'column':<26}{'peak |value|':>14}{'per kg':>10}"]
  for k, lab in enumerate(table.labels):
    peak = float(np.abs(table.data[:, k]).max())
    lines.append(f"{lab:<26}{peak:>14.2f}{peak / mass:>10.3f}")
  if "residuals" in out:
    r = np.asarray(out["residuals"])
    f, m = np.linalg.norm(r[:, :3], axis=1), np.linalg.norm(r[:, 3:], axis=1)
    lines.append(
      f"residuals (root): |F| max {f.max():.3g} N ({f.max() / (mass * 9.81):.1%} of"
      f" body weight), rms {np.sqrt(np.mean(f**2)):.3g} N; |M| max {m.max():.3g} N m,"
      f" rms {np.sqrt(np.mean(m**2)):.3g} N m"
    )
  return "\n".join(lines)

"""The one comparison helper of the harness, and its tolerance policy (docs/parity.md).

An output is compared as a whole array over the trial, relative to its *scale*: the magnitude of
the largest terms that round-off in computing it is proportional to (not the element itself, which
can be a near-cancellation of large terms):

  joint_forces          max(|qfrc_inverse|, |M| |qacc|)  (M qacc + bias: its terms can cancel);
                        per dof, at least the magnitude of its constraint-force terms
                        |J|' R^-1 (|J||qacc| + B|J||qvel| + K|J||q|) (oracle.constraint_terms)
  joint_torques         max(joint_forces' scale, |J' xfrc|)   (their difference), per dof the same
  residuals             same as joint_torques (root rows of it; often a cancellation to ~0)
  distance_calcn_*      max(max distance, 1 m)           (positions are O(1 m))
  moment_calcn_*        max(max |moment|, max |grf| * 1 m)
  contact_force         max(max |cfrc_ext|, 1 N)
  mass_matrix           max |M|

The constraint term is zero on the bundled model (no equality constraints; drawn joint angles stay
inside their limits), so its scales are scalars. On MyoLeg the knee's 14 joint equality
constraints are stiff (solimp 0.9999: R is 1e-4 of the row's inverse inertia), so round-off in
J qacc and in the constraint's position and velocity is multiplied by up to ~1e4/A on the knee and
its coupled dofs only (J' maps nowhere else): those dofs get that term as their scale; every
other dof keeps the scalar scale. Scales are broadcast over the output's last axis.

Every scale has a floor of 1 (SI unit), so an all-zero reference (a trial in flight) still gives a
finite, meaningful tolerance: the candidate must then produce zeros to within RTOL * 1.

A comparison passes when max |candidate - reference| <= RTOL[precision] * scale, with RTOL
float32 1e-5 (~84 eps32) and float64 1e-10 (~4.5e5 eps64, and 1000 times below eps32, so a
float32 leak in float64 mode fails). Where both sides carry round-off (candidate vs legacy), the
tolerance is doubled.

Every comparison is recorded (label, precision, key) -> max relative error; the session summary
prints the table (jaxid_parity/plugin.py).
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np

EPS = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}
RTOL = {"float32": 1e-5, "float64": 1e-10}


def precision() -> str:
  """The active JAX precision: float64 when jax_enable_x64 is on."""
  return "float64" if jax.config.jax_enable_x64 else "float32"


def scales(ref: dict) -> dict:
  """Per-key scales of a trial from the oracle's outputs (jaxid_parity.oracle.run).

  A float per key, or for joint_forces, joint_torques and residuals on a model with constraint
  rows, an array over the dofs (the last axis).
  """

  def amax(a) -> float:
    return float(np.max(np.abs(a))) if np.size(a) else 0.0

  jf = max(amax(ref["joint_forces"]), amax(ref["inertial_terms"]))
  tau = max(jf, amax(ref["qfrc_ext"]), amax(ref["joint_torques"]))
  grf = max(amax(ref["grf_l"]), amax(ref["grf_r"]))
  out = {
    "joint_forces": jf,
    "joint_torques": tau,
    "residuals": tau,
    "contact_force": amax(ref["contact_force"]),
    "mass_matrix": amax(ref["mass_matrix"]),
  }
  for side in "lr":
    out[f"distance_calcn_{side}"] = amax(ref[f"distance_calcn_{side}"])
    out[f"moment_calcn_{side}"] = max(amax(ref[f"moment_calcn_{side}"]), grf)
  out = {k: max(v, 1.0) for k, v in out.items()}
  cons = np.asarray(ref.get("constraint_terms", 0.0))
  if np.any(cons):  # per dof: the constraint terms' magnitude where it is larger
    per_dof = cons.reshape(-1, cons.shape[-1]).max(axis=0)
    for k in ("joint_forces", "joint_torques"):
      out[k] = np.maximum(out[k], per_dof)
    if "residuals" in out:
      out["residuals"] = out["joint_torques"][:6]
  return out


@dataclasses.dataclass
class Record:
  """The worst comparison seen for one (label, precision, key)."""

  rel: float = 0.0
  abs: float = 0.0
  n: int = 0
  failed: int = 0
  note: str = ""


RECORDS: dict[tuple[str, str, str], Record] = {}
# Keys where the legacy is known to be wrong: (key, precision) -> (max relative error, reason).
DISCREPANCIES: dict[tuple[str, str], tuple[float, str]] = {}


def _record(label: str, prec: str, key: str, rel: float, abs_: float, ok: bool) -> None:
  r = RECORDS.setdefault((label, prec, key), Record())
  r.n += 1
  r.failed += 0 if ok else 1
  r.rel, r.abs = max(r.rel, rel), max(r.abs, abs_)


def export_records() -> dict:
  """RECORDS and DISCREPANCIES as plain lists (a pytest-xdist worker sends them to the main
  process, which merges them with merge_records, so the summary covers every worker)."""
  recs = [[*k, dataclasses.asdict(r)] for k, r in RECORDS.items()]
  return {"records": recs, "discrepancies": [[*k, *v] for k, v in DISCREPANCIES.items()]}


def merge_records(data: dict) -> None:
  """Fold another process's export_records() into this one's: worst errors, summed counts."""
  for label, prec, key, r in data["records"]:
    mine = RECORDS.setdefault((label, prec, key), Record())
    mine.rel, mine.abs = max(mine.rel, r["rel"]), max(mine.abs, r["abs"])
    mine.n, mine.failed = mine.n + r["n"], mine.failed + r["failed"]
    mine.note = mine.note or r["note"]
  for key, prec, rel, why in data["discrepancies"]:
    old = DISCREPANCIES.get((key, prec))
    if old is None or rel > old[0]:
      DISCREPANCIES[(key, prec)] = (rel, why)


def error(cand, ref, scale) -> tuple[float, float, tuple]:
  """(abs error, abs error / scale, index) at the element of largest error / scale.

  scale: a float, or an array broadcast over the outputs' trailing axes (per-dof scales).
  """
  cand = np.asarray(cand, dtype=np.float64)
  ref = np.asarray(ref, dtype=np.float64)
  diff = np.abs(cand - ref)
  if not np.all(np.isfinite(diff)):
    bad = np.argwhere(~np.isfinite(diff))[0]
    return float("inf"), float("inf"), tuple(int(i) for i in bad)
  if diff.size == 0:
    return 0.0, 0.0, ()
  rel = diff / np.asarray(scale, np.float64)
  idx = np.unravel_index(int(np.argmax(rel)), diff.shape)
  return float(diff[idx]), float(rel[idx]), tuple(int(i) for i in idx)


def assert_close(
  key: str,
  cand,
  ref,
  scale: float,
  *,
  label: str,
  prec: str | None = None,
  both_rounded: bool = False,
  record: bool = True,
) -> float:
  """Assert candidate output `cand` equals `ref` for one key within the policy; return rel error.

  label names the comparison in the summary ('candidate vs oracle', ...); prec defaults to the
  active precision; both_rounded doubles the tolerance (both sides computed in prec).
  """
  prec = prec or precision()
  cand_a, ref_a = np.asarray(cand), np.asarray(ref)
  if cand_a.shape != ref_a.shape:
    if record:
      _record(label, prec, key, float("inf"), float("inf"), False)
    raise AssertionError(f"{label} [{prec}] {key}: shape {cand_a.shape}, expected {ref_a.shape}")
  tol = RTOL[prec] * (2.0 if both_rounded else 1.0)
  abs_err, rel, idx = error(cand_a, ref_a, scale)
  scale_at = float(np.broadcast_to(scale, ref_a.shape)[idx]) if idx else float(np.max(scale))
  ok = rel <= tol
  if record:
    _record(label, prec, key, rel, abs_err, ok)
  if not ok:
    got = cand_a[idx] if idx else cand_a
    want = ref_a[idx] if idx else ref_a
    raise AssertionError(
      f"{label} [{prec}] {key}: max |error| {abs_err:.3g} at index {idx} (frame {idx[:1]}) is"
      f" {rel:.3g} of the output's scale there {scale_at:.4g}, above the tolerance {tol:.3g}:"
      f" got {got!r}, expected {want!r}"
    )
  return rel


def note_discrepancy(key: str, prec: str, rel: float, reason: str) -> None:
  """Record a known legacy error on a key (compared to the oracle instead), with its reason."""
  old = DISCREPANCIES.get((key, prec))
  if old is None or rel > old[0]:
    DISCREPANCIES[(key, prec)] = (rel, reason)


def summary_lines() -> list[str]:
  """The per-key max error tables and the legacy discrepancies, for the terminal summary."""
  if not RECORDS and not DISCREPANCIES:
    return []
  lines = [
    f"max |error| / scale per key (pass: <= float32 {RTOL['float32']:.0e}, float64"
    f" {RTOL['float64']:.0e}; x2 where both sides are rounded). (n) comparisons, ! = failed"
  ]
  precs = ("float32", "float64")
  for label in sorted({lab for lab, _, _ in RECORDS}):
    lines.append(f"  {label:<34}" + "".join(f"{p:>22}" for p in precs))
    for key in sorted({k for lab, _, k in RECORDS if lab == label}):
      row = f"    {key:<32}"
      for prec in precs:
        r = RECORDS.get((label, prec, key))
        cell = "-" if r is None else f"{r.rel:.2e} ({r.n}){' !' if r.failed else ''}"
        row += f"{cell:>22}"
      lines.append(row)
  if DISCREPANCIES:
    lines.append("legacy discrepancies (the candidate is compared with MuJoCo C there instead):")
    for (k, prec), (rel, why) in sorted(DISCREPANCIES.items()):
      lines.append(f"  {k} [{prec}]: legacy max |error| / scale {rel:.3g}: {why}")
  return lines

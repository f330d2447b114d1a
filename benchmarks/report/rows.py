"""Rows of a run: one record per benchmark of pytest-benchmark's JSON, and how to find them."""

from __future__ import annotations

import math

T_TARGET = 200
SCALING = "scaling T torques"
BUNDLED = "gait_lowerbody"
MYO = "myolegs"  # issue 8's rows (benchmarks/test_myoleg.py), extra_info model="myolegs"
DEFAULT = "auto"  # jaxid's default schedule: the one the targets are read on


def sched(row: dict) -> str:
  """The row's schedule, with what "auto" resolved to in that row: auto(vmap)."""
  s, r = row.get("schedule", ""), row.get("resolved", "")
  return f"{s}({r})" if r and r != s else s


def label(row: dict) -> str:
  """A row's name in the tables: impl, outputs, schedule, B, T."""
  impl, kind = row["impl"], row["kind"]
  if kind == "compile":
    return f"compile {row.get('program')} ({row.get('cache')})"
  if kind == "memory":
    return f"grad memory T={row['T']} {sched(row)}{' remat' if row.get('remat') else ''}"
  parts = [impl]
  if row.get("model", BUNDLED) != BUNDLED:
    parts.insert(0, row["model"])
  if kind == "grad":
    parts.append("value_and_grad")
  parts.append(row.get("outputs", ""))
  if impl.startswith("jaxid"):
    parts.append(sched(row))
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
      "fullname": b.get("fullname", b["name"]),
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
    row["label"] = label(row)
    rows[b["name"]] = row
  return rows


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


def one(rows: dict, **want) -> dict | None:
  """The row with these field values, or None; more than one is a bug in the suite."""
  found = find(rows, **want)
  assert len(found) <= 1, f"{len(found)} rows match {want}: {[r['label'] for r in found]}"
  return found[0] if found else None


def forward_of(rows: dict, g: dict) -> dict | None:
  """The forward row matching a value_and_grad row: same model, backend, B, T, outputs and
  schedule, in the same run; for MJX the same call inside jit (what the gradient wraps) when
  measured, else the API call."""
  want = dict(
    model=g.get("model", BUNDLED), kind="forward", B=g["B"], T=g["T"], outputs=g["outputs"]
  )
  want["schedule"] = g["schedule"]
  if g["impl"] != "jaxid":  # another backend's gradient (jaxid-tree): its own forward row
    return one(rows, impl=g["impl"], **want)
  return one(rows, impl="jaxid-in-jit", **want) or one(rows, impl="jaxid", **want)


def legacy_steady_us(rows: dict, model: str = BUNDLED) -> float | None:
  """The legacy loop's steady per-frame time (median of its non-compiling frames), us."""
  r = find(rows, impl="legacy", model=model)
  if not r or not r[0].get("steady_frame_s") or math.isnan(r[0]["steady_frame_s"]):
    return None
  return r[0]["steady_frame_s"] * 1e6

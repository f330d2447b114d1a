"""Number formats and markdown tables of the report."""

from __future__ import annotations

import math


def _missing(x) -> bool:
  return x is None or (isinstance(x, float) and math.isnan(x))


def us(x) -> str:
  """Microseconds: 3 significant digits, thousands separated."""
  if _missing(x):
    return "n/a"
  return f"{x:,.0f}" if x >= 1000 else f"{x:.3g}" if x < 10 else f"{x:.1f}"


def times(x) -> str:
  """A ratio: 2.99x, 1,603x."""
  if _missing(x):
    return "n/a"
  return f"{x:,.0f}x" if x >= 100 else f"{x:.3g}x"


def nbytes(x) -> str:
  """Bytes in B, KiB, MiB or GiB."""
  if x is None or x < 0:
    return "n/a"
  for unit in ("B", "KiB", "MiB", "GiB"):
    if abs(x) < 1024 or unit == "GiB":
      return f"{x:.0f} {unit}" if unit == "B" else f"{x:.1f} {unit}"
    x /= 1024.0
  return str(x)


def num(x) -> str:
  return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.3g}"


def load(x) -> str:
  """A load average triple: 0.5/0.4/0.2."""
  return "/".join(f"{v:.1f}" for v in x) if x else "?"


def mark(met) -> str:
  return {True: "MET", False: "MISSED", None: "NOT MEASURED"}[met]


def table(header: list[str], lines: list[list]) -> str:
  out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
  out += ["| " + " | ".join(str(c) for c in line) + " |" for line in lines]
  return "\n".join(out)

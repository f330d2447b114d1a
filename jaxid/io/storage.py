"""OpenSim's storage files (.mot, .sto): read into a Table, write one back exactly.

File format (what OpenSim's Storage and TimeSeriesTable read and write)::

  <name>
  version=1
  nRows=<frames>
  nColumns=<columns including time>
  inDegrees=<yes|no>
  endheader
  time<TAB>label1<TAB>label2 ...
  0.00<TAB>v<TAB>v ...

Header lines before ``endheader`` are the name (a line without '='), ``key=value`` metadata and
free text; the older SIMM keys ``datarows`` / ``datacolumns`` are understood too. Values are
whitespace separated (OpenSim writes tabs). The first column is time in seconds.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence

import numpy as np
from numpy.typing import DTypeLike

from jaxid.errors import InputError
from jaxid.io.files import atomic_path


@dataclasses.dataclass
class Table:
  """A storage file: time (T,), data (T, n) with column labels (time excluded).

  in_degrees: the header's inDegrees (None when absent); metadata: the other key=value lines.
  """

  labels: list[str]
  time: np.ndarray
  data: np.ndarray
  name: str = ""
  in_degrees: bool | None = None
  metadata: dict = dataclasses.field(default_factory=dict)
  path: str = ""

  def __post_init__(self):
    self.labels = list(self.labels)
    self.time = np.asarray(self.time, np.float64).reshape(-1)
    self.data = np.asarray(self.data, np.float64).reshape(len(self.time), len(self.labels))

  @property
  def n_frames(self) -> int:
    return len(self.time)

  def _where(self) -> str:
    return self.path or self.name or "table"

  def columns(self, labels: Sequence[str]) -> np.ndarray:
    """(T, k) the named columns; InputError naming every missing one."""
    idx = {k: i for i, k in enumerate(self.labels)}
    missing = [k for k in labels if k not in idx]
    if missing:
      raise InputError(f"{self._where()}: missing columns {missing}; it has {self.labels}.")
    return self.data[:, [idx[k] for k in labels]]

  def column(self, label: str) -> np.ndarray:
    """(T,) one named column."""
    return self.columns([label])[:, 0]

  def dt(self) -> float:
    """The uniform sample interval; InputError when time is not uniform and increasing."""
    t = self.time
    if len(t) < 2:
      raise InputError(f"{self._where()}: need at least two rows to know the sample rate.")
    steps = np.diff(t)
    dt = (t[-1] - t[0]) / (len(t) - 1)
    if not dt > 0 or np.max(np.abs(steps - dt)) > 1e-3 * dt + 1e-9:
      raise InputError(
        f"{self._where()}: time must increase in uniform steps; steps range from"
        f" {steps.min():g} to {steps.max():g} s."
      )
    return float(dt)


def parse_bool(value: str) -> bool | None:
  """yes/true/1 -> True, no/false/0 -> False, anything else None."""
  v = value.strip().lower()
  if v in ("yes", "true", "1"):
    return True
  if v in ("no", "false", "0"):
    return False
  return None


def read_table(path: str | os.PathLike, allow_nan: bool = False) -> Table:
  """Read an OpenSim .mot/.sto file; InputError on anything malformed (one line, names the
  file and the problem). NaN/Inf values are an error unless allow_nan."""
  path = os.fspath(path)
  try:
    with open(path, encoding="utf-8") as f:
      lines = f.read().splitlines()
  except FileNotFoundError:
    raise InputError(f"{path}: no such file.") from None
  except (OSError, UnicodeDecodeError) as e:
    raise InputError(f"{path}: cannot read it as a text file ({e}).") from None
  try:
    end = next(i for i, ln in enumerate(lines) if ln.strip().lower() == "endheader")
  except StopIteration:
    raise InputError(f"{path}: no 'endheader' line; not an OpenSim .mot/.sto file.") from None
  name, meta = "", {}
  for i, ln in enumerate(lines[:end]):
    s = ln.strip()
    if "=" in s:
      k, v = s.split("=", 1)
      meta[k.strip()] = v.strip()
    elif i == 0:
      name = s
    else:
      parts = s.split()
      if len(parts) == 2 and parts[0] in ("datarows", "datacolumns", "name"):
        meta[parts[0]] = parts[1]
  body = [(i, ln) for i, ln in enumerate(lines[end + 1 :], start=end + 2) if ln.strip()]
  if not body:
    raise InputError(f"{path}: no column labels after 'endheader'.")
  label_no, label_line = body[0][0], body[0][1].strip()  # a trailing tab adds no column
  labels = label_line.split("\t") if "\t" in label_line else label_line.split()
  labels = [s.strip() for s in labels]
  if not labels or labels[0].lower() != "time":
    raise InputError(f"{path}: the first column must be 'time', got {labels[:1]}.")
  if "" in labels:
    raise InputError(
      f"{path}: line {label_no} (the column labels) has no label for column {labels.index('') + 1}."
    )
  rows = []
  for lineno, ln in body[1:]:
    parts = ln.split()
    if len(parts) != len(labels):
      raise InputError(f"{path}: line {lineno} has {len(parts)} values for {len(labels)} columns.")
    try:
      rows.append([float(p) for p in parts])
    except ValueError:
      raise InputError(
        f"{path}: line {lineno} has a value that is not a number: {ln.strip()[:60]!r}."
      ) from None
  data = np.array(rows, np.float64).reshape(len(rows), len(labels))
  for key, expect, what in (
    ("nRows", len(rows), "rows"),
    ("datarows", len(rows), "rows"),
    ("nColumns", len(labels), "columns"),
    ("datacolumns", len(labels), "columns"),
  ):
    if key in meta:
      try:
        declared = int(meta[key])
      except ValueError:
        raise InputError(f"{path}: header {key}={meta[key]!r} is not an integer.") from None
      if declared != expect:
        raise InputError(
          f"{path}: header says {key}={declared} but the file has {expect}"
          f" {what}; the file may be truncated."
        )
  if not len(rows):
    raise InputError(f"{path}: no data rows.")
  if not allow_nan:
    bad = ~np.isfinite(data)
    if bad.any():
      rows_bad = np.flatnonzero(bad.any(axis=1))
      cols_bad = [labels[j] for j in np.flatnonzero(bad.any(axis=0))]
      r = rows_bad[0]
      raise InputError(
        f"{path}: {len(rows_bad)} rows hold NaN or Inf (first at time"
        f" {data[r, 0]:g} s, row {r + 1}; columns {cols_bad[:6]}); fill the gaps"
        " (e.g. interpolate) before inverse dynamics."
      )
  in_deg = parse_bool(meta["inDegrees"]) if "inDegrees" in meta else None
  if "inDegrees" in meta and in_deg is None:
    raise InputError(f"{path}: header line inDegrees={meta['inDegrees']} is neither yes nor no.")
  dup = sorted({k for k in labels if labels.count(k) > 1})
  if dup:
    raise InputError(f"{path}: duplicate column labels {dup}.")
  return Table(
    labels[1:],
    data[:, 0],
    data[:, 1:],
    name,
    in_deg,
    {k: v for k, v in meta.items() if k != "inDegrees"},
    path,
  )


def _fmt(x: float) -> str:
  return (
    repr(float(x) + 0.0)
    if math.isfinite(x)
    else ("NaN" if math.isnan(x) else ("Inf" if x > 0 else "-Inf"))
  )


def write_table(path: str | os.PathLike, table: Table) -> None:
  """Write a Table as an OpenSim .mot/.sto (tab separated; shortest exact float text, so a
  read gives back the same float64 values), atomically (a temporary file renamed onto path)."""
  path = os.fspath(path)
  labels = ["time", *table.labels]
  header = [
    table.name or os.path.splitext(os.path.basename(path))[0],
    "version=1",
    f"nRows={table.n_frames}",
    f"nColumns={len(labels)}",
  ]
  if table.in_degrees is not None:
    header.append(f"inDegrees={'yes' if table.in_degrees else 'no'}")
  for k, v in table.metadata.items():
    if k not in ("version", "nRows", "nColumns", "inDegrees", "datarows", "datacolumns"):
      header.append(f"{k}={v}")
  header.append("endheader")
  with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
    f.write("\n".join(header) + "\n")
    f.write("\t".join(labels) + "\n")
    for t, row in zip(table.time.tolist(), table.data.tolist(), strict=True):
      f.write("\t".join([_fmt(t)] + [_fmt(v) for v in row]) + "\n")


def check_range(table: Table, dtype: DTypeLike) -> None:
  """InputError naming the file, column and row of the first value (time included) that is
  finite in float64 but beyond dtype's range (it would become Inf when cast)."""
  big = np.finfo(dtype).max
  for col, values in (("time", table.time[:, None]), (None, table.data)):
    over = np.abs(values) > big
    if over.any():
      r, c = np.argwhere(over)[0]
      raise InputError(
        f"{table._where()}: column {col or table.labels[c]!r}, row {r + 1} (time"
        f" {table.time[r]:g} s) holds {values[r, c]:g}, beyond {np.dtype(dtype).name}'s range"
        f" (+-{big:.4g}); fix the value or compute in float64 (--x64)."
      )

"""IK columns -> coordinate values: which labels, which units, whether radians are plausible.

labelled_values(table, names, rotational, ...)  (T, n) values in rad and m, from any model's
  column names (jaxid.io.trial for MJCF models, jaxid.io.osim_trial for .osim twins)
coordinate_values(cmap, table, ...)            an MJCF model's coordinates, coupled ones too
"""

from __future__ import annotations

import numpy as np

from jaxid.errors import InputError
from jaxid.io.coordinates import CoordinateMap
from jaxid.io.storage import Table

TURNS = 4 * np.pi  # |angle| beyond this (rad) is not a joint angle in radians
FAR = np.pi  # rad beyond a limited joint's range: not plausible in radians


def labelled_values(
  table: Table,
  names: list[str],
  rotational: np.ndarray,
  in_degrees: bool | None = None,
  ignore_unknown: bool = False,
  also_known: tuple[str, ...] = (),
  bounds: np.ndarray | None = None,
) -> tuple[np.ndarray, bool, list[str]]:
  """(values (T, len(names)) in rad and m, whether the file was in degrees, ignored labels).

  rotational: (n,) bool, the angle columns; also_known: other labels the caller reads itself;
  bounds: (n, 2) plausible radian range of each angle (default +-4 pi). InputError for an
  unknown label (unless ignore_unknown), a missing name, no inDegrees line and in_degrees None,
  and angles said to be radians outside their bounds (they look like degrees).
  """
  where = table.path or "coordinates"
  unknown = [k for k in table.labels if k not in names and k not in also_known]
  if unknown and not ignore_unknown:
    raise InputError(
      f"{where}: coordinates {unknown} are not in the model; its coordinates are"
      f" {[*names, *also_known]} (--ignore-unknown skips extra columns)."
    )
  missing = [k for k in names if k not in table.labels]
  if missing:
    raise InputError(f"{where}: missing columns {missing} for the model's coordinates.")
  deg = table.in_degrees if in_degrees is None else bool(in_degrees)
  if deg is None:
    raise InputError(
      f"{where}: the header has no inDegrees line; say whether its angles are in"
      " degrees (--in-degrees yes|no, in_degrees=True|False)."
    )
  rotational = np.asarray(rotational, bool)
  values = table.columns(names).copy()
  if deg:
    values[:, rotational] = np.radians(values[:, rotational])
    return values, deg, unknown
  if bounds is None:
    bounds = np.tile([-TURNS, TURNS], (len(names), 1))
  for i in np.flatnonzero(rotational):
    (lo, hi), col = bounds[i], values[:, i]
    out = (col < lo) | (col > hi)
    if out.any():
      r = int(np.argmax(out))
      fix = (
        "set the header line inDegrees=yes"
        if in_degrees is None
        else "pass --in-degrees yes (in_degrees=True)"
      )
      raise InputError(
        f"{where}: {names[i]} is {col[r]:g} at row {r + 1}, implausible in radians (expected"
        f" {lo:.3g}..{hi:.3g}); the angles look like degrees: {fix}."
      )
  return values, deg, unknown


def coordinate_values(
  cmap: CoordinateMap,
  table: Table,
  in_degrees: bool | None = None,
  ignore_unknown: bool = False,
) -> tuple[np.ndarray, dict, list[str]]:
  """(values (T, n) in cmap.names order, rad and m; {coupled name: (T,)} given by the file;
  ignored labels) from a coordinates table (labelled_values; coupled coordinates are known
  labels, read when present)."""
  coupled = {c.name: c for c in cmap.coupled_coordinates}
  values, deg, unknown = labelled_values(
    table,
    list(cmap.names),
    cmap.rotational,
    in_degrees,
    ignore_unknown,
    tuple(coupled),
    _radian_bounds(cmap),
  )
  given = {}
  for k, c in coupled.items():
    if k in table.labels:
      col = table.column(k)
      given[k] = np.radians(col) if deg and c.kind == "rotational" else col.copy()
  return values, given, unknown


def _radian_bounds(cmap: CoordinateMap) -> np.ndarray:
  """(n, 2): +-4 pi, narrowed to a limited joint's range widened by pi."""
  m = cmap.mj_model
  bounds = np.tile([-TURNS, TURNS], (len(cmap.coordinates), 1))
  for i, c in enumerate(cmap.coordinates):
    j = m.joint(c.joint).id
    if c.kind == "rotational" and c.free < 0 and m.jnt_limited[j]:
      a, b = np.sort(m.jnt_range[j] / c.scale)
      bounds[i] = max(-TURNS, a - FAR), min(TURNS, b + FAR)
  return bounds

"""OpenSim's storage files (.mot, .sto) and ExternalLoads (.xml), and GRFs in MuJoCo's frame.

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

Ground reaction forces follow OpenSim's ExternalLoads convention: each ExternalForce names the
body it acts on and three column prefixes, ``force_identifier`` (ground_force_v -> columns
ground_force_vx/vy/vz, N), ``point_identifier`` (ground_force_p -> px/py/pz, m) and
``torque_identifier`` (ground_torque_ -> x/y/z, N m, the free moment about the point), all
expressed in OpenSim's ground frame (y up), which is converted to MuJoCo's world (z up) with
(x, y, z) -> (x, -z, y).
"""

from __future__ import annotations

import dataclasses
import math
import os
import xml.etree.ElementTree as ET

import mujoco
import numpy as np

from jaxid.errors import InputError
from jaxid.io.coordinates import OS_TO_MJ, model_ground


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

  def columns(self, labels) -> np.ndarray:
    """(T, k) the named columns; InputError naming every missing one."""
    idx = {k: i for i, k in enumerate(self.labels)}
    missing = [k for k in labels if k not in idx]
    if missing:
      raise InputError(f"{self._where()}: missing columns {missing}; it has {self.labels}.")
    return self.data[:, [idx[k] for k in labels]]

  def column(self, label: str) -> np.ndarray:
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


def _parse_bool(value: str) -> bool | None:
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
  label_line = body[0][1]
  labels = label_line.split("\t") if "\t" in label_line else label_line.split()
  labels = [s.strip() for s in labels]
  if not labels or labels[0].lower() != "time":
    raise InputError(f"{path}: the first column must be 'time', got {labels[:1]}.")
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
  in_deg = _parse_bool(meta["inDegrees"]) if "inDegrees" in meta else None
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
  read gives back the same float64 values)."""
  path = os.fspath(path)
  labels = ["time"] + list(table.labels)
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
  with open(path, "w", encoding="utf-8", newline="\n") as f:
    f.write("\n".join(header) + "\n")
    f.write("\t".join(labels) + "\n")
    for t, row in zip(table.time.tolist(), table.data.tolist(), strict=True):
      f.write("\t".join([_fmt(t)] + [_fmt(v) for v in row]) + "\n")


# ---------------------------------------------------------------------------------------------
# ExternalLoads


@dataclasses.dataclass(frozen=True)
class ExternalForce:
  """One <ExternalForce> of an ExternalLoads file (identifiers are column-label prefixes)."""

  name: str
  body: str
  force_identifier: str
  point_identifier: str = ""
  torque_identifier: str = ""
  force_expressed_in: str = "ground"
  point_expressed_in: str = "ground"

  def labels(self) -> dict[str, list[str]]:
    out = {"force": [self.force_identifier + a for a in "xyz"]}
    if self.point_identifier:
      out["point"] = [self.point_identifier + a for a in "xyz"]
    if self.torque_identifier:
      out["torque"] = [self.torque_identifier + a for a in "xyz"]
    return out


@dataclasses.dataclass(frozen=True)
class ExternalLoads:
  """The forces of an ExternalLoads file and its datafile (absolute path, or '' if none)."""

  forces: tuple[ExternalForce, ...]
  datafile: str = ""


def default_external_loads(feet=("calcn_l", "calcn_r")) -> ExternalLoads:
  """Without an xml: r_/l_ prefixed columns (r_ground_force_vx, ..., l_ground_torque_z)."""
  left, right = feet
  return ExternalLoads(
    tuple(
      ExternalForce(side, body, f"{p}_ground_force_v", f"{p}_ground_force_p", f"{p}_ground_torque_")
      for side, body, p in (("right", right, "r"), ("left", left, "l"))
    )
  )


def _text(el, tag, default=""):
  child = el.find(tag)
  return default if child is None or child.text is None else child.text.strip()


def read_external_loads(path: str | os.PathLike) -> ExternalLoads:
  """Parse an OpenSim ExternalLoads .xml (OpenSim 3 and 4 layouts; disabled forces skipped)."""
  path = os.fspath(path)
  try:
    root = ET.parse(path).getroot()
  except FileNotFoundError:
    raise InputError(f"{path}: no such file.") from None
  except ET.ParseError as e:
    raise InputError(f"{path}: not valid XML ({e}).") from None
  loads = root if root.tag == "ExternalLoads" else root.find(".//ExternalLoads")
  if loads is None:
    raise InputError(f"{path}: no <ExternalLoads> element; not an OpenSim ExternalLoads file.")
  forces = []
  for el in loads.iter("ExternalForce"):
    if (
      _parse_bool(_text(el, "isDisabled", "false"))
      or _parse_bool(_text(el, "appliesForce", "true")) is False
    ):
      continue
    name = el.get("name", "")
    body = _text(el, "applied_to_body")
    ident = _text(el, "force_identifier")
    if not body or not ident:
      raise InputError(
        f"{path}: ExternalForce {name!r} needs applied_to_body and force_identifier."
      )
    forces.append(
      ExternalForce(
        name,
        body,
        ident,
        _text(el, "point_identifier"),
        _text(el, "torque_identifier"),
        _text(el, "force_expressed_in_body", "ground"),
        _text(el, "point_expressed_in_body", "ground"),
      )
    )
  if not forces:
    raise InputError(f"{path}: no enabled ExternalForce.")
  datafile = _text(loads, "datafile")
  if datafile and datafile.lower() != "unassigned":
    datafile = os.path.join(os.path.dirname(os.path.abspath(path)), datafile)
  else:
    datafile = ""
  return ExternalLoads(tuple(forces), datafile)


def write_external_loads(path: str | os.PathLike, loads: ExternalLoads, datafile: str = "") -> None:
  """Write an OpenSim 4 ExternalLoads .xml."""
  root = ET.Element("OpenSimDocument", Version="40000")
  el = ET.SubElement(root, "ExternalLoads", name="externalloads")
  objects = ET.SubElement(el, "objects")
  for f in loads.forces:
    ef = ET.SubElement(objects, "ExternalForce", name=f.name)
    for tag, val in (
      ("applied_to_body", f.body),
      ("force_expressed_in_body", f.force_expressed_in),
      ("point_expressed_in_body", f.point_expressed_in),
      ("force_identifier", f.force_identifier),
      ("point_identifier", f.point_identifier),
      ("torque_identifier", f.torque_identifier),
      ("data_source_name", "Unassigned"),
    ):
      ET.SubElement(ef, tag).text = val
  ET.SubElement(el, "groups")
  ET.SubElement(el, "datafile").text = datafile or loads.datafile
  ET.SubElement(el, "external_loads_model_kinematics_file")
  ET.SubElement(el, "lowpass_cutoff_frequency_for_load_kinematics").text = "-1"
  ET.indent(root, "  ")
  ET.ElementTree(root).write(os.fspath(path), encoding="UTF-8", xml_declaration=True)


# ---------------------------------------------------------------------------------------------
# GRF tables <-> jaxid loads (MuJoCo frame)


def grf_loads(
  table: Table, external: ExternalLoads, model, qpos=None, ground=None
) -> dict[str, np.ndarray]:
  """jaxid Loads fields (grf_l, grf_r, cop_l, cop_r, moment_l, moment_r, ext_forces) in
  MuJoCo's world frame from a GRF table.

  Forces on the model's two foot bodies become grf/cop/moment (several forces on one foot are
  combined exactly: total force, COP at their force-weighted mean point, free moment the rest of
  the total moment). Forces on other bodies go to ext_forces (force and torque about the body's
  centre of mass, which needs qpos (T, nq) for the body's position). ground: v_MuJoCo =
  ground @ v_OpenSim (default the model's, coordinates.model_ground).
  """
  g = model_ground(model) if ground is None else np.asarray(ground, np.float64)

  def os_to_mj(v):
    return v @ g.T + 0.0

  m = getattr(model, "mj_model", model)
  feet = tuple(getattr(model, "body_names", ("calcn_l", "calcn_r")))
  n = table.n_frames
  per_foot = {b: [] for b in feet}
  ext = np.zeros((n, m.nbody, 6))
  others = []
  bodies = [m.body(i).name for i in range(m.nbody)]
  for f in external.forces:
    for what, frame in (("force", f.force_expressed_in), ("point", f.point_expressed_in)):
      if frame.lower() != "ground" and (what == "force" or f.point_identifier):
        raise InputError(
          f"external loads: ExternalForce {f.name!r} has its {what} expressed in"
          f" {frame!r}; only 'ground' is supported."
        )
    if f.body not in bodies:
      raise InputError(
        f"external loads: ExternalForce {f.name!r} acts on body {f.body!r},"
        f" which is not in the model; its bodies are {bodies}."
      )
    if not f.point_identifier:
      raise InputError(
        f"external loads: ExternalForce {f.name!r} has no point_identifier;"
        " jaxid needs the point of application (the centre of pressure)."
      )
    lab = f.labels()
    force = os_to_mj(table.columns(lab["force"]))
    point = os_to_mj(table.columns(lab["point"]))
    torque = os_to_mj(table.columns(lab["torque"])) if "torque" in lab else np.zeros((n, 3))
    if f.body in feet:
      per_foot[f.body].append((force, point, torque))
    else:
      others.append((bodies.index(f.body), force, point, torque))
  out = {}
  for side, b in zip("lr", feet, strict=True):
    items = per_foot[b]
    if not items:
      force, cop, free = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros((n, 3))
    elif len(items) == 1:  # one force: the file's point and free moment, exactly
      force, cop, free = items[0]
    else:  # total force; COP at the force-weighted mean point; free moment the remainder
      force = np.sum([f for f, _, _ in items], axis=0)
      moment = np.sum([np.cross(p, f) + tq for f, p, tq in items], axis=0)
      w = np.stack([np.linalg.norm(f, axis=1) for f, _, _ in items])
      wsum = w.sum(axis=0)
      wp = np.sum([wi[:, None] * p for wi, (_, p, _) in zip(w, items, strict=True)], axis=0)
      cop = np.where(wsum[:, None] > 0, wp / np.where(wsum > 0, wsum, 1.0)[:, None], 0.0)
      free = moment - np.cross(cop, force)
    out[f"grf_{side}"], out[f"cop_{side}"], out[f"moment_{side}"] = force, cop, free
  if others:
    if qpos is None:
      raise InputError(
        "external loads: forces on bodies other than the feet need qpos to place"
        " them relative to the body's centre of mass."
      )
    d = mujoco.MjData(m)
    for t in range(n):
      d.qpos = qpos[t]
      mujoco.mj_kinematics(m, d)
      for b, force, point, torque in others:
        ext[t, b, :3] += force[t]
        ext[t, b, 3:] += np.cross(point[t] - d.xipos[b], force[t]) + torque[t]
  out["ext_forces"] = ext
  return out


def grf_table(
  time,
  loads,
  external: ExternalLoads | None = None,
  name: str = "grf",
  feet=("calcn_l", "calcn_r"),
  ground=OS_TO_MJ,
) -> Table:
  """The inverse of grf_loads for the two feet: a GRF table in OpenSim's ground frame.

  loads: a jaxid Loads (or a dict with grf_l, ...); external: names the columns (default
  default_external_loads(feet)), one force per foot; feet: (left, right) body names; ground:
  v_MuJoCo = ground @ v_OpenSim. ext_forces are not written.
  """
  g = np.asarray(ground, np.float64)
  external = external or default_external_loads(feet)
  get = (
    (lambda k: np.asarray(loads[k]))
    if isinstance(loads, dict)
    else (lambda k: np.asarray(getattr(loads, k)))
  )
  labels, cols = [], []
  for f in external.forces:
    if f.body not in feet:
      raise InputError(
        f"external loads: grf_table writes foot forces only; {f.name!r} acts on"
        f" {f.body!r}, not one of {list(feet)}."
      )
    side = "lr"[list(feet).index(f.body)]
    lab = f.labels()
    for key, field in (("force", "grf"), ("point", "cop"), ("torque", "moment")):
      if key in lab:
        labels += lab[key]
        cols.append(get(f"{field}_{side}") @ g + 0.0)
  return Table(labels, time, np.concatenate(cols, axis=1), name, in_degrees=False)


def align(kin_time, table: Table, resample: bool = False, what: str = "grf") -> Table:
  """table on the kinematics' time column: as is when the times agree (to 1e-6 s), linearly
  interpolated when resample is set (the table must cover the kinematics' time span), else an
  InputError describing both time columns."""
  kin_time = np.asarray(kin_time, np.float64)
  t = table.time
  if len(t) == len(kin_time) and np.max(np.abs(t - kin_time)) <= 1e-6:
    return table

  def describe(x):
    rate = (len(x) - 1) / (x[-1] - x[0]) if len(x) > 1 and x[-1] > x[0] else float("nan")
    return f"{len(x)} rows, {x[0]:g}..{x[-1]:g} s, {rate:.4g} Hz"

  if not resample:
    raise InputError(
      f"{table._where()}: its time column ({describe(t)}) differs from the"
      f" coordinates' ({describe(kin_time)}); pass --resample-grf"
      f" (resample=True) to interpolate the {what} onto the coordinates' times."
    )
  tol = 1e-6
  if t[0] > kin_time[0] + tol or t[-1] < kin_time[-1] - tol:
    raise InputError(
      f"{table._where()}: cannot resample: its time span ({describe(t)}) does not"
      f" cover the coordinates' ({describe(kin_time)})."
    )
  if np.any(np.diff(t) <= 0):
    raise InputError(f"{table._where()}: time must be strictly increasing to resample.")
  data = (
    np.stack([np.interp(kin_time, t, table.data[:, j]) for j in range(len(table.labels))], axis=1)
    if table.labels
    else np.zeros((len(kin_time), 0))
  )
  return dataclasses.replace(table, time=kin_time, data=data)

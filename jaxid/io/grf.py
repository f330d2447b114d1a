"""GRF tables <-> jaxid Loads: OpenSim's ground frame (y up) to MuJoCo's world (z up).

The columns an ExternalLoads file names are converted with the model's ground rotation G,
v_MuJoCo = G v_OpenSim (default OS_TO_MJ: (x, y, z) -> (x, -z, y)); align puts a GRF table on
the coordinates' time column.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import mujoco
import numpy as np
from numpy.typing import ArrayLike

from jaxid.errors import InputError
from jaxid.io.coordinates import OS_TO_MJ, model_ground
from jaxid.io.external_loads import ExternalLoads, default_external_loads
from jaxid.io.storage import Table


def grf_loads(
  table: Table,
  external: ExternalLoads,
  model: Any,
  qpos: ArrayLike | None = None,
  ground: ArrayLike | None = None,
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
  time: ArrayLike,
  loads: Any,
  external: ExternalLoads | None = None,
  name: str = "grf",
  feet: tuple[str, str] = ("calcn_l", "calcn_r"),
  ground: ArrayLike = OS_TO_MJ,
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


def align(kin_time: ArrayLike, table: Table, resample: bool = False, what: str = "grf") -> Table:
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
    first = ""
    if len(t) == len(kin_time):  # same length: say where they part
      r = int(np.argmax(np.abs(t - kin_time) > 1e-6))
      first = f" at row {r + 1}: {t[r]:.9g} s vs {kin_time[r]:.9g} s"
    raise InputError(
      f"{table._where()}: its time column ({describe(t)}) differs from the"
      f" coordinates' ({describe(kin_time)}){first}; pass --resample-grf"
      f" (resample=True) to interpolate the {what} onto the coordinates' times."
    )
  tol = 1e-6
  if t[0] > kin_time[0] + tol or t[-1] < kin_time[-1] - tol:
    raise InputError(
      f"{table._where()}: cannot resample: its time span ({describe(t)}) does not"
      f" cover the coordinates' ({describe(kin_time)}); pass --trim (trim=True) to keep"
      " only the coordinates' frames inside it."
    )
  if np.any(np.diff(t) <= 0):
    raise InputError(f"{table._where()}: time must be strictly increasing to resample.")
  data = (
    np.stack([np.interp(kin_time, t, table.data[:, j]) for j in range(len(table.labels))], axis=1)
    if table.labels
    else np.zeros((len(kin_time), 0))
  )
  return dataclasses.replace(table, time=kin_time, data=data)


def overlap(coordinates: Table, table: Table, tol: float = 1e-6) -> tuple[Table, tuple[int, int]]:
  """The coordinates' rows inside table's time span (to tol s), and how many rows were dropped
  at (start, end); InputError when fewer than two rows remain."""
  t = coordinates.time
  idx = np.flatnonzero((t >= table.time[0] - tol) & (t <= table.time[-1] + tol))
  if len(idx) < 2:
    raise InputError(
      f"{table._where()}: its time span ({table.time[0]:g}..{table.time[-1]:g} s) holds"
      f" {len(idx)} of the coordinates' frames ({t[0]:g}..{t[-1]:g} s); nothing to trim to."
    )
  a, b = int(idx[0]), int(idx[-1]) + 1
  kept = dataclasses.replace(coordinates, time=t[a:b], data=coordinates.data[a:b])
  return kept, (a, len(t) - b)

"""Whole trials: OpenSim files in, a jaxid Trial out; results and sample trials to files."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from typing import Any

import jax
import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from jaxid import contract
from jaxid.errors import InputError
from jaxid.io.columns import coordinate_values
from jaxid.io.coordinates import CoordinateMap
from jaxid.io.external_loads import (
  ExternalLoads,
  classic_external_loads,
  default_external_loads,
  read_external_loads,
  write_external_loads,
)
from jaxid.io.files import atomic_path
from jaxid.io.grf import align, grf_loads, grf_table, overlap
from jaxid.io.storage import Table, check_range, read_table, write_table
from jaxid.kinematics import filters
from jaxid.types import Loads, Trial

ID_NAME = "Inverse Dynamics Generalized Forces"


@dataclasses.dataclass
class TrialInfo:
  """What read_trial found: time (T,), dt (s), the coordinate map, columns it ignored, the GRF
  file it used ('' for none), whether the GRF was resampled, the filter cutoff (Hz or None),
  the coordinates' frames trim dropped at (start, end)."""

  time: np.ndarray
  dt: float
  cmap: CoordinateMap
  ignored: list[str]
  grf_path: str = ""
  resampled: bool = False
  cutoff: float | None = None
  trimmed: tuple[int, int] = (0, 0)


def read_inputs(coordinates, grf, external_loads, dtype, trim: bool = False):
  """(coordinates Table, ExternalLoads | None, GRF Table | None, (dropped at start, at end)):
  each read if a path, checked to fit dtype; the GRF defaults to the loads' datafile (an
  empty or Unassigned one is an InputError); trim: the coordinates cut to the GRF's span."""
  table = coordinates if isinstance(coordinates, Table) else read_table(coordinates)
  check_range(table, dtype)
  ext = external_loads
  if ext is not None and not isinstance(ext, ExternalLoads):
    ext = read_external_loads(ext)
  if grf is None and ext is not None:
    if not ext.datafile:
      raise InputError(
        f"{ext.path or 'external loads'}: ExternalForce {ext.forces[0].name!r} is enabled but"
        " <datafile> is empty or Unassigned, so there are no forces to read; name the GRF file"
        " there or pass --grf (grf=...)."
      )
    grf = ext.datafile
  gt = None if grf is None else grf if isinstance(grf, Table) else read_table(grf)
  trimmed = (0, 0)
  if gt is not None:
    check_range(gt, dtype)
    if trim:
      table, trimmed = overlap(table, gt)
  return table, ext, gt, trimmed


def read_trial(
  model: Any,
  coordinates: str | os.PathLike | Table,
  grf: str | os.PathLike | Table | None = None,
  external_loads: str | os.PathLike | ExternalLoads | None = None,
  cutoff: float | None = filters.DEFAULT_CUTOFF,
  resample_grf: bool = False,
  in_degrees: bool | None = None,
  ignore_unknown: bool = False,
  name_map: dict | None = None,
  dtype: DTypeLike | None = None,
  trim: bool = False,
) -> tuple[Trial, TrialInfo]:
  """A jaxid Trial (float64 NumPy, MuJoCo frame) from OpenSim files, as OpenSim's ID tool reads
  them.

  coordinates: IK .mot path (or Table); grf: GRF .mot path (or Table; default the datafile
  named in external_loads; None and no datafile: no external loads); external_loads: .xml path
  (or ExternalLoads; default r_/l_ prefixed columns, see default_external_loads);
  cutoff: low-pass of the coordinates in Hz (-1 or None: none); resample_grf: interpolate the
  GRF onto the coordinates' times when they differ (otherwise an InputError); in_degrees:
  overrides the file's inDegrees; ignore_unknown: skip coordinate columns the model lacks;
  dtype: the float type the trial will be computed in (default JAX's: float32 unless x64), every
  file value must fit it; trim: keep only the coordinates' frames inside the GRF's time span
  (TrialInfo.trimmed says how many were dropped).
  """
  if getattr(model, "coordinate_map", None) is not None:
    raise InputError(
      "model: an OpenSim (.osim) model; read its files with jaxid.io.read_osim_trial."
    )
  dtype = jax.dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
  cmap = CoordinateMap.from_model(model, name_map)
  table, ext, gt, trimmed = read_inputs(coordinates, grf, external_loads, dtype, trim)
  dt = table.dt()
  values, given, ignored = coordinate_values(cmap, table, in_degrees, ignore_unknown)
  try:
    kin = cmap.kinematics(values, dt, cutoff, coupled_values=given)
  except InputError as e:  # too few frames for the filter or the differences: name the file
    raise InputError(f"{table.path or 'coordinates'}: {e}") from None
  enabled = filters.filter_enabled(cutoff)
  info = TrialInfo(
    table.time, dt, cmap, ignored, cutoff=float(cutoff) if enabled else None, trimmed=trimmed
  )
  m = getattr(model, "mj_model", model)
  if gt is None:
    shapes = contract.input_shapes(m)
    loads = {k: np.zeros((table.n_frames, *shapes[f"loads.{k}"])) for k in contract.LOADS_FIELDS}
  else:
    info.grf_path = gt.path
    aligned = align(table.time, gt, resample_grf)
    info.resampled = aligned is not gt
    feet = tuple(getattr(model, "body_names", ("calcn_l", "calcn_r")))
    ext = ext or default_external_loads(feet)
    loads = grf_loads(aligned, ext, model, kin.qpos, cmap.ground)
  return Trial(kin, Loads(**loads)), info


def coordinates_table(
  cmap: CoordinateMap,
  time: ArrayLike,
  qpos: ArrayLike,
  in_degrees: bool = True,
  name: str = "Coordinates",
  coupled: bool = False,
) -> Table:
  """An IK-style coordinates table (OpenSim's names; degrees when in_degrees) from qpos;
  coupled: also write the joints that follow joint equalities (not OpenSim coordinates)."""
  values = cmap.from_qpos(qpos)
  coords = cmap.coordinates
  if coupled and cmap.coupled_coordinates:
    values = np.concatenate([values, cmap.coupled_from_qpos(qpos)], axis=1)
    coords = cmap.all_coordinates
  rot = np.array([c.kind == "rotational" for c in coords])
  if in_degrees:
    values[:, rot] = np.degrees(values[:, rot])
  return Table([c.name for c in coords], time, values, name, bool(in_degrees))


def results_table(
  cmap: CoordinateMap, time: ArrayLike, qpos: ArrayLike, joint_torques: ArrayLike
) -> Table:
  """OpenSim Inverse Dynamics output: <coordinate>_moment (N m) / _force (N), inDegrees=no."""
  labels, values = cmap.generalized_forces(qpos, joint_torques)
  return Table(labels, time, values, ID_NAME, False)


def write_results(
  path: str | os.PathLike,
  cmap: CoordinateMap,
  time: ArrayLike,
  qpos: ArrayLike,
  joint_torques: ArrayLike,
) -> Table:
  """results_table written as an OpenSim .sto at path (atomically); the Table."""
  table = results_table(cmap, time, qpos, joint_torques)
  write_table(path, table)
  return table


def write_sample(
  out_dir: str | os.PathLike,
  model: Any = None,
  n_frames: int = 200,
  seed: int = 0,
  dt: float = 0.01,
  name_map: dict | None = None,
) -> dict:
  """Write jaxid's sample trial as OpenSim files: ik.mot (degrees), grf.mot and loads.xml.

  Returns {"coordinates", "grf", "external_loads": paths, "trial": the Trial written}.
  """
  import jaxid

  model = model if model is not None else jaxid.load_model("gait_lowerbody")
  trial = jaxid.sample_trial(model, n_frames=n_frames, seed=seed, dt=dt)
  cmap = CoordinateMap.from_model(model, name_map)
  if np.any(np.asarray(trial.loads.ext_forces)):
    raise InputError("write_sample: ext_forces are not written to the GRF file.")
  time = np.arange(trial.n_frames) * dt
  paths = sample_paths(out_dir)
  feet = tuple(getattr(model, "body_names", ("calcn_l", "calcn_r")))
  ext = classic_external_loads(feet)
  coordinates = coordinates_table(cmap, time, trial.kinematics.qpos, True)
  grf = grf_table(time, trial.loads, ext, "grf", feet, cmap.ground)
  try:  # write only what read_trial reads back
    read_trial(model, coordinates, grf, ext, cutoff=-1, name_map=name_map, dtype=np.float64)
  except InputError as e:
    raise InputError(f"sample trial of {n_frames} frames: {e}") from None
  os.makedirs(out_dir, exist_ok=True)
  with (
    contextlib.ExitStack() as stack
  ):  # the three files renamed into place only if all are written
    tmp = {k: stack.enter_context(atomic_path(p)) for k, p in paths.items()}
    write_table(tmp["coordinates"], coordinates)
    write_table(tmp["grf"], grf)
    write_external_loads(tmp["external_loads"], ext, "grf.mot")
  return {**paths, "trial": trial}


def sample_paths(out_dir: str | os.PathLike) -> dict[str, str]:
  """{"coordinates", "grf", "external_loads": the paths write_sample writes in out_dir}."""
  return {
    k: os.path.join(out_dir, f)
    for k, f in (("coordinates", "ik.mot"), ("grf", "grf.mot"), ("external_loads", "loads.xml"))
  }

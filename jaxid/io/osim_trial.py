"""Trials on an OpenSim model's twin: an IK .mot, a GRF .mot and an ExternalLoads .xml read as
OpenSim's InverseDynamicsTool reads them, and its ID .sto out (docs/io.md, "Running on an
OpenSim model").

  model = load_osim_model("subject.osim", "grf.xml")
  trial, info = read_osim_trial(model, "ik.mot", external_loads="grf.xml", cutoff=6.0)
  out = jaxid.inverse_dynamics(model, trial, outputs=("joint_torques",))
  table = osim_results_table(info, out["joint_torques"])  # <coord>_moment / _force columns

The coordinates are processed as the tool does (jaxid.kinematics.idtool: pad, 3rd-order IIR,
natural quintic spline derivatives) and expanded to the twin's dofs by its CoordinateMap, in
JAX (float64 under x64). The twin's world is OpenSim's ground, so the GRF columns are used as
they are (no y-up to z-up rotation); each ExternalForce acts on its applied_to_body.
"""

from __future__ import annotations

import dataclasses
import functools
import os

import jax
import numpy as np

from jaxid import contract
from jaxid.errors import InputError
from jaxid.io.columns import labelled_values
from jaxid.io.external_loads import ExternalLoads, read_external_loads
from jaxid.io.grf import align, grf_loads
from jaxid.io.storage import Table
from jaxid.io.trial import ID_NAME, TrialInfo, read_inputs
from jaxid.kinematics import filters, idtool
from jaxid.types import Kinematics, Loads, Trial


@dataclasses.dataclass
class OsimTrialInfo(TrialInfo):
  """TrialInfo, cmap the twin's jaxid.models.osim.CoordinateMap, and the processed coordinates
  (T, ncoord) in rad and m (the spline's values at the file's times, for the projection)."""

  coordinates: np.ndarray | None = None


def _ext(external_loads) -> ExternalLoads | None:
  if external_loads is None or isinstance(external_loads, ExternalLoads):
    return external_loads
  return read_external_loads(external_loads)


def loaded_feet(mj_model, external_loads=None) -> tuple[str, str]:
  """Two bodies for jaxid's (left, right) feet: the first two applied_to_body of the loads (a
  third and more go to Loads.ext_forces), else other bodies of the model (their loads are
  zero); InputError for an applied_to_body that is not a body of the model."""
  bodies = [mj_model.body(i).name for i in range(1, mj_model.nbody)]
  ext = _ext(external_loads)
  loaded = list(dict.fromkeys(f.body for f in ext.forces)) if ext else []
  for f in ext.forces if ext else ():
    if f.body not in bodies:
      raise InputError(
        f"{ext.path or 'external loads'}: ExternalForce {f.name!r} has applied_to_body"
        f" {f.body!r}, which is not a body of the model; its bodies are {bodies}."
      )
  feet = (loaded + [b for b in bodies if b not in loaded])[:2]
  if len(feet) < 2:
    raise InputError("model: jaxid needs at least two bodies (it has one).")
  side = {"l": 0, "r": 1}  # a *_r body as the right foot, a *_l one as the left; else file order
  left, right = sorted(feet, key=lambda b: side.get(b.rsplit("_", 1)[-1], 0.5))
  return left, right


def load_osim_model(path: str | os.PathLike, external_loads=None):
  """jaxid.Model of an .osim file (its MJCF twin and CoordinateMap), feet from loaded_feet."""
  from jaxid import model as model_lib
  from jaxid.models import registry

  mj_model, cmap = registry._load_osim(registry._mjcf_path(path))
  return model_lib.from_mj_model(mj_model, loaded_feet(mj_model, external_loads), cmap)


def coordinate_values(cmap, table: Table, in_degrees=None, ignore_unknown=False):
  """(values (T, ncoord) in cmap.coords order, rad and m; ignored labels): labelled_values
  with the twin's Rotational coordinates as the angles (radians plausible within +-4 pi)."""
  values, _, unknown = labelled_values(
    table, list(cmap.coords), cmap.rotational, in_degrees, ignore_unknown
  )
  return values, unknown


@functools.partial(jax.jit, static_argnums=0)
def _expand(cmap, q, qd, qdd):
  return cmap.expand(q, qd, qdd)


def osim_kinematics(cmap, values, time, cutoff=filters.DEFAULT_CUTOFF):
  """(Kinematics of the twin, coordinates q (T, ncoord)) from coordinate values (T, ncoord) at
  time (T,): idtool.coordinate_derivatives, then cmap.expand; pure JAX in values."""
  q, qd, qdd = idtool.coordinate_derivatives(values, time, cutoff)
  return Kinematics(*_expand(cmap, q, qd, qdd)), q


def read_osim_trial(
  model,
  coordinates,
  grf=None,
  external_loads=None,
  cutoff: float | None = filters.DEFAULT_CUTOFF,
  resample_grf: bool = False,
  in_degrees: bool | None = None,
  ignore_unknown: bool = False,
  dtype=None,
  trim: bool = False,
) -> tuple[Trial, OsimTrialInfo]:
  """A Trial of an .osim model (Model.coordinate_map set) from OpenSim files; arguments as
  jaxid.io.read_trial's. A GRF needs an ExternalLoads (which body each force acts on)."""
  cmap = getattr(model, "coordinate_map", None)
  if cmap is None:
    raise InputError("model: not an OpenSim model (.osim); use jaxid.io.read_trial.")
  dtype = jax.dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
  table, ext, gt, trimmed = read_inputs(coordinates, grf, external_loads, dtype, trim)
  if gt is not None and ext is None:
    raise InputError(
      f"{gt.path or 'grf'}: an OpenSim model needs an ExternalLoads file (--external-loads)"
      " naming the body each force acts on."
    )
  dt = table.dt()
  values, ignored = coordinate_values(cmap, table, in_degrees, ignore_unknown)
  try:
    # in float64 whatever the compute precision: the spline's second derivative (entries
    # ~1/dt^2, cancelling) in float32 is off by up to 0.47 N m against OpenSim's tool on the
    # tests' model, float64 processing then float32 inverse dynamics by 6e-4 N m (docs/io.md)
    with jax.enable_x64(True):
      kin, q = osim_kinematics(cmap, values, table.time, cutoff)
      kin64 = jax.tree.map(lambda a: np.asarray(a, np.float64), kin)
      q = np.asarray(q, np.float64)
    kin = jax.tree.map(lambda a: a.astype(dtype), kin64)
  except InputError as e:
    raise InputError(f"{table.path or 'coordinates'}: {e}") from None
  enabled = filters.filter_enabled(cutoff)
  info = OsimTrialInfo(
    table.time,
    dt,
    cmap,
    ignored,
    cutoff=float(cutoff) if enabled else None,
    trimmed=trimmed,
    coordinates=q,
  )
  if gt is None:
    shapes = contract.input_shapes(model.mj_model)
    loads = {k: np.zeros((table.n_frames, *shapes[f"loads.{k}"])) for k in contract.LOADS_FIELDS}
  else:
    loaded_feet(model.mj_model, ext)  # every applied_to_body is a body of the model
    info.grf_path = gt.path
    aligned = align(table.time, gt, resample_grf)
    info.resampled = aligned is not gt
    # the twin's world is OpenSim's ground: no rotation of the GRF columns
    loads = grf_loads(aligned, ext, model, kin64.qpos, ground=np.eye(3))
  return Trial(kin, Loads(**loads)), info


def osim_results_table(info: OsimTrialInfo, joint_torques) -> Table:
  """OpenSim's ID output: the dof torques (T, nv) projected on the coordinates (J^T tau), its
  columns and order (cmap.id_columns), inDegrees=no."""
  cmap = info.cmap
  with jax.enable_x64(True):  # J^T tau in float64 (the .sto is float64 text)
    tau = np.asarray(cmap.project(np.asarray(joint_torques, np.float64), info.coordinates))
  return Table(list(cmap.id_columns), info.time, tau[:, list(cmap.order)], ID_NAME, False)

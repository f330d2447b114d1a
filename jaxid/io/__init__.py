"""OpenSim files in and out: coordinates (.mot), ground reaction forces (.mot + ExternalLoads
.xml) and inverse dynamics results (.sto); see docs/io.md.

  trial, info = jaxid.io.read_trial(model, "ik.mot", "grf.mot", "loads.xml", cutoff=6.0)
  out = jaxid.inverse_dynamics(model, trial)
  jaxid.io.write_results("id.sto", info.cmap, info.time, trial.kinematics.qpos,
                         out["joint_torques"])
"""

from jaxid.io.coordinates import (
  PELVIS,
  Coordinate,
  CoordinateMap,
  mj_to_os,
  os_to_mj,
  register_name_map,
)
from jaxid.io.external_loads import (
  ExternalForce,
  ExternalLoads,
  classic_external_loads,
  default_external_loads,
  read_external_loads,
  write_external_loads,
)
from jaxid.io.grf import align, grf_loads, grf_table, overlap
from jaxid.io.osim_trial import (
  OsimTrialInfo,
  load_osim_model,
  osim_results_table,
  read_osim_trial,
)
from jaxid.io.storage import Table, check_range, read_table, write_table
from jaxid.io.trial import (
  TrialInfo,
  coordinate_values,
  coordinates_table,
  read_trial,
  results_table,
  sample_paths,
  write_results,
  write_sample,
)

__all__ = [
  "PELVIS",
  "Coordinate",
  "CoordinateMap",
  "ExternalForce",
  "ExternalLoads",
  "OsimTrialInfo",
  "Table",
  "TrialInfo",
  "align",
  "check_range",
  "classic_external_loads",
  "coordinate_values",
  "coordinates_table",
  "default_external_loads",
  "grf_loads",
  "grf_table",
  "load_osim_model",
  "mj_to_os",
  "os_to_mj",
  "osim_results_table",
  "overlap",
  "read_external_loads",
  "read_osim_trial",
  "read_table",
  "read_trial",
  "register_name_map",
  "results_table",
  "sample_paths",
  "write_external_loads",
  "write_results",
  "write_sample",
  "write_table",
]

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
from jaxid.io.opensim import (
  ExternalForce,
  ExternalLoads,
  Table,
  align,
  default_external_loads,
  grf_loads,
  grf_table,
  read_external_loads,
  read_table,
  write_external_loads,
  write_table,
)
from jaxid.io.trial import (
  TrialInfo,
  coordinate_values,
  coordinates_table,
  read_trial,
  results_table,
  write_results,
  write_sample,
)

__all__ = [
  "PELVIS",
  "Coordinate",
  "CoordinateMap",
  "ExternalForce",
  "ExternalLoads",
  "Table",
  "TrialInfo",
  "align",
  "coordinate_values",
  "coordinates_table",
  "default_external_loads",
  "grf_loads",
  "grf_table",
  "mj_to_os",
  "os_to_mj",
  "read_external_loads",
  "read_table",
  "read_trial",
  "register_name_map",
  "results_table",
  "write_external_loads",
  "write_results",
  "write_sample",
  "write_table",
]

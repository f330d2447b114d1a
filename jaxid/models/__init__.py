"""Models: the registry and loading (registry.py), exact pruning for inverse dynamics
(prune.py), MyoLeg from myo-sim (myolegs.py; myo-sim, an optional extra, is imported on first
use) and what each model calls its OpenSim coordinates and ground (opensim_names.py)."""

from jaxid.models.prune import PruneReport, PruneWarning, prune_for_inverse, prune_spec
from jaxid.models.registry import (
  BUNDLED,
  NAMES,
  bundled_path,
  load_mj_model,
  load_model,
  total_mass,
)

__all__ = [
  "BUNDLED",
  "NAMES",
  "PruneReport",
  "PruneWarning",
  "bundled_path",
  "load_mj_model",
  "load_model",
  "prune_for_inverse",
  "prune_spec",
  "total_mass",
]

"""Models: the registry and loading (registry.py), exact pruning for inverse dynamics
(prune.py) and MyoLeg from myo-sim (myolegs.py, loaded on first use: an optional extra)."""

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

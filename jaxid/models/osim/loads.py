"""The bodies an OpenSim ExternalLoads file loads: jaxid's body_names for an .osim model."""

from __future__ import annotations

import os

from jaxid.io.external_loads import read_external_loads


def loaded_bodies(path: str | os.PathLike) -> tuple[str, ...]:
  """Each ExternalForce's applied_to_body, in file order, without repeats."""
  return tuple(dict.fromkeys(f.body for f in read_external_loads(path).forces))

"""OpenSim .osim -> an exact MJCF twin for inverse dynamics (bodies, joints, coordinate map)."""

from jaxid.models.osim.convert import Conversion, convert, write_mjcf
from jaxid.models.osim.coordinate_map import Ball, CoordinateMap, Dof
from jaxid.models.osim.loads import loaded_bodies

__all__ = ["Ball", "Conversion", "CoordinateMap", "Dof", "convert", "loaded_bodies", "write_mjcf"]

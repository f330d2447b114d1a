"""OpenSim .osim -> an exact MJCF twin for inverse dynamics (bodies, joints, coordinate map)."""

from jaxid.models.osim.convert import Conversion, convert, write_mjcf
from jaxid.models.osim.coordinate_map import CoordinateMap, Dof

__all__ = ["Conversion", "CoordinateMap", "Dof", "convert", "write_mjcf"]

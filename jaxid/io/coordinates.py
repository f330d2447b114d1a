"""OpenSim coordinate names <-> MuJoCo qpos, and generalized forces back to OpenSim's names.

A CoordinateMap says which OpenSim coordinate drives each MuJoCo joint: a hinge or slide joint
has one, by default the joint's own name (the bundled model is named like gait2392 /
Rajagopal), optionally scaled (qpos = scale * value); the free root joint has six, by default
pelvis_tx, _ty, _tz, _tilt, _list, _rotation, converted through the ground rotation
v_MuJoCo = G v_OpenSim (jaxid.kinematics.pelvis; OS_TO_MJ, or MYOLEG_GROUND for MyoLeg) with
the joint's qpos0 orientation as the pose at zero coordinates; joints coupled by an active
joint equality (MyoLeg's knee) may be left out of the file and follow it
(jaxid.kinematics.coupling).

Name maps: {mujoco joint: coordinate name | (name, scale) | None}, a 6-tuple (tx, ty, tz, tilt,
list, rotation) for the free joint; unmapped joints keep their names, None leaves a joint out
(held at qpos0, no column). Options: jaxid.models.opensim_names.opensim_options.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType
from typing import Any

import jax.numpy as jnp
import mujoco
import numpy as np

from jaxid.contract import Array
from jaxid.errors import InputError
from jaxid.kinematics import coupling, from_qpos, pelvis
from jaxid.kinematics.differences import JointLayout
from jaxid.kinematics.filters import DEFAULT_CUTOFF, DEFAULT_ORDER, filtfilt
from jaxid.kinematics.pelvis import OS_TO_MJ, check_ground
from jaxid.kinematics.pelvis import mj_to_os as mj_to_os
from jaxid.kinematics.pelvis import os_to_mj as os_to_mj
from jaxid.models.myolegs import MYOLEG_GROUND as MYOLEG_GROUND
from jaxid.models.opensim_names import NAME_MAPS as NAME_MAPS
from jaxid.models.opensim_names import model_ground as model_ground
from jaxid.models.opensim_names import opensim_options
from jaxid.models.opensim_names import register_name_map as register_name_map
from jaxid.types import Kinematics

PELVIS = ("pelvis_tx", "pelvis_ty", "pelvis_tz", "pelvis_tilt", "pelvis_list", "pelvis_rotation")
# OpenSim lists the pelvis rotations first in its coordinate files.
PELVIS_FILE_ORDER = (3, 4, 5, 0, 1, 2)


@dataclasses.dataclass(frozen=True)
class Coordinate:
  """One OpenSim coordinate: where it lives in the MuJoCo model.

  kind: "rotational" (rad; degrees in files with inDegrees=yes) or "translational" (m).
  free: -1 for a hinge/slide joint, else the index 0..5 in PELVIS order of a free joint's part.
  qpos, dof: addresses of the joint's value (hinge/slide) or of the free joint's first entry.
  scale: qpos = scale * value for hinge/slide joints.
  """

  name: str
  joint: str
  kind: str
  qpos: int
  dof: int
  scale: float = 1.0
  free: int = -1

  @property
  def force_label(self) -> str:
    """OpenSim Inverse Dynamics' column: <name>_moment (N m) or <name>_force (N)."""
    return f"{self.name}_{'moment' if self.kind == 'rotational' else 'force'}"


def _free_coordinates(m, j, entry, root_offset):
  """(the free joint's six Coordinates in file order, its offset quaternion (4,))."""
  name, qa, va = m.joint(j).name, int(m.jnt_qposadr[j]), int(m.jnt_dofadr[j])
  names = tuple(entry)
  if len(names) != 6:
    raise InputError(
      f"name_map[{name!r}]: a free joint needs six coordinate names (tx, ty,"
      f" tz, tilt, list, rotation), got {entry!r}."
    )
  q0 = np.array(m.qpos0[qa + 3 : qa + 7] if root_offset is None else root_offset, np.float64)
  coords = [
    Coordinate(names[i], name, "rotational" if i >= 3 else "translational", qa, va, 1.0, i)
    for i in PELVIS_FILE_ORDER
  ]
  return coords, q0 / np.linalg.norm(q0)


class CoordinateMap:
  """OpenSim coordinates of a model; see the module docstring.

  coordinates: in file order (pelvis rotations, pelvis translations, then the model's joints);
  names: their names; coupled: joints that follow an equality when absent from the file.
  """

  def __init__(
    self,
    mj_model: mujoco.MjModel,
    coordinates: list[Coordinate],
    coupled: list[tuple[Coordinate, coupling.Coupling]],
    free_qpos0: Array | None,
    ground: Array = OS_TO_MJ,
  ):
    """coordinates: Coordinate list; coupled: (Coordinate, Coupling) pairs; free_qpos0: the
    free joint's offset quaternion (None without one); ground: v_MuJoCo = ground @ v_OpenSim."""
    self.mj_model = mj_model
    self.ground = check_ground(ground)
    self.coordinates = tuple(coordinates)
    self.coupled_coordinates = tuple(c for c, _ in coupled)
    self.coupled = tuple(cp for _, cp in coupled)
    self.qpos0 = np.array(mj_model.qpos0, np.float64)
    self._free_offset = free_qpos0  # (4,) qpos0 quaternion of the free joint, or None
    self._index = {c.name: i for i, c in enumerate(self.coordinates)}
    self.layout = JointLayout.from_model(mj_model)

  @classmethod
  def from_model(
    cls,
    model: Any,
    name_map: dict | None = None,
    ground: Array | None = None,
    root_offset: Array | None = None,
  ) -> CoordinateMap:
    """From a jaxid Model or MjModel; options as in the module docstring."""
    m = getattr(model, "mj_model", model)
    name_map, ground, root_offset = opensim_options(model, name_map, ground, root_offset)
    joints = {m.joint(j).name for j in range(m.njnt)}
    unknown = sorted(set(name_map) - joints)
    if unknown:
      raise InputError(
        f"name_map: joints {unknown} are not in the model; its joints are {sorted(joints)}."
      )
    dependent = {c.joint: c for c in coupling.couplings(m)}
    root, joints_, coupled, free_q0 = [], [], [], None
    for j in range(m.njnt):
      name, kind = m.joint(j).name, int(m.jnt_type[j])
      entry = name_map.get(name, name if kind != mujoco.mjtJoint.mjJNT_FREE else PELVIS)
      if entry is None:
        continue
      if kind == mujoco.mjtJoint.mjJNT_FREE:
        if free_q0 is not None:
          raise InputError(
            "model: more than one free joint; map the others' coordinates with"
            " name_map or set them to None."
          )
        root, free_q0 = _free_coordinates(m, j, entry, root_offset)
      elif kind == mujoco.mjtJoint.mjJNT_BALL:
        raise InputError(
          f"model: ball joint {name!r} has no OpenSim coordinates; set"
          f" name_map[{name!r}] = None to hold it at qpos0."
        )
      else:
        cname, scale = (entry, 1.0) if isinstance(entry, str) else (entry[0], float(entry[1]))
        k = "rotational" if kind == mujoco.mjtJoint.mjJNT_HINGE else "translational"
        coord = Coordinate(cname, name, k, int(m.jnt_qposadr[j]), int(m.jnt_dofadr[j]), scale)
        if name in dependent:
          coupled.append((coord, dependent[name]))
        else:
          joints_.append(coord)
    out = cls(m, root + joints_, coupled, free_q0, ground)
    names = [c.name for c in out.coordinates + out.coupled_coordinates]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
      raise InputError(f"name_map: coordinate names {dup} are used by more than one joint.")
    return out

  def os_to_mj(self, v: Array) -> np.ndarray:
    """OpenSim ground vectors (..., 3) in the model's MuJoCo world: ground @ v."""
    return os_to_mj(v, self.ground)

  def mj_to_os(self, v: Array) -> np.ndarray:
    """The model's MuJoCo world vectors (..., 3) in OpenSim's ground: ground' @ v."""
    return mj_to_os(v, self.ground)

  @property
  def names(self) -> tuple[str, ...]:
    """The independent coordinates' names, in file order."""
    return tuple(c.name for c in self.coordinates)

  @property
  def all_coordinates(self) -> tuple[Coordinate, ...]:
    """Independent coordinates, then the coupled ones."""
    return self.coordinates + self.coupled_coordinates

  @property
  def rotational(self) -> np.ndarray:
    """(n,) bool: which coordinates are angles."""
    return np.array([c.kind == "rotational" for c in self.coordinates])

  def index(self, name: str) -> int:
    """Position of a coordinate in self.names."""
    return self._index[name]

  def to_qpos(
    self, values: Array, xp: ModuleType = np, coupled_values: dict | None = None
  ) -> Array:
    """qpos (T, nq) from coordinate values (T, n) in self.names order (rad, m).

    xp: numpy or jax.numpy (differentiable in values). coupled_values: {name: (T,)} for coupled
    joints given by the file; the others follow their equality's polynomial.
    """
    values = xp.asarray(values)
    n = values.shape[0]
    cols: list = [None] * self.mj_model.nq
    free = {}
    for i, c in enumerate(self.coordinates):
      if c.free >= 0:
        free[c.free] = values[:, i]
        base = c.qpos
      else:
        cols[c.qpos] = values[:, i] * c.scale
    if free:
      pos, quat = pelvis.to_free(free, self.ground, self._free_offset, xp)
      cols[base : base + 7] = [pos[:, k] for k in range(3)] + [quat[:, k] for k in range(4)]
    given = dict(coupled_values or {})
    for coord in self.coupled_coordinates:
      if coord.name in given:
        cols[coord.qpos] = xp.asarray(given[coord.name], dtype=values.dtype) * coord.scale
    for q in range(self.mj_model.nq):
      if cols[q] is None:
        cols[q] = xp.full((n,), self.qpos0[q], dtype=values.dtype)
    # joints left out of the map, or given by the file, keep their values
    follow = {
      cp.joint for c, cp in zip(self.coupled_coordinates, self.coupled) if c.name not in given
    }
    keep = {c.joint for c in coupling.couplings(self.mj_model)} - follow
    return coupling.couple_kinematics(self.mj_model, xp.stack(cols, axis=1), given=keep)[0]

  def from_qpos(self, qpos: Array) -> np.ndarray:
    """Coordinate values (T, n) in self.names order (rad, m) from qpos (T, nq), NumPy."""
    qpos = np.atleast_2d(np.asarray(qpos, np.float64))
    out = np.zeros((qpos.shape[0], len(self.coordinates)))
    free = None
    for i, c in enumerate(self.coordinates):
      if c.free < 0:
        out[:, i] = qpos[:, c.qpos] / c.scale
      else:
        if free is None:
          free = pelvis.from_free(qpos[:, c.qpos : c.qpos + 7], self.ground, self._free_offset)
        out[:, i] = free[:, c.free]
    return out

  def coupled_from_qpos(self, qpos: Array) -> np.ndarray:
    """Values (T, ncoupled) of the coupled coordinates, in coupled_coordinates order."""
    qpos = np.atleast_2d(np.asarray(qpos, np.float64))
    return (
      np.stack([qpos[:, c.qpos] / c.scale for c in self.coupled_coordinates], axis=1)
      if self.coupled_coordinates
      else np.zeros((qpos.shape[0], 0))
    )

  def generalized_forces(
    self, qpos: Array, qfrc: Array, project: bool = True
  ) -> tuple[list[str], np.ndarray]:
    """(labels, values (T, n)): MuJoCo generalized forces (T, nv) as OpenSim's ID output.

    Hinge/slide: scale * qfrc[dof] as <name>_moment (N m) / <name>_force (N); the free joint:
    pelvis_t{x,y,z}_force and pelvis_{tilt,list,rotation}_moment (jaxid.kinematics.pelvis
    .free_forces). project: coupled joints' entries go to the joints they follow, G' qfrc
    (for MyoLeg OpenSim's knee_angle moment, free of the equality's constraint force), and get
    no column; project=False: every joint's own entry, coupled ones as extra columns.
    """
    qpos = np.atleast_2d(np.asarray(qpos, np.float64))
    qfrc = np.array(np.atleast_2d(np.asarray(qfrc, np.float64)), copy=True)
    if project:
      qfrc = self.project_coupled(qpos, qfrc)
    coords = self.coordinates if project else self.all_coordinates
    out = np.zeros((qpos.shape[0], len(coords)))
    free = None
    for i, c in enumerate(coords):
      if c.free < 0:
        out[:, i] = qfrc[:, c.dof] * c.scale
      else:
        if free is None:
          part, frc = qpos[:, c.qpos : c.qpos + 7], qfrc[:, c.dof : c.dof + 6]
          free = pelvis.free_forces(part, frc, self.ground, self._free_offset)
        out[:, i] = free[:, c.free]
    return [c.force_label for c in coords], out

  def project_coupled(self, qpos: Array, qfrc: Array) -> np.ndarray:
    """G' qfrc (T, nv): coupled joints' entries moved onto the joints they follow (then zero)."""
    qpos = np.atleast_2d(np.asarray(qpos, np.float64))
    return coupling.project_coupled(self.mj_model, qpos, np.atleast_2d(qfrc))

  def kinematics(
    self,
    values: Array,
    dt: float,
    cutoff: float | None = DEFAULT_CUTOFF,
    order: int = DEFAULT_ORDER,
    coupled_values: dict | None = None,
    xp: ModuleType = np,
  ) -> Kinematics:
    """Kinematics from coordinate values (T, n): filter the coordinates (as OpenSim's ID tool
    does), build qpos, then finite differences on the manifold. xp: numpy or jax.numpy
    (differentiable in values; dt, cutoff, order static)."""
    values = filtfilt(values, dt, cutoff, order, xp=xp)
    if coupled_values:
      coupled_values = {k: filtfilt(v, dt, cutoff, order, xp=xp) for k, v in coupled_values.items()}
    qpos = self.to_qpos(values, xp, coupled_values)
    return from_qpos.from_qpos(self.layout, qpos, dt, None, order, xp)

  def kinematics_jax(
    self,
    values: Array,
    dt: float,
    cutoff: float | None = DEFAULT_CUTOFF,
    order: int = DEFAULT_ORDER,
  ) -> Kinematics:
    """kinematics with xp=jax.numpy (trace it under jit)."""
    return self.kinematics(values, dt, cutoff, order, xp=jnp)

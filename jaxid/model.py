"""The jaxid Model: an MjModel prepared for inverse dynamics, with its two foot bodies
(loading by name or path: jaxid.models)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import jax
import mujoco
import numpy as np
from mujoco import mjx

from jaxid.errors import InputError
from jaxid.tree.constants import fingerprint

FOOT_NAMES = ("calcn_l", "calcn_r")


@jax.tree_util.register_pytree_node_class
class Model:
  """A model ready for inverse dynamics, and a pytree that jax.jit takes as an argument.

  mj_model: the MuJoCo C model (contact disabled; see jaxid.model.prepare)
  body_ids: (2,) ids of the left and right foot bodies, Python ints
  body_names: (2,) names of the left and right foot bodies
  coordinate_map: for a model loaded from an OpenSim .osim file, how its MuJoCo dofs (nv,) follow
    OpenSim's coordinates (ncoord,) (jaxid.models.osim.CoordinateMap: expand, project, columns);
    None for MJCF models
  mjx(): the same model on device for MJX, in the current default float precision
  folded(): what the tree backend's programs take instead (no arrays: the constants are folded)
  traced: True for a Model unflattened from tracers (one that is an argument of a user's jit)

  As a pytree the MJX model's arrays are the leaves and (mj_model, body_ids, body_names,
  coordinate_map) the static metadata, so one Model is one compilation per precision, shapes and options. The
  leaves are taken at flatten time in the precision then in effect (float64 under
  jax_enable_x64), as mjx() would give.
  """

  __slots__ = (
    *("_fingerprint", "_folded", "_mjx", "body_ids", "body_names", "coordinate_map", "mj_model"),
    "traced",
  )

  def __init__(
    self,
    mj_model: mujoco.MjModel,
    body_ids: tuple[int, ...],
    body_names: tuple[str, ...],
    coordinate_map: Any = None,
  ):
    self.mj_model = mj_model
    self.body_ids = tuple(int(b) for b in body_ids)
    self.body_names = tuple(body_names)
    self.coordinate_map = coordinate_map  # static (hashable, frozen): pytree metadata
    self._mjx: dict[bool, mjx.Model] = {}
    self._folded: Folded | None = None
    self._fingerprint: bytes | None = None  # of the constants, at the first call or flatten
    self.traced = False  # True for a Model unflattened from tracers (inside a user's jit)

  def __repr__(self) -> str:
    return f"Model({self.name!r}, body_names={self.body_names})"

  def mjx(self) -> mjx.Model:
    """The MJX model, float64 when jax_enable_x64 is on (cached per precision)."""
    x64 = bool(jax.config.jax_enable_x64)
    if x64 not in self._mjx:
      # Concrete even when first called inside a user's jit: a cached tracer would leak.
      with jax.ensure_compile_time_eval():
        self._mjx[x64] = mjx.put_model(self.mj_model)
    return self._mjx[x64]

  def check_unchanged(self) -> bytes:
    """The fingerprint of mj_model's constants (jaxid.tree.constants.FIELDS, OPTIONS), recorded
    at this Model's first call or flatten; InputError when they changed since: its programs and
    MJX model were built from the old ones, so a call would silently use them."""
    key = fingerprint(self.mj_model)
    if self._fingerprint is None:
      self._fingerprint = key
    elif key != self._fingerprint:
      raise InputError(
        "model: its mj_model changed after the model's first call (jaxid builds its programs"
        " from the constants once); edit a copy, copy.deepcopy(model.mj_model), and make a new"
        " jaxid.Model(mj_model, model.body_ids, model.body_names) from it."
      )
    return key

  def folded(self) -> Folded:
    """What the tree backend reads of this model (cached): its C model, foot bodies and the
    constants' fingerprint (new constants, a new program). Callers check the model first
    (api._prepare, tree_flatten), so the digest runs once per call."""
    if self._folded is None:
      key = self._fingerprint if self._fingerprint is not None else self.check_unchanged()
      self._folded = Folded(self.mj_model, self.body_ids, key)
    return self._folded

  @property
  def mjx_model(self) -> mjx.Model:
    """The MJX model (as mjx())."""
    return self.mjx()

  @property
  def name(self) -> str:
    """The MJCF model name."""
    return bytes(self.mj_model.names).split(b"\0", 1)[0].decode()

  @property
  def opensim_ground(self) -> np.ndarray | None:
    """v_MuJoCo = G v_OpenSim: the identity for an .osim twin (its world is OpenSim's ground),
    None (the default of jaxid.models.opensim_names) otherwise."""
    return None if self.coordinate_map is None else np.eye(3)

  def tree_flatten(self) -> tuple[tuple[mjx.Model], tuple]:
    """Leaves: the MJX model; metadata: the C model, the foot bodies, the coordinate map and the
    constants' fingerprint (InputError when mj_model was edited since: check_unchanged)."""
    key = self.check_unchanged()
    return (self.mjx(),), (self.mj_model, self.body_ids, self.body_names, self.coordinate_map, key)

  @classmethod
  def tree_unflatten(cls, aux: tuple, children: tuple) -> Model:
    """A Model whose mjx() is the given (possibly traced) MJX model."""
    model = cls(*aux[:4])
    model._fingerprint = aux[4]
    model._mjx[bool(jax.config.jax_enable_x64)] = children[0]
    model.traced = any(isinstance(x, jax.core.Tracer) for x in jax.tree.leaves(children))
    return model


@functools.partial(
  jax.tree_util.register_dataclass,
  data_fields=[],
  meta_fields=["mj_model", "body_ids", "fingerprint"],
)
@dataclasses.dataclass(frozen=True)
class Folded:
  """A Model as the tree backend sees it: the C model (its constants are folded into the program
  at trace time), the foot body ids and the constants' fingerprint, as pytree metadata with no
  leaves, so a jitted call flattens no MJX arrays (0.2 ms a flatten, measured). Equal for the
  same C model, feet and constants."""

  mj_model: mujoco.MjModel
  body_ids: tuple[int, ...]
  fingerprint: bytes


def body_ids(mj_model: mujoco.MjModel, body_names=FOOT_NAMES) -> tuple[int, ...]:
  """Ids of the named bodies; InputError listing the model's bodies when one is missing."""
  ids = tuple(mujoco.mj_name2id(mj_model, mujoco.mjtObj.mjOBJ_BODY, n) for n in body_names)
  missing = [n for n, i in zip(body_names, ids) if i < 0]
  if missing:
    have = [mj_model.body(i).name for i in range(mj_model.nbody)]
    raise InputError(f"body_names: {missing} not in the model; its bodies are {have}.")
  return ids


def prepare(mj_model: mujoco.MjModel) -> mujoco.MjModel:
  """Disable contact: measured ground reaction forces stand in for contact forces.

  With contact enabled, mj_inverse would add qfrc_constraint from foot-floor penetration, so
  joint forces would depend on where the feet happen to be relative to the floor.
  """
  mj_model.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT
  return mj_model


def check_equalities(mj_model: mujoco.MjModel) -> None:
  """InputError naming the first active connect or weld equality: their constraint forces
  would enter the joint torques with no external wrench to show for them (jaxid's contact_force
  and the MuJoCo C oracle disagree on such models), so they are refused, not approximated.
  Joint equalities (couplings such as MyoLeg's knee) are supported."""
  refused = {int(mujoco.mjtEq.mjEQ_CONNECT): "connect", int(mujoco.mjtEq.mjEQ_WELD): "weld"}
  for i in range(mj_model.neq):
    kind = refused.get(int(mj_model.eq_type[i]))
    if kind and mj_model.eq_active0[i]:
      name = mj_model.equality(i).name or f"#{i}"
      raise InputError(
        f"mj_model: the {kind} equality {name!r} is not supported (only joint equalities are);"
        ' remove it or set active="false" in the MJCF.'
      )


def foot_names(body_names) -> tuple[str, str]:
  """Two distinct body names, neither the world; InputError naming body_names otherwise."""
  if isinstance(body_names, str | bytes):
    raise InputError(
      f"body_names: expected two body names (left, right), got the string {body_names!r}."
    )
  names = tuple(body_names)
  if len(names) != 2 or not all(isinstance(n, str) for n in names):
    raise InputError(f"body_names: expected two foot bodies (left, right), got {body_names!r}.")
  if names[0] == names[1]:
    raise InputError(f"body_names: expected two different bodies, got {names[0]!r} twice.")
  if "world" in names:
    raise InputError(
      "body_names: the world body cannot carry a foot load (MuJoCo ignores wrenches on it)."
    )
  return names


def from_mj_model(
  mj_model: mujoco.MjModel, body_names=FOOT_NAMES, coordinate_map: Any = None
) -> Model:
  """Wrap an existing MjModel (contact is disabled on it in place); coordinate_map: an .osim
  twin's jaxid.models.osim.CoordinateMap (None for MJCF models)."""
  names = foot_names(body_names)
  ids = body_ids(mj_model, names)
  if 0 in ids:
    raise InputError(
      "body_names: the world body cannot carry a foot load (MuJoCo ignores wrenches on it)."
    )
  check_equalities(mj_model)
  return Model(prepare(mj_model), ids, names, coordinate_map)

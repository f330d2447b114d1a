"""Exact pruning of any MJCF for inverse dynamics: remove what cannot change qfrc_inverse.

``prune_for_inverse`` (see docs/models.md) removes:

- actuators (muscles included): mj_inverse never reads qfrc_actuator; kept only when one has
  damping or armature, which enter the passive force and the mass matrix;
- tendons no longer used by a kept element, unless they have stiffness, damping, armature or
  friction loss (passive/constraint forces), a limit (a constraint) or appear in an equality;
- sensors: they read the state, never write forces (and MJX's sensor_acc fails on touch
  sensors once contact is disabled);
- contact: every pair and exclude, every geom's contype/conaffinity set to 0, and visual-only
  geoms (not colliding, not referenced) removed with their materials, textures and meshes;
  a body whose inertia came from a removed geom keeps it as an explicit inertial;
- sites that only served removed elements (muscle path points, sensor sites).

Bodies, inertias, joints (limits, damping, armature, springs), equality constraints, options,
gravity and the solver parameters are left as they are.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import warnings

import mujoco
import numpy as np

from jaxid.errors import InputError


@dataclasses.dataclass(frozen=True)
class PruneReport:
  """What prune_spec removed or changed (counts) and what it kept that it would have removed."""

  actuators: int = 0
  tendons: int = 0
  sensors: int = 0
  pairs: int = 0
  excludes: int = 0
  geoms_removed: int = 0
  geoms_noncolliding: int = 0
  sites: int = 0
  meshes: int = 0
  kept: dict = dataclasses.field(default_factory=dict)  # element name -> why it was kept

  def __str__(self) -> str:
    counts = ", ".join(
      f"{f.name} {getattr(self, f.name)}" for f in dataclasses.fields(self) if f.name != "kept"
    )
    kept = "; ".join(f"{k}: {v}" for k, v in self.kept.items()) or "nothing"
    return f"removed/changed: {counts}; kept: {kept}"


class PruneWarning(UserWarning):
  """prune_for_inverse kept an element that it normally removes, because it enters dynamics."""


def compile_spec(spec: mujoco.MjSpec) -> mujoco.MjModel:
  """spec.compile(), without myo-sim's empty-prefix warning."""
  with warnings.catch_warnings():
    # myo-sim attaches its fragments with an empty prefix; harmless here.
    warnings.filterwarnings("ignore", message=".*empty prefix.*")
    return spec.compile()


def _nonzero(*xs) -> bool:
  return any(bool(np.any(np.asarray(x) != 0)) for x in xs)


def _tendon_reason(m: mujoco.MjModel, t: int) -> str:
  props = [
    name
    for name, v in (
      ("stiffness", (m.tendon_stiffness[t], m.tendon_stiffnesspoly[t])),
      ("damping", (m.tendon_damping[t], m.tendon_dampingpoly[t])),
      ("armature", (m.tendon_armature[t],)),
      ("frictionloss", (m.tendon_frictionloss[t],)),
      ("limit", (m.tendon_limited[t],)),
    )
    if _nonzero(*v)
  ]
  return ", ".join(props)


def _wrap_sites(m: mujoco.MjModel, t: int) -> set[int]:
  """Sites a tendon's path uses: path sites and the side sites of wrapping geoms."""
  out = set()
  for w in range(m.tendon_adr[t], m.tendon_adr[t] + m.tendon_num[t]):
    if m.wrap_type[w] == mujoco.mjtWrap.mjWRAP_SITE:
      out.add(int(m.wrap_objid[w]))
    elif (
      m.wrap_type[w] in (mujoco.mjtWrap.mjWRAP_SPHERE, mujoco.mjtWrap.mjWRAP_CYLINDER)
      and m.wrap_prm[w] >= 0
    ):
      out.add(int(m.wrap_prm[w]))
  return out


def _actuator_sites(m: mujoco.MjModel, a: int) -> set[int]:
  trn = m.actuator_trntype[a]
  if trn == mujoco.mjtTrn.mjTRN_SITE:
    return {int(i) for i in m.actuator_trnid[a] if i >= 0}
  if trn == mujoco.mjtTrn.mjTRN_SLIDERCRANK:
    return {int(m.actuator_trnid[a, 1])}
  return set()


def _sensor_sites(m: mujoco.MjModel, s: int) -> set[int]:
  out = set()
  for typ, i in (
    (m.sensor_objtype[s], m.sensor_objid[s]),
    (m.sensor_reftype[s], m.sensor_refid[s]),
  ):
    if typ == mujoco.mjtObj.mjOBJ_SITE and i >= 0:
      out.add(int(i))
  return out


def _fluid_uses_geoms(m: mujoco.MjModel) -> bool:
  return (m.opt.density > 0 or m.opt.viscosity > 0) and _nonzero(m.geom_fluid[:, 0])


def prune_spec(spec: mujoco.MjSpec, warn: bool = True) -> PruneReport:
  """Prune an MjSpec in place for inverse dynamics (see the module docstring); return a report.

  warn: emit a PruneWarning naming each actuator or tendon kept because it enters dynamics.
  """
  m = compile_spec(spec)
  kept: dict[str, str] = {}

  # Actuators: only their damping and armature enter mj_inverse (passive force, mass matrix).
  keep_act = set()
  for a in range(m.nu):
    props = [
      n
      for n, v in (
        ("damping", (m.actuator_damping[a], m.actuator_dampingpoly[a])),
        ("armature", (m.actuator_armature[a],)),
      )
      if _nonzero(*v)
    ]
    if props:
      keep_act.add(a)
      kept[f"actuator {m.actuator(a).name or a}"] = ", ".join(props)

  # Tendons: kept when they carry passive or constraint forces, or a kept element uses them.
  keep_ten = set()
  for t in range(m.ntendon):
    reason = _tendon_reason(m, t)
    if reason:
      keep_ten.add(t)
      kept[f"tendon {m.tendon(t).name or t}"] = reason
  for e in range(m.neq):
    if m.eq_type[e] == mujoco.mjtEq.mjEQ_TENDON:
      for t in (m.eq_obj1id[e], m.eq_obj2id[e]):
        if t >= 0 and t not in keep_ten:
          keep_ten.add(int(t))
          kept[f"tendon {m.tendon(t).name or t}"] = f"in equality {m.equality(e).name or e}"
  for a in keep_act:
    if m.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_TENDON:
      t = int(m.actuator_trnid[a, 0])
      if t not in keep_ten:
        keep_ten.add(t)
        kept[f"tendon {m.tendon(t).name or t}"] = f"used by kept actuator {m.actuator(a).name}"

  # Sites used only by removed elements.
  removed_sites, kept_sites = set(), set()
  for t in range(m.ntendon):
    (kept_sites if t in keep_ten else removed_sites).update(_wrap_sites(m, t))
  for a in range(m.nu):
    (kept_sites if a in keep_act else removed_sites).update(_actuator_sites(m, a))
  for s in range(m.nsensor):
    removed_sites.update(_sensor_sites(m, s))
  for e in range(m.neq):
    if m.eq_objtype[e] == mujoco.mjtObj.mjOBJ_SITE:
      kept_sites.update(int(i) for i in (m.eq_obj1id[e], m.eq_obj2id[e]) if i >= 0)
  drop_sites = removed_sites - kept_sites

  if warn:
    for name, why in kept.items():
      warnings.warn(
        f"prune_for_inverse kept {name}: {why} enters inverse dynamics.", PruneWarning, stacklevel=3
      )

  doomed = (  # selected just before their deletion, in this order
    ("actuators", lambda: [x for x in spec.actuators if x.id not in keep_act]),
    ("sensors", lambda: list(spec.sensors)),
    ("tendons", lambda: [x for x in spec.tendons if x.id not in keep_ten]),
    ("pairs", lambda: list(spec.pairs)),
    ("excludes", lambda: list(spec.excludes)),
    ("sites", lambda: [x for x in spec.sites if x.id in drop_sites]),
  )
  counts = {}
  for kind, select in doomed:
    elements = select()
    for x in elements:
      spec.delete(x)
    counts[kind] = len(elements)
  if counts["actuators"]:
    for key in spec.keys:  # keyframes sized for the removed actuators: back to the defaults
      key.ctrl, key.act = [], []

  # Geoms: visual-only ones (and then-unused meshes, materials, textures) are discarded, with
  # inertia inferred from them adopted as explicit; every remaining geom stops colliding.
  geoms_removed = meshes = 0
  if not _fluid_uses_geoms(m):
    n_geom, n_mesh = len(spec.geoms), len(spec.meshes)
    spec.discard_visual()
    geoms_removed, meshes = n_geom - len(spec.geoms), n_mesh - len(spec.meshes)
  noncolliding = 0
  for g in spec.geoms:
    if g.contype or g.conaffinity:
      g.contype, g.conaffinity = 0, 0
      noncolliding += 1
  return PruneReport(
    geoms_removed=geoms_removed, geoms_noncolliding=noncolliding, meshes=meshes, kept=kept, **counts
  )


def _prune_model(m: mujoco.MjModel) -> mujoco.MjModel:
  """An MjModel cannot lose elements: switch off what prune_spec would remove, in a copy."""
  m = copy.copy(m)
  m.geom_contype[:] = 0
  m.geom_conaffinity[:] = 0
  m.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT  # explicit pairs ignore contype
  m.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_SENSOR
  return m


def prune_for_inverse(
  source: mujoco.MjSpec | mujoco.MjModel | str | os.PathLike,
  warn: bool = True,
  report: bool = False,
) -> mujoco.MjModel | tuple[mujoco.MjModel, PruneReport | None]:
  """The model of `source` with everything that cannot change qfrc_inverse removed.

  source: an MjSpec (copied, not changed), an MJCF path, or an MjModel. An MjModel has no
  editable structure: its copy gets contact and sensors switched off (contype/conaffinity 0,
  mjDSBL_CONTACT, mjDSBL_SENSOR) and keeps its actuators and tendons, so for the full pruning
  and its compile-time gain pass the MjSpec or the path.
  warn: PruneWarning for each tendon or actuator kept because it enters dynamics.
  report: also return the PruneReport (None for an MjModel).
  Returns the pruned MjModel, or (MjModel, PruneReport) with report=True.
  """
  if isinstance(source, mujoco.MjModel):
    out, rep = _prune_model(source), None
  else:
    if isinstance(source, mujoco.MjSpec):
      spec = source.copy()
    elif isinstance(source, (str, os.PathLike)):
      if not os.path.exists(source):
        raise InputError(
          f"source: expected an MjSpec, an MjModel or an MJCF path, got the path"
          f" {os.fspath(source)!r}, which does not exist."
        )
      spec = mujoco.MjSpec.from_file(os.fspath(source))
    else:
      raise InputError(
        f"source: expected an MjSpec, an MjModel or an MJCF path, got {type(source).__name__}."
      )
    rep = prune_spec(spec, warn=warn)
    out = compile_spec(spec)
  return (out, rep) if report else out

"""MyoLeg from myo-sim, and exact pruning of any MJCF for inverse dynamics.

MyoLeg (myo-sim, Apache-2.0; derived from Rajagopal et al. 2016) is composed with myo-sim's own
builder, ``myo_sim.build.compose.build_spec("myolegs")``: a passive torso scaffold on a free
root, 29 joints (34 dofs), 80 muscles on 80 spatial tendons with wrapping, 4 touch sensors and
14 joint equality constraints that couple the knee's and patella's secondary joints to
knee_angle_{r,l}. It needs the optional extra: ``pip install "jaxid[myo]"``.

``prune_for_inverse`` removes what cannot change ``qfrc_inverse`` (see docs/models.md):

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

import jax
import jax.numpy as jnp
import mujoco
import numpy as np

from jaxid.errors import InputError

MYO_SIM_VERSION = "0.2.3"  # tested; 0.2.4 pins mujoco<4, which jaxid (mujoco 4.0) cannot use
INSTALL_HINT = 'pip install "jaxid[myo]"'

# MyoLeg joint -> the OpenSim (Rajagopal 2016) coordinate of each of its dofs, in dof order.
# The free root's dofs are (x, y, z) translations in MuJoCo's world and (x, y, z) rotations in
# the root frame; MyoLeg's world is z-up with the model facing -y, OpenSim's ground is y-up
# facing +x, so root dof k corresponds to MYOLEG_ROOT_SIGNS[k] * that coordinate (translations
# exactly, rotations to first order: the Z-X-Y pelvis angles convert through quaternions).
MYOLEG_COORDINATES: dict[str, tuple[str, ...]] = {
  "root": ("pelvis_tz", "pelvis_tx", "pelvis_ty", "pelvis_tilt", "pelvis_list", "pelvis_rotation"),
  **{
    f"{c}_{s}": (f"{c}_{s}",)
    for s in "rl"
    for c in (
      "hip_flexion",
      "hip_adduction",
      "hip_rotation",
      "knee_angle",
      "ankle_angle",
      "subtalar_angle",
      "mtp_angle",
    )
  },
}
MYOLEG_ROOT_SIGNS = (-1, -1, 1, -1, -1, 1)

# MyoLeg joints that are no OpenSim coordinate: functions of knee_angle_{r,l} (OpenSim's knee
# spline transforms and the patellofemoral knee_angle_beta coupler), held by joint equality
# constraints (polynomials of the knee angle). joint -> the joint it follows.
MYOLEG_COUPLED: dict[str, str] = {
  f"knee_angle_{j}_{s}": f"knee_angle_{s}"
  for s in "rl"
  for j in (
    "translation2",
    "translation1",
    "rotation2",
    "rotation3",
    "beta_translation2",
    "beta_translation1",
    "beta_rotation1",
  )
}


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


def _compile(spec: mujoco.MjSpec) -> mujoco.MjModel:
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
    elif m.wrap_type[w] in (mujoco.mjtWrap.mjWRAP_SPHERE, mujoco.mjtWrap.mjWRAP_CYLINDER):
      if m.wrap_prm[w] >= 0:
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
  m = _compile(spec)
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

  counts = dict(actuators=0, tendons=0, sensors=0, pairs=0, excludes=0, sites=0)
  for a in [x for x in spec.actuators if x.id not in keep_act]:
    spec.delete(a)
    counts["actuators"] += 1
  for s in list(spec.sensors):
    spec.delete(s)
    counts["sensors"] += 1
  for t in [x for x in spec.tendons if x.id not in keep_ten]:
    spec.delete(t)
    counts["tendons"] += 1
  for p in list(spec.pairs):
    spec.delete(p)
    counts["pairs"] += 1
  for x in list(spec.excludes):
    spec.delete(x)
    counts["excludes"] += 1
  for s in [x for x in spec.sites if x.id in drop_sites]:
    spec.delete(s)
    counts["sites"] += 1
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


def prune_for_inverse(source, warn: bool = True, report: bool = False):
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
    out = _compile(spec)
  return (out, rep) if report else out


def _compose():
  try:
    from myo_sim.build.compose import build_spec
  except ImportError as exc:
    raise ImportError(
      f"MyoLeg needs the myo-sim package: {INSTALL_HINT} (myo-sim=={MYO_SIM_VERSION})."
    ) from exc
  return build_spec


def myolegs_spec() -> mujoco.MjSpec:
  """MyoLeg as myo-sim composes it (unpruned, uncompiled): myo_sim's build_spec("myolegs")."""
  return _compose()("myolegs")


def load_myolegs_mj(prune: bool = True) -> mujoco.MjModel:
  """MyoLeg's MjModel, pruned for inverse dynamics (prune=False: as myo-sim composes it).

  Contact is not disabled here; jaxid.model.prepare (through load_model) does it.
  """
  spec = myolegs_spec()
  if not prune:
    return _compile(spec)
  prune_spec(spec)
  return _compile(spec)


def load_myolegs(prune: bool = True):
  """MyoLeg as a jaxid.Model (feet calcn_l, calcn_r), pruned and with contact disabled."""
  from jaxid import model as model_lib

  return model_lib.from_mj_model(load_myolegs_mj(prune))


def dof_coordinates(mj_model: mujoco.MjModel) -> list[str | None]:
  """OpenSim coordinate of each dof of a MyoLeg model (None for a coupled or unknown joint)."""
  out: list[str | None] = [None] * mj_model.nv
  for j in range(mj_model.njnt):
    coords = MYOLEG_COORDINATES.get(mj_model.joint(j).name)
    if coords:
      adr = int(mj_model.jnt_dofadr[j])
      out[adr : adr + len(coords)] = coords
  return out


def _joint_couplings(mj_model: mujoco.MjModel):
  """Active joint equality constraints as (dependent joint, independent joint or -1, coefs)."""
  out = []
  for e in range(mj_model.neq):
    if mj_model.eq_type[e] != mujoco.mjtEq.mjEQ_JOINT or not mj_model.eq_active0[e]:
      continue
    out.append(
      (
        int(mj_model.eq_obj1id[e]),
        int(mj_model.eq_obj2id[e]),
        np.array(mj_model.eq_data[e, :5], float),
      )
    )
  dependent = {c[0] for c in out}
  chained = [mj_model.joint(j2).name for _, j2, _ in out if j2 in dependent]
  if chained:
    raise InputError(
      f"mj_model: joint equality chains are not supported; joints {chained} are"
      " both coupled and coupled to."
    )
  return out


def _poly(c, x):
  """p(x), p'(x), p''(x) of MuJoCo's joint coupling polynomial sum_k c[k] x**k."""
  p = c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * c[4])))
  dp = c[1] + x * (2 * c[2] + x * (3 * c[3] + x * 4 * c[4]))
  ddp = 2 * c[2] + x * (6 * c[3] + x * 12 * c[4])
  return p, dp, ddp


def couple_kinematics(mj_model: mujoco.MjModel, qpos, qvel=None, qacc=None):
  """Set each joint that a joint equality constraint couples from the joint it follows.

  q1 = q1_0 + p(x), qvel1 = p'(x) qvel2, qacc1 = p'(x) qacc2 + p''(x) qvel2**2 with
  x = q2 - q2_0 (MuJoCo's joint equality; for MyoLeg the knee's and patella's secondary joints
  from knee_angle). Arrays have leading axes (..., nq) / (..., nv); copies are returned:
  (qpos, qvel, qacc), with None for an argument that was None.
  """
  m = mj_model
  qpos = np.array(qpos, float, copy=True)
  qvel = None if qvel is None else np.array(qvel, float, copy=True)
  qacc = None if qacc is None else np.array(qacc, float, copy=True)
  for j1, j2, c in _joint_couplings(m):
    q1, v1 = int(m.jnt_qposadr[j1]), int(m.jnt_dofadr[j1])
    if j2 < 0:
      x, v2, a2 = 0.0, 0.0, 0.0
    else:
      q2, v2i = int(m.jnt_qposadr[j2]), int(m.jnt_dofadr[j2])
      x = qpos[..., q2] - m.qpos0[q2]
      v2 = 0.0 if qvel is None else qvel[..., v2i]
      a2 = 0.0 if qacc is None else qacc[..., v2i]
    p, dp, ddp = _poly(c, x)
    qpos[..., q1] = m.qpos0[q1] + p
    if qvel is not None:
      qvel[..., v1] = dp * v2
    if qacc is not None:
      qacc[..., v1] = dp * a2 + ddp * v2 * v2
  return qpos, qvel, qacc


def project_coupled(mj_model: mujoco.MjModel, qpos, qfrc):
  """Generalized forces on the independent coordinates: G' qfrc, with G = dq/dq_independent.

  Each coupled dof's entry times p'(x) is added to the joint it follows, and set to 0. For
  MyoLeg this gives the OpenSim knee_angle moment. It removes the joint equality constraint
  forces exactly (G' J' = 0), so the result does not depend on their solref/solimp, unlike the
  raw entries of qfrc_inverse on the knee and its coupled dofs. qpos (..., nq), qfrc (..., nv).
  NumPy in, NumPy out (float64); JAX arrays in (or tracers: under jit, grad, vmap), JAX out.
  """
  m = mj_model
  if isinstance(qfrc, jax.Array) or isinstance(qpos, jax.Array):
    out = src = jnp.asarray(qfrc)
    for j1, j2, c in _joint_couplings(m):
      v1 = int(m.jnt_dofadr[j1])
      if j2 >= 0:
        q2, v2 = int(m.jnt_qposadr[j2]), int(m.jnt_dofadr[j2])
        coef = [float(x) for x in c]  # Python floats: weakly typed, keep qfrc's dtype
        dp = _poly(coef, jnp.asarray(qpos)[..., q2] - float(m.qpos0[q2]))[1]
        out = out.at[..., v2].add(dp * src[..., v1])  # no chains: src[v1] is never updated
      out = out.at[..., v1].set(0.0)
    return out
  qpos = np.asarray(qpos, float)
  out = np.array(qfrc, float, copy=True)
  for j1, j2, c in _joint_couplings(m):
    v1 = int(m.jnt_dofadr[j1])
    if j2 >= 0:
      q2, v2 = int(m.jnt_qposadr[j2]), int(m.jnt_dofadr[j2])
      dp = _poly(c, qpos[..., q2] - m.qpos0[q2])[1]
      out[..., v2] += dp * np.asarray(qfrc, float)[..., v1]
    out[..., v1] = 0.0
  return out

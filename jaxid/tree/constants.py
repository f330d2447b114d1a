"""The MjModel's constants the tree backend folds, as Python floats and ints (built once per
MjModel, cached): bodies in tree order, their joints, inertias, passive and constraint terms."""

from __future__ import annotations

import dataclasses
import hashlib
import weakref

import mujoco
import numpy as np


def constant(x) -> tuple:
  """A NumPy array as nested tuples of Python floats."""
  if getattr(x, "ndim", 0) == 0:
    return float(x)
  return tuple(constant(v) for v in x)


HINGE, SLIDE = int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE)
BALL, FREE = int(mujoco.mjtJoint.mjJNT_BALL), int(mujoco.mjtJoint.mjJNT_FREE)
DOFS = {HINGE: 1, SLIDE: 1, BALL: 3, FREE: 6}


@dataclasses.dataclass(frozen=True)
class Joint:
  """One joint: type, qpos and dof addresses, frame in its body (pos, axis), qpos0."""

  type: int
  qadr: int
  dadr: int
  pos: tuple
  axis: tuple
  qpos0: tuple


@dataclasses.dataclass(frozen=True)
class Body:
  """One body: parent, rest frame in the parent (pos, rotation matrix), joints, inertia."""

  parent: int
  root: int
  pos: tuple
  rot: tuple
  joints: tuple[Joint, ...]
  mass: float
  ipos: tuple
  irot: tuple
  inertia: tuple


@dataclasses.dataclass(frozen=True)
class Row:
  """One constraint row: J = [(dof, coef)...] built at run time; soft-constraint parameters."""

  kind: str  # "joint" (equality) or "limit"
  solref: tuple
  solimp: tuple
  invweight: float
  data: tuple  # equality: (qadr1, dadr1, qref1, qadr2|-1, dadr2, qref2, poly[5]); limit: see below


@dataclasses.dataclass(frozen=True)
class Tree:
  """Everything the straight-line RNEA reads from the model."""

  nq: int
  nv: int
  bodies: tuple[Body, ...]  # index = body id; bodies[0] is the world
  gravity: tuple
  armature: tuple
  damping: tuple
  springs: tuple  # (type, qadr, dadr, stiffness, qpos_spring (tuple)) per joint with stiffness
  rows: tuple[Row, ...]
  refsafe: bool
  timestep: float
  free_root: bool


def _joint(m: mujoco.MjModel, j: int) -> Joint:
  t, a = int(m.jnt_type[j]), int(m.jnt_qposadr[j])
  n = {HINGE: 1, SLIDE: 1, BALL: 4, FREE: 7}[t]
  return Joint(
    t, a, int(m.jnt_dofadr[j]), constant(m.jnt_pos[j]), constant(m.jnt_axis[j]),
    constant(m.qpos0[a : a + n]),
  )  # fmt: skip


def _rot(q) -> tuple:
  mat = np.zeros(9)
  mujoco.mju_quat2Mat(mat, np.asarray(q, dtype=float))
  return constant(mat.reshape(3, 3))


def _joint_row(m: mujoco.MjModel, i: int) -> Row:
  """Equality row i (a joint coupling): q1 - q1_0 = poly(q2 - q2_0), or q1 = q1_0 + c0."""
  j1, j2 = int(m.eq_obj1id[i]), int(m.eq_obj2id[i])
  a1, d1 = int(m.jnt_qposadr[j1]), int(m.jnt_dofadr[j1])
  a2, d2 = (int(m.jnt_qposadr[j2]), int(m.jnt_dofadr[j2])) if j2 >= 0 else (-1, -1)
  w = float(m.dof_invweight0[d1]) + (float(m.dof_invweight0[d2]) if j2 >= 0 else 0.0)
  data = (a1, d1, float(m.qpos0[a1]), a2, d2, float(m.qpos0[a2]) if j2 >= 0 else 0.0)
  data += (constant(m.eq_data[i, :5]),)
  return Row("joint", constant(m.eq_solref[i]), constant(m.eq_solimp[i]), w, data)


def _limit_row(m: mujoco.MjModel, j: int) -> Row:
  """Joint j's limit row."""
  a, d = int(m.jnt_qposadr[j]), int(m.jnt_dofadr[j])
  data = (a, d, *constant(m.jnt_range[j]), float(m.jnt_margin[j]))
  return Row("limit", constant(m.jnt_solref[j]), constant(m.jnt_solimp[j]),
             float(m.dof_invweight0[d]), data)  # fmt: skip


def _rows(m: mujoco.MjModel) -> tuple[Row, ...]:
  off = m.opt.disableflags
  if off & (mujoco.mjtDisableBit.mjDSBL_CONSTRAINT):
    return ()
  joint = () if off & mujoco.mjtDisableBit.mjDSBL_EQUALITY else tuple(
    _joint_row(m, int(i))
    for i in np.nonzero((m.eq_type == mujoco.mjtEq.mjEQ_JOINT) & m.eq_active0)[0]
  )  # fmt: skip
  limit = () if off & mujoco.mjtDisableBit.mjDSBL_LIMIT else tuple(
    _limit_row(m, int(j)) for j in np.nonzero(m.jnt_limited)[0]
  )  # fmt: skip
  return joint + limit


def _body(m: mujoco.MjModel, b: int) -> Body:
  j0, nj = int(m.body_jntadr[b]), int(m.body_jntnum[b])
  return Body(
    parent=int(m.body_parentid[b]), root=int(m.body_rootid[b]),
    pos=constant(m.body_pos[b]), rot=_rot(m.body_quat[b]),
    joints=tuple(_joint(m, j) for j in range(j0, j0 + nj)),
    mass=float(m.body_mass[b]), ipos=constant(m.body_ipos[b]), irot=_rot(m.body_iquat[b]),
    inertia=constant(m.body_inertia[b]),
  )  # fmt: skip


def _spring(m: mujoco.MjModel, j: int) -> tuple:
  """(type, qposadr, dofadr, stiffness, qpos_spring) of joint j."""
  t, a = int(m.jnt_type[j]), int(m.jnt_qposadr[j])
  n = {HINGE: 1, SLIDE: 1, BALL: 4, FREE: 7}[t]
  return (t, a, int(m.jnt_dofadr[j]), float(m.jnt_stiffness[j]), constant(m.qpos_spring[a : a + n]))


def build(m: mujoco.MjModel) -> Tree:
  """The Tree of an MjModel (see unsupported() for what it must not have)."""
  off = m.opt.disableflags
  springs = () if off & mujoco.mjtDisableBit.mjDSBL_SPRING else tuple(
    _spring(m, int(j)) for j in np.nonzero(m.jnt_stiffness)[0]
  )  # fmt: skip
  no_damp = bool(off & mujoco.mjtDisableBit.mjDSBL_DAMPER)
  gravity = (0.0,) * 3 if off & mujoco.mjtDisableBit.mjDSBL_GRAVITY else constant(m.opt.gravity)
  return Tree(
    nq=m.nq, nv=m.nv, bodies=tuple(_body(m, b) for b in range(m.nbody)), gravity=gravity,
    armature=constant(m.dof_armature), damping=(0.0,) * m.nv if no_damp else constant(m.dof_damping),
    springs=springs, rows=_rows(m),
    refsafe=not off & mujoco.mjtDisableBit.mjDSBL_REFSAFE, timestep=float(m.opt.timestep),
    free_root=m.njnt > 0 and int(m.jnt_type[0]) == FREE,
  )  # fmt: skip


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# Every MjModel array and option that build() and jaxid.tree.support read.
FIELDS = (
  *("body_inertia", "body_ipos", "body_iquat", "body_jntadr", "body_jntnum", "body_mass"),
  *("body_parentid", "body_pos", "body_quat", "body_rootid", "dof_armature", "dof_damping"),
  *("dof_frictionloss", "dof_invweight0", "eq_active0", "eq_data", "eq_obj1id", "eq_obj2id"),
  *("eq_solimp", "eq_solref", "eq_type", "jnt_axis", "jnt_dofadr", "jnt_limited", "jnt_margin"),
  *("jnt_pos", "jnt_qposadr", "jnt_range", "jnt_solimp", "jnt_solref", "jnt_stiffness"),
  *("jnt_type", "qpos0", "qpos_spring"),
)
OPTIONS = ("gravity", "timestep", "density", "viscosity", "disableflags", "enableflags")


def fingerprint(m: mujoco.MjModel) -> bytes:
  """A digest of the constants the tree backend folds (FIELDS, OPTIONS): about 20 us (bundled)
  to 30 us (MyoLeg). Compared only for one MjModel, whose array sizes cannot change."""
  h = hashlib.blake2b(digest_size=16)
  for name in FIELDS:
    h.update(getattr(m, name).tobytes())
  o = m.opt
  h.update(np.array([*o.gravity, o.timestep, o.density, o.viscosity], np.float64).tobytes())
  h.update(np.array([o.disableflags, o.enableflags], np.int64).tobytes())
  return h.digest()


def tree_of(m: mujoco.MjModel) -> Tree:
  """build(m), cached per MjModel and rebuilt when its constants changed (fingerprint)."""
  key = fingerprint(m)
  hit = _CACHE.get(m)
  if hit is None or hit[0] != key:
    hit = _CACHE[m] = (key, build(m))
  return hit[1]

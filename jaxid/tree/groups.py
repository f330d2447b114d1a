"""The RNEA over groups of bodies: each scalar of jaxid.tree.rnea an (n, ...) array of n bodies.

A group is the bodies of one depth with the same parent group and the same joint types in the
same order (two legs: each segment pair is a group), so the sweeps run group by group instead of
body by body and emit fewer, wider ops, with no padding. Every op is elementwise on equal shapes;
rows move between groups by static slices only. The frame axes (...) are the lanes, as in rnea.

  - kinematics: per group, each joint slot applied to all its bodies at once;
  - cvel, cdof_dot = cvel x cdof (cvel before the joint; a free joint's rotations see its
    translations, whose cdof_dot is 0), cacc - gravity: per group from the parent rows;
  - net = I cacc + cvel x* I cvel - ext, cfrc = net + the children's cfrc; qfrc = cdof . cfrc.

pose() hands the same frames to rnea's scalar stages (crb, the feet, cfrc_ext) as rows.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

from jaxid.tree import scalar as s
from jaxid.tree.constants import BALL, FREE, HINGE, SLIDE, Tree
from jaxid.tree.rnea import EYE, ZERO3, Pose, force_cross, motion_cross, sadd

ZERO = (ZERO3, ZERO3)
NDOF = {HINGE: 1, SLIDE: 1, BALL: 3, FREE: 6}


@dataclasses.dataclass(frozen=True)
class Group:
  """Bodies with one parent group and one joint signature, swept as the rows of one array.

  bodies: (n,) body ids; joints: per slot, (n,) Joint of one type; parent: the parent group (-1:
  the world) and (n,) rows in it; children: per child group h, (h, (n,) tuples of rows in h)."""

  bodies: tuple
  types: tuple
  joints: tuple
  parent: tuple
  children: tuple


@dataclasses.dataclass(frozen=True)
class Plan:
  """Static structure: groups in sweep order (parents first); order: (nv,) the dof id of each
  row of the dof blocks in sweep order."""

  tree: Tree
  groups: tuple
  order: tuple


@functools.lru_cache(maxsize=64)
def plan(t: Tree) -> Plan:
  """The Plan of a Tree: the bodies of each depth grouped by parent group and joint types."""
  nb = len(t.bodies)
  depth = [0] * nb
  for b in range(1, nb):
    depth[b] = depth[t.bodies[b].parent] + 1
  keys, group_of, row_of = {}, {0: -1}, {0: 0}
  for b in sorted(range(1, nb), key=lambda b: depth[b]):
    body = t.bodies[b]
    types = tuple(jn.type for jn in body.joints)
    group_of[b] = keys.setdefault((group_of[body.parent], types), len(keys))
  members = [[b for b in range(1, nb) if group_of[b] == g] for g in range(len(keys))]
  for bodies in members:
    row_of |= {b: i for i, b in enumerate(bodies)}
  parent_of = {g: pg for (pg, _), g in keys.items()}
  types_of = {g: ty for (_, ty), g in keys.items()}
  groups, order = [None] * len(members), []
  for g, bodies in enumerate(members):
    types = types_of[g]
    joints = tuple(tuple(t.bodies[b].joints[k] for b in bodies) for k in range(len(types)))
    parent = (parent_of[g], tuple(row_of[t.bodies[b].parent] for b in bodies))
    kids = tuple(
      (h, tuple(tuple(row_of[c] for c in members[h] if t.bodies[c].parent == b) for b in bodies))
      for h in range(len(members))
      if parent_of[h] == g
    )
    groups[g] = Group(tuple(bodies), types, joints, parent, kids)
    for typ, js in zip(types, joints):
      for k in range(NDOF[typ]):
        order += [jn.dadr + k for jn in js]
  return Plan(t, tuple(groups), tuple(order))


def col(values, like):
  """Per-row constants (n,) Python floats as an (n, 1, ...) array shaped to broadcast against
  like's rows, or the one Python float if all are equal (then folded by jaxid.tree.scalar)."""
  if all(x == values[0] for x in values):
    return values[0]
  v = np.asarray(values, dtype=like.dtype)
  return jnp.asarray(v.reshape((-1,) + (1,) * (like.ndim - 1)))


def cols(rows, like):
  """Per-row vectors (n, k) of Python floats as k columns (see col)."""
  return tuple(col([r[i] for r in rows], like) for i in range(len(rows[0])))


def unrows(x, n: int) -> list:
  """The n rows of x (n, ...) as n scalars (...), by one lax.split: its transpose is one
  concatenate, where indexing x[i] transposes to a pad of x per row. A constant: n times."""
  if s.const(x):
    return [x] * n
  return [jax.lax.squeeze(r, (0,)) for r in jax.lax.split(x, (1,) * n)]


def rows_of(x) -> list:
  """x (n, ...) as n (1, ...) rows by one lax.split, for select. Split an input once and
  select from its rows: each split's transpose in the reverse pass is a concatenate of n
  operands (zeros where a row is unused), one per split."""
  return list(jax.lax.split(x, (1,) * x.shape[0])) if x.shape[0] > 1 else [x]


def select(idx, x):
  """Rows idx of x (n, ...) or of its rows_of list, -1 giving a zero row: (len(idx), ...)."""
  idx = list(idx)
  if s.const(x):
    return x
  if not isinstance(x, list):
    if idx == list(range(x.shape[0])):
      return x
    x = rows_of(x)
  # a row repeated is concatenated, not broadcast: a broadcast's transpose is a reduction over
  # rows (slow on XLA:CPU), a concatenate's is slices added elementwise
  parts = [x[i] if i >= 0 else jnp.zeros_like(x[0]) for i in idx]
  return parts[0] if len(parts) == 1 else jnp.concatenate(parts)


def gather_sum(rows, x):
  """Per output row the sum of the rows of x listed in rows (empty: 0)."""
  width = max((len(r) for r in rows), default=0)
  if width == 0:
    return 0.0
  return s.add(*(select([r[j] if len(r) > j else -1 for r in rows], x) for j in range(width)))


def spatial(f, x):
  """f applied to every scalar of a spatial vector (rot, lin)."""
  return tuple(tuple(f(c) for c in part) for part in x)


def _slot(typ, joints, pos, rot, q, p0, like):
  """One joint of each body of a group, all of type typ: (pos, rot, (anchor, axis or None));
  q: qpos's rows (rows_of), like: qpos (nq, ...)."""
  rows = lambda idx: select(idx, q)
  if typ == FREE:
    xs = [rows([jn.qadr + i for jn in joints]) for i in range(3)]
    keep = col([0.0 if jn.qadr == 0 and p0 is not None else 1.0 for jn in joints], like)
    pos = tuple(s.mul(keep, x - p if p is not None else x) for x, p in zip(xs, p0 or (None,) * 3))
    rot = s.quat_mat(tuple(rows([jn.qadr + 3 + i for jn in joints]) for i in range(4)))
    return pos, rot, (pos, None)
  jpos = cols([jn.pos for jn in joints], like)
  anchor = s.vadd(s.matvec(rot, jpos), pos)  # xanchor = xmat jnt_pos + xpos
  if typ == BALL:
    rot = s.matmul(rot, s.quat_mat(tuple(rows([jn.qadr + i for jn in joints]) for i in range(4))))
    return s.vsub(anchor, s.matvec(rot, jpos)), rot, (anchor, None)
  jaxis = cols([jn.axis for jn in joints], like)
  axis = s.matvec(rot, jaxis)  # xaxis = xmat jnt_axis
  ang = s.sub(rows([jn.qadr for jn in joints]), col([jn.qpos0[0] for jn in joints], like))
  if typ == SLIDE:
    return s.vadd(pos, s.vscale(ang, axis)), rot, (anchor, axis)
  rot = s.matmul(rot, s.axis_angle_mat(jaxis, *s.barrier((jnp.cos(ang), jnp.sin(ang)))))
  return s.vsub(anchor, s.matvec(rot, jpos)), rot, (anchor, axis)  # rotate about the anchor


def _cdof(typ, frame, rot):
  """The cdof (6 scalars) of each dof block of one joint slot; rot: the body's final xmat."""
  anchor, axis = frame
  if typ == HINGE:  # [a, a x (p0 - anchor)]
    return [(*axis, *s.cross(axis, s.vscale(-1.0, anchor)))]
  if typ == SLIDE:
    return [(0.0, 0.0, 0.0, *axis)]
  lin = (
    [tuple(1.0 if i == j else 0.0 for j in range(6)) for i in range(3, 6)] if typ == FREE else []
  )
  axes = (s.column(rot, i) for i in range(3))  # rotations about the body's axes
  return lin + [(*ax, *s.cross(ax, s.vscale(-1.0, anchor))) for ax in axes]


def kinematics(p: Plan, q) -> list:
  """Per group (xpos, xmat, xipos, cdof per dof block (6 scalars)), each scalar (n, ...);
  q: (nq, ...) qpos. Positions are relative to p0, as in rnea.kinematics."""
  t = p.tree
  like, q = q, rows_of(q)
  p0 = tuple(q[:3]) if t.free_root else None
  out = [None] * len(p.groups)
  for gi, g in enumerate(p.groups):
    bodies = [t.bodies[b] for b in g.bodies]
    pg, prow = g.parent
    if pg < 0:
      ppos, prot = ZERO3, EYE
    else:
      up = lambda x, prow=prow: select(prow, x)
      ppos, prot = tuple(map(up, out[pg][0])), tuple(tuple(map(up, r)) for r in out[pg][1])
    pos = s.vadd(ppos, s.matvec(prot, cols([b.pos for b in bodies], like)))
    rot = s.matmul(prot, tuple(cols([b.rot[i] for b in bodies], like) for i in range(3)))
    frames = [None] * len(g.types)
    for k, (typ, joints) in enumerate(zip(g.types, g.joints)):
      pos, rot, frames[k] = s.barrier(_slot(typ, joints, pos, rot, q, p0, like))
    cdofs = [c for typ, frame in zip(g.types, frames) for c in _cdof(typ, frame, rot)]
    xipos = s.vadd(pos, s.matvec(rot, cols([b.ipos for b in bodies], like)))
    out[gi] = s.barrier((pos, rot, xipos, cdofs))
  return out


def pose(p: Plan, poses: list, q) -> Pose:
  """rnea's Pose (scalars of shape (...)) read from the groups' rows; q: (nq, ...) qpos."""
  t = p.tree
  nb = len(t.bodies)
  xpos, xmat, xipos = [ZERO3] * nb, [EYE] * nb, [ZERO3] * nb
  cdof, dof_body = [None] * t.nv, [0] * t.nv
  for g, (pos, rot, ipos, cdofs) in zip(p.groups, poses):
    n = len(g.bodies)
    rows = lambda v, n=n: list(zip(*(unrows(x, n) for x in v)))  # per row: the vector
    for b, x, r, c in zip(g.bodies, rows(pos), zip(*map(rows, rot)), rows(ipos)):
      xpos[b], xmat[b], xipos[b] = x, r, c
    blocks = iter(cdofs)
    for typ, joints in zip(g.types, g.joints):
      for k in range(NDOF[typ]):
        for jn, c, b in zip(joints, rows(next(blocks)), g.bodies):
          cdof[jn.dadr + k], dof_body[jn.dadr + k] = (c[:3], c[3:]), b
  p0 = tuple(unrows(q[:3], 3)) if t.free_root else ZERO3
  return Pose(p0, xpos, xmat, xipos, cdof, tuple(dof_body))


def _inert_mul(r, inertia, m, c, u):
  """(I_o alpha + h x lin, m lin - h x alpha), I_o = R diag(I) R' + m (|c|^2 1 - c c'), h = m c."""
  al_, li = u
  rt_al = s.matvec(tuple(zip(*r)), al_)
  rot = s.vadd(
    s.matvec(r, tuple(s.mul(i, x) for i, x in zip(inertia, rt_al))),
    s.vscale(m, s.vsub(s.vscale(s.dot(c, c), al_), s.vscale(s.dot(c, al_), c))),
  )
  h = s.vscale(m, c)
  return (s.vadd(rot, s.cross(h, li)), s.vsub(s.vscale(m, li), s.cross(h, al_)))


def body_forces(p: Plan, poses: list, v, a) -> list:
  """Per group I cacc + cvel x* (I cvel), cacc_world = [0, -gravity]: spatial forces of (n, ...)
  scalars. v, a: (nv, ...) qvel and qacc."""
  t = p.tree
  like, v, a = v, rows_of(v), rows_of(a)
  moving, frc, off = [None] * len(p.groups), [None] * len(p.groups), 0
  for gi, (g, (_, xmat, xipos, cdofs)) in enumerate(zip(p.groups, poses)):
    n = len(g.bodies)
    pg, prow = g.parent
    if pg < 0:
      vel, acc = ZERO, (ZERO3, s.vscale(-1.0, t.gravity))
    else:
      vel, acc = (spatial(lambda x, prow=prow: select(prow, x), y) for y in moving[pg])
    blocks = iter(cdofs)
    for typ in g.types:
      before = vel  # cdof_dot = cvel x cdof, cvel before this joint
      for k in range(NDOF[typ]):
        dofs = p.order[off : off + n]  # this block's dofs, a row per body
        vb, ab = select(dofs, v), select(dofs, a)
        off += n
        cd = next(blocks)
        cd = (cd[:3], cd[3:])
        if typ == FREE and k == 3:  # a free joint's rotations see its translations' cvel
          before = vel
        term = spatial(lambda c, ab=ab: s.mul(ab, c), cd)  # cacc += cdof qacc + cdof_dot qvel
        if not (typ == FREE and k < 3):  # a translation's cdof_dot is 0
          term = sadd(term, spatial(lambda c, vb=vb: s.mul(vb, c), motion_cross(before, cd)))
        vel, acc = sadd(vel, spatial(lambda c, vb=vb: s.mul(vb, c), cd)), sadd(acc, term)
    moving[gi] = vel, acc = s.barrier((vel, acc))
    bodies = [t.bodies[b] for b in g.bodies]
    r = s.barrier(s.matmul(xmat, tuple(cols([b.irot[i] for b in bodies], like) for i in range(3))))
    inert = (r, cols([b.inertia for b in bodies], like), col([b.mass for b in bodies], like), xipos)
    iv = s.barrier(_inert_mul(*inert, vel))
    frc[gi] = sadd(_inert_mul(*inert, acc), force_cross(vel, iv))
  return frc


def wrenches(p: Plan, poses: list, xfrc) -> list:
  """Per group the wrenches [f, tau] at xipos of xfrc (nbody, 6, ...) as spatial forces about
  the origin: (tau + c x f, f)."""
  flat = rows_of(xfrc.reshape((-1, *xfrc.shape[2:])))  # row 6 b + k: body b, part k
  part = lambda g, k: select([6 * b + k for b in g.bodies], flat)
  xfs = [
    (tuple(part(g, k) for k in range(3)), tuple(part(g, k) for k in range(3, 6))) for g in p.groups
  ]
  return [(s.vadd(tau, s.cross(xipos, f)), f) for (f, tau), (_, _, xipos, _) in zip(xfs, poses)]


def subtree_sum(p: Plan, nets: list) -> list:
  """Backward sweep: cfrc = net + the children's cfrc, per group."""
  cfrc = [None] * len(p.groups)
  for i in range(len(p.groups) - 1, -1, -1):
    kids = (
      spatial(lambda x, rows=rows: gather_sum(rows, x), cfrc[h]) for h, rows in p.groups[i].children
    )
    cfrc[i] = s.barrier(sadd(nets[i], *kids))
  return cfrc


def project(p: Plan, poses: list, cfrc: list) -> list:
  """qfrc = cdof . cfrc per dof block: (nv,) scalars (...) in dof order."""
  out, off = [None] * p.tree.nv, 0
  for g, (_, _, _, cdofs), f in zip(p.groups, poses, cfrc):
    n = len(g.bodies)
    for c in cdofs:
      dot = s.add(s.dot(c[:3], f[0]), s.dot(c[3:], f[1]))
      for d, x in zip(p.order[off : off + n], unrows(dot, n)):
        out[d] = x
      off += n
  return out

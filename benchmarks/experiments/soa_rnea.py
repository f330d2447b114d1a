"""Experiment (issue 19): the tree RNEA over bodies, as structure-of-arrays scalars.

The scalar sweep of jaxid.tree.rnea, with each scalar an (n, L) array instead of (L,): n the
bodies of one group, L the frames. A group is the bodies of one depth with the same parent group
and the same joint types in the same order (two legs: each segment pair is a group), so the
sweep runs group by group instead of body by body and emits fewer, wider ops, with no padding.
Every op is elementwise on equal shapes; rows move between groups by static slices only.

  - kinematics: per group, each joint slot applied to all its bodies at once;
  - cvel, cdof_dot = cvel x cdof (cvel before the joint; a free joint's rotations see its
    translations, whose cdof_dot is 0), cacc - gravity: per group from the parent rows;
  - cfrc = I cacc + cvel x* I cvel - ext, summed up the groups; tau = cdof . cfrc per dof block;
  - hinge, slide, ball and free joints (a dof block: one dof of each body of a group).
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from jaxid.tree import scalar as s
from jaxid.tree.constants import BALL, FREE, HINGE, SLIDE, Tree
from jaxid.tree.rnea import EYE, force_cross, motion_cross, sadd

ZERO = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))


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
  """Static structure: groups in sweep order (parents first); pad: (nv,) the dof id of each row
  of the sweep's dof blocks in sweep order; back: (nv,) the sweep row of each dof."""

  tree: Tree
  groups: tuple
  pad: tuple
  back: tuple


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
    if not set(types) <= set(NDOF):
      raise NotImplementedError(f"joint types {types}: the experiment has hinge, slide, ball, free")
    g = keys.setdefault((group_of[body.parent], types), len(keys))
    group_of[b] = g
  members = [[b for b in range(1, nb) if group_of[b] == g] for g in range(len(keys))]
  for bodies in members:
    row_of |= {b: i for i, b in enumerate(bodies)}
  parent_of = {g: pg for (pg, _), g in keys.items()}
  groups, pad = [], []
  for g, bodies in enumerate(members):
    types = next(ty for (pg, ty), h in keys.items() if h == g)
    joints = tuple(tuple(t.bodies[b].joints[k] for b in bodies) for k in range(len(types)))
    parent = (parent_of[g], tuple(row_of[t.bodies[b].parent] for b in bodies))
    kids = tuple(
      (h, tuple(tuple(row_of[c] for c in members[h] if t.bodies[c].parent == b) for b in bodies))
      for h in range(len(members))
      if parent_of[h] == g
    )
    groups.append(Group(tuple(bodies), types, joints, parent, kids))
    for typ, js in zip(types, joints):
      for k in range(NDOF[typ]):
        pad += [jn.dadr + k for jn in js]
  return Plan(t, tuple(groups), tuple(pad), tuple(pad.index(d) for d in range(t.nv)))


def col(values, dt):
  """Per-row constants (n,) as an (n, 1) array of dtype dt, or one Python float if all equal
  (then folded by jaxid.tree.scalar: x * 0 and x + 0 emit nothing)."""
  v = np.asarray(values, dtype=float)
  return float(v[0]) if np.all(v == v[0]) else jnp.asarray(v[:, None], dt)


def cols(rows, dt):
  """Per-row vectors (n, k) as k columns (see col)."""
  return tuple(col(np.asarray(rows, float)[:, i], dt) for i in range(np.shape(rows)[1]))


def select(idx, x):
  """Rows idx of x (n, L), -1 giving a zero row: (len(idx), L), by runs of slices."""
  idx = list(idx)
  if s.const(x) or idx == list(range(x.shape[0])):
    return x
  if idx and all(i == idx[0] >= 0 for i in idx):
    return jnp.broadcast_to(x[idx[0] : idx[0] + 1], (len(idx), x.shape[1]))
  parts, start = [], 0
  for i in range(1, len(idx) + 1):  # runs of consecutive rows (or of -1)
    run = i < len(idx) and (
      (idx[i] == -1 and idx[start] == -1) or (idx[start] >= 0 and idx[i] == idx[start] + i - start)
    )
    if not run:
      n, k = i - start, idx[start]
      parts.append(jnp.zeros((n, x.shape[1]), x.dtype) if k < 0 else x[k : k + n])
      start = i
  return parts[0] if len(parts) == 1 else jnp.concatenate(parts)


def gather_sum(groups, x):
  """Per output row the sum of the rows of x listed in groups (empty: 0)."""
  width = max((len(g) for g in groups), default=0)
  if width == 0:
    return 0.0
  return s.add(*(select([g[j] if len(g) > j else -1 for g in groups], x) for j in range(width)))


def spatial(f, x):
  """f applied to every scalar of a spatial vector (rot, lin)."""
  return tuple(tuple(f(c) for c in part) for part in x)


def _slot(typ, joints, pos, rot, q, p0, dt):
  """One joint of each body of a group, all of type typ: (pos, rot, (anchor, axis or None))."""
  rows = lambda idx: select(idx, q)
  if typ == FREE:
    xs = [rows([jn.qadr + i for jn in joints]) for i in range(3)]
    keep = col([0.0 if jn.qadr == 0 and p0 is not None else 1.0 for jn in joints], dt)
    pos = tuple(s.mul(keep, x - p if p is not None else x) for x, p in zip(xs, p0 or (None,) * 3))
    rot = s.quat_mat(tuple(rows([jn.qadr + 3 + i for jn in joints]) for i in range(4)))
    return pos, rot, (pos, None)
  jpos = cols([jn.pos for jn in joints], dt)
  anchor = s.vadd(s.matvec(rot, jpos), pos)  # xanchor = xmat jnt_pos + xpos
  if typ == BALL:
    rot = s.matmul(rot, s.quat_mat(tuple(rows([jn.qadr + i for jn in joints]) for i in range(4))))
    return s.vsub(anchor, s.matvec(rot, jpos)), rot, (anchor, None)
  jaxis = cols([jn.axis for jn in joints], dt)
  axis = s.matvec(rot, jaxis)  # xaxis = xmat jnt_axis
  ang = s.sub(rows([jn.qadr for jn in joints]), col([jn.qpos0[0] for jn in joints], dt))
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
  lin = [tuple(float(i == j) for j in range(6)) for i in range(3, 6)] if typ == FREE else []
  axes = (s.column(rot, i) for i in range(3))  # rotations about the body's axes
  return lin + [(*ax, *s.cross(ax, s.vscale(-1.0, anchor))) for ax in axes]


def kinematics(p: Plan, q):
  """Per group: xpos, xmat (3 x 3 of (n, L)), xipos (3), cdof per dof block (6 of (n, L))."""
  t, dt = p.tree, q.dtype
  p0 = tuple(q[i : i + 1] for i in range(3)) if t.free_root else None
  out = []
  for g in p.groups:
    bodies = [t.bodies[b] for b in g.bodies]
    pg, prow = g.parent
    if pg < 0:
      ppos, prot = (0.0, 0.0, 0.0), EYE
    else:
      up = lambda x, prow=prow: select(prow, x)
      ppos, prot = tuple(map(up, out[pg][0])), tuple(tuple(map(up, r)) for r in out[pg][1])
    brot = np.array([b.rot for b in bodies])
    pos = s.vadd(ppos, s.matvec(prot, cols([b.pos for b in bodies], dt)))
    rot = s.matmul(prot, tuple(cols(brot[:, i], dt) for i in range(3)))
    frames = []
    for typ, joints in zip(g.types, g.joints):
      pos, rot, frame = s.barrier(_slot(typ, joints, pos, rot, q, p0, dt))
      frames.append(frame)
    cdofs = [c for typ, frame in zip(g.types, frames) for c in _cdof(typ, frame, rot)]
    xipos = s.vadd(pos, s.matvec(rot, cols([b.ipos for b in bodies], dt)))
    out.append(s.barrier((pos, rot, xipos, cdofs)))
  return out


def torques(p: Plan, q, v, a, xfrc):
  """tau = qfrc_bias + M qacc - J' xfrc (no armature, passive or constraint terms): (nv, L).

  q (nq, L), v, a (nv, L); xfrc (nbody, 6, L) wrenches [f, tau] at xipos."""
  t, dt = p.tree, q.dtype
  poses = kinematics(p, q)
  vp, ap = select(p.pad, v), select(p.pad, a)  # the dofs in sweep order
  moving, nets, off = [], [], 0
  for g, (_, xmat, xipos, cdofs) in zip(p.groups, poses):
    n = len(g.bodies)
    pg, prow = g.parent
    if pg < 0:
      vel, acc = ZERO, ((0.0, 0.0, 0.0), s.vscale(-1.0, t.gravity))  # cacc_world = [0, -g]
    else:
      vel, acc = (spatial(lambda x, prow=prow: select(prow, x), y) for y in moving[pg])
    blocks = iter(cdofs)
    for typ in g.types:
      before = vel  # cdof_dot = cvel x cdof, cvel before this joint
      for k in range(NDOF[typ]):
        vb, ab = vp[off : off + n], ap[off : off + n]
        off += n
        cd = next(blocks)
        cd = (cd[:3], cd[3:])
        if typ == FREE and k == 3:  # a free joint's rotations see its translations' cvel
          before = vel
        term = spatial(lambda c, ab=ab: s.mul(ab, c), cd)  # cacc += cdof qacc + cdof_dot qvel
        if not (typ == FREE and k < 3):  # a translation's cdof_dot is 0
          term = sadd(term, spatial(lambda c, vb=vb: s.mul(vb, c), motion_cross(before, cd)))
        vel, acc = sadd(vel, spatial(lambda c, vb=vb: s.mul(vb, c), cd)), sadd(acc, term)
    vel, acc = s.barrier((vel, acc))
    moving.append((vel, acc))
    bodies = [t.bodies[b] for b in g.bodies]
    irot = np.array([b.irot for b in bodies])
    r = s.barrier(s.matmul(xmat, tuple(cols(irot[:, i], dt) for i in range(3))))  # ximat
    inertia = cols([b.inertia for b in bodies], dt)
    m, c = col([b.mass for b in bodies], dt), xipos

    def inert_mul(u, r=r, inertia=inertia, m=m, c=c):
      """(I_o alpha + h x lin, m lin - h x alpha), I_o = R diag(I) R' + m (|c|^2 1 - c c')."""
      al_, li = u
      rt_al = s.matvec(tuple(zip(*r)), al_)
      rot = s.vadd(
        s.matvec(r, tuple(s.mul(i, x) for i, x in zip(inertia, rt_al))),
        s.vscale(m, s.vsub(s.vscale(s.dot(c, c), al_), s.vscale(s.dot(c, al_), c))),
      )
      h = s.vscale(m, c)
      return (s.vadd(rot, s.cross(h, li)), s.vsub(s.vscale(m, li), s.cross(h, al_)))

    iv = s.barrier(inert_mul(vel))
    f = sadd(inert_mul(acc), force_cross(vel, iv))
    # the wrench [f, tau] at xipos is the spatial force (tau + c x f, f) about the origin
    xf = [select(g.bodies, xfrc[:, k]) for k in range(6)]
    ext = (s.vadd(tuple(xf[3:]), s.cross(xipos, tuple(xf[:3]))), tuple(xf[:3]))
    nets.append(s.barrier(tuple(s.vsub(x, y) for x, y in zip(f, ext))))
  cfrc = [None] * len(p.groups)
  for i in range(len(p.groups) - 1, -1, -1):  # cfrc = net + the children's cfrc
    kids = (
      spatial(lambda x, rows=rows: gather_sum(rows, x), cfrc[h]) for h, rows in p.groups[i].children
    )
    cfrc[i] = s.barrier(sadd(nets[i], *kids))
  tau = []  # tau = cdof . cfrc per dof block
  for g, (_, _, _, cdofs), f in zip(p.groups, poses, cfrc):
    shape = (len(g.bodies), q.shape[-1])
    tau += [jnp.broadcast_to(s.add(s.dot(c[:3], f[0]), s.dot(c[3:], f[1])), shape) for c in cdofs]
  return select(p.back, jnp.concatenate(tau))

"""Experiment (issue 19): the tree RNEA over bodies, as structure-of-arrays scalars.

The scalar sweep of jaxid.tree.rnea, with each scalar an (n, L) array instead of (L,): n the
bodies of one tree level, L the frames. The sweep runs level by level instead of body by body,
so a model with several bodies per level (two legs) emits fewer, wider ops. Every op is
elementwise on equal shapes; rows move between levels by static slices only.

Padded dofs: a level has one dof block per joint slot (six for a free joint), each with a row
for every body of the level. A body without a joint in a slot gets the identity (hinge angle 0)
and a padding dof whose qvel and qacc are 0, so it adds exactly nothing; its torque is dropped.

  - kinematics: per level, each slot's joint applied to all its bodies at once;
  - cvel, cdof_dot = cvel x cdof (0 for a free joint's translations), cacc - gravity: per level,
    block by block from the parent rows;
  - cfrc = I cacc + cvel x* I cvel - ext, summed up the levels; tau = cdof . cfrc per block;
  - hinge and slide joints, and free joints on bodies of the first level.
"""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np

from jaxid.tree import scalar as s
from jaxid.tree.constants import FREE, HINGE, SLIDE, Tree

EYE = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
ZERO = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))


@dataclasses.dataclass(frozen=True)
class Slot:
  """One joint slot of one level: per body row its joint (None: the identity)."""

  joints: tuple  # (n_level,) Joint or None
  free: bool  # all rows free joints (six dof blocks), else hinge / slide / None (one block)


@dataclasses.dataclass(frozen=True)
class Plan:
  """Static structure, per level l: bodies (n_l,) body ids, slots, parents (n_l,) parent rows
  in level l - 1, children (n_l,) tuples of child rows in level l + 1. pad: (np,) the dof id of
  each padded dof row in sweep order (-1: padding); back: (nv,) the padded row of each dof."""

  tree: Tree
  bodies: tuple
  slots: tuple
  parents: tuple
  children: tuple
  pad: tuple
  back: tuple


def plan(t: Tree) -> Plan:
  """The Plan of a Tree (hinge, slide; free joints on first-level bodies)."""
  nb = len(t.bodies)
  depth = [0] * nb
  for b in range(1, nb):
    depth[b] = depth[t.bodies[b].parent] + 1
  levels = [[b for b in range(1, nb) if depth[b] == lv] for lv in range(1, max(depth) + 1)]
  slots, pad = [], []
  for lv, bodies in enumerate(levels):
    level_slots = []
    for k in range(max(len(t.bodies[b].joints) for b in bodies)):
      joints = tuple(t.bodies[b].joints[k] if len(t.bodies[b].joints) > k else None
                     for b in bodies)  # fmt: skip
      types = {jn.type for jn in joints if jn is not None}
      if not types <= {HINGE, SLIDE, FREE} or (FREE in types and lv > 0):
        raise NotImplementedError(f"joint types {sorted(types)} here: the experiment has hinge, "
                                  "slide, and free joints on first-level bodies")  # fmt: skip
      free = FREE in types
      if free and (types != {FREE} or None in joints):
        raise NotImplementedError("a free joint beside other joints in one slot of a level")
      level_slots.append(Slot(joints, free))
      for i in range(6 if free else 1):
        pad += [jn.dadr + i if jn is not None else -1 for jn in joints]
    slots.append(tuple(level_slots))
  row = {b: i for lv in levels for i, b in enumerate(lv)}
  parents = [()] + [tuple(row[t.bodies[b].parent] for b in lv) for lv in levels[1:]]
  children = [
    tuple(tuple(row[c] for c in nxt if t.bodies[c].parent == b) for b in lv)
    for lv, nxt in zip(levels, [*levels[1:], []])
  ]
  back = tuple(pad.index(d) for d in range(t.nv))
  return Plan(t, tuple(map(tuple, levels)), tuple(slots), tuple(parents), tuple(children),
              tuple(pad), back)  # fmt: skip


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


def _slot(slot: Slot, pos, rot, q, p0, dt):
  """One joint slot applied to a level's frames: (pos, rot, cdof per dof block)."""
  joints = slot.joints
  rows = lambda idx: select(idx, q)
  if slot.free:  # translations, then rotations about the body's axes
    xs = [rows([jn.qadr + i for jn in joints]) for i in range(3)]
    root = [jn.qadr == 0 and p0 is not None for jn in joints]
    pos = tuple(x - p if p is not None else x for x, p in zip(xs, p0 or (None,) * 3))
    pos = tuple(s.mul(col([0.0 if r else 1.0 for r in root], dt), x) for x in pos)
    rot = s.quat_mat(tuple(rows([jn.qadr + 3 + i for jn in joints]) for i in range(4)))
    lin = [tuple(float(i == j) for j in range(6)) for i in range(3, 6)]
    ang = [(*ax, *s.cross(ax, s.vscale(-1.0, pos))) for ax in (s.column(rot, i) for i in range(3))]
    return pos, rot, lin + ang
  jpos = cols([jn.pos if jn else (0.0, 0.0, 0.0) for jn in joints], dt)
  jaxis = cols([jn.axis if jn else (0.0, 0.0, 1.0) for jn in joints], dt)
  anchor = s.vadd(s.matvec(rot, jpos), pos)  # xanchor = xmat jnt_pos + xpos
  axis = s.matvec(rot, jaxis)  # xaxis = xmat jnt_axis
  qpos0 = col([jn.qpos0[0] if jn else 0.0 for jn in joints], dt)
  hinge = [jn is not None and jn.type == HINGE for jn in joints]
  slide = [jn is not None and jn.type == SLIDE for jn in joints]
  qrow = lambda mask: rows([jn.qadr if m else -1 for jn, m in zip(joints, mask)])
  if any(hinge):  # angle 0 on other rows: R = I exactly
    ang = s.sub(qrow(hinge), s.mul(col(hinge, dt), qpos0))
    rot = s.matmul(rot, s.axis_angle_mat(jaxis, jnp.cos(ang), jnp.sin(ang)))
    pos = s.vsub(anchor, s.matvec(rot, jpos))  # rotate about the anchor
  if any(slide):  # 0 on other rows
    pos = s.vadd(pos, s.vscale(s.sub(qrow(slide), s.mul(col(slide, dt), qpos0)), axis))
  h = col(hinge, dt)
  ang = s.vscale(h, axis)  # hinge: [a, a x -anchor]; slide: [0, a]
  lin = s.vadd(s.cross(ang, s.vscale(-1.0, anchor)), s.vscale(s.sub(1.0, h), axis))
  return pos, rot, [(*ang, *lin)]


def kinematics(p: Plan, q):
  """Per level: xmat (3 x 3 of (n_l, L)), xipos (3), cdof per dof block (6 of (n_l, L))."""
  t, dt = p.tree, q.dtype
  p0 = tuple(q[i : i + 1] for i in range(3)) if t.free_root else None
  out, pos, rot = [], None, None
  for lv, level in enumerate(p.bodies):
    bodies = [t.bodies[b] for b in level]
    if lv == 0:
      ppos, prot = (0.0, 0.0, 0.0), EYE
    else:
      up = lambda x, lv=lv: select(p.parents[lv], x)
      ppos, prot = tuple(map(up, pos)), tuple(tuple(map(up, r)) for r in rot)
    brot = np.array([b.rot for b in bodies])
    pos = s.vadd(ppos, s.matvec(prot, cols([b.pos for b in bodies], dt)))
    rot = s.matmul(prot, tuple(cols(brot[:, i], dt) for i in range(3)))
    cdofs = []
    for slot in p.slots[lv]:
      pos, rot, cd = s.barrier(_slot(slot, pos, rot, q, p0, dt))
      cdofs += cd
    xipos = s.vadd(pos, s.matvec(rot, cols([b.ipos for b in bodies], dt)))
    out.append(s.barrier((rot, xipos, cdofs)))
  return out


def motion_cross(v, u):
  """v x u for spatial motions (rot, lin)."""
  return (s.cross(v[0], u[0]), s.vadd(s.cross(v[0], u[1]), s.cross(v[1], u[0])))


def force_cross(v, f):
  """v x* f for a spatial motion v and a force f (rot, lin)."""
  return (s.vadd(s.cross(v[0], f[0]), s.cross(v[1], f[1])), s.cross(v[0], f[1]))


def sadd(*xs):
  """Sum of spatial vectors."""
  return tuple(s.vadd(*parts) for parts in zip(*xs))


def torques(p: Plan, q, v, a, xfrc):
  """tau = qfrc_bias + M qacc - J' xfrc (no armature, passive or constraint terms): (nv, L).

  q (nq, L), v, a (nv, L); xfrc (nbody, 6, L) wrenches [f, tau] at xipos."""
  t, dt = p.tree, q.dtype
  levels = kinematics(p, q)
  vp, ap = select(p.pad, v), select(p.pad, a)  # padded dofs: 0 on padding rows
  nets, cdofs, off = [], [], 0
  vel = acc = None
  for lv, (xmat, xipos, cd_level) in enumerate(levels):
    n = len(p.bodies[lv])
    if lv == 0:
      vel, acc = ZERO, ((0.0, 0.0, 0.0), s.vscale(-1.0, t.gravity))  # cacc_world = [0, -g]
    else:
      vel, acc = (spatial(lambda x, lv=lv: select(p.parents[lv], x), y) for y in (vel, acc))
    blocks = [(sl.free, k) for sl in p.slots[lv] for k in range(6 if sl.free else 1)]
    before = vel
    for (free, k), cd in zip(blocks, cd_level):
      vb, ab = vp[off : off + n], ap[off : off + n]
      off += n
      cd = (cd[:3], cd[3:])
      if not (free and k > 3):  # a free joint's rotations all see cvel after its translations
        before = vel
      term = spatial(lambda c, ab=ab: s.mul(ab, c), cd)  # cacc += cdof qacc + cdof_dot qvel
      if not (free and k < 3):  # cdof_dot = cvel x cdof
        term = sadd(term, spatial(lambda c, vb=vb: s.mul(vb, c), motion_cross(before, cd)))
      vel, acc = sadd(vel, spatial(lambda c, vb=vb: s.mul(vb, c), cd)), sadd(acc, term)
      cdofs.append(cd)
    vel, acc = s.barrier((vel, acc))
    bodies = [t.bodies[b] for b in p.bodies[lv]]
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
    xf = [select(p.bodies[lv], xfrc[:, k]) for k in range(6)]
    ext = (s.vadd(tuple(xf[3:]), s.cross(xipos, tuple(xf[:3]))), tuple(xf[:3]))
    nets.append(s.barrier(tuple(s.vsub(x, y) for x, y in zip(f, ext))))
  taus, cfrc = [None] * len(levels), None
  for lv in range(len(levels) - 1, -1, -1):  # cfrc = net + the children's cfrc
    if cfrc is not None:
      cfrc = sadd(nets[lv], spatial(lambda x, lv=lv: gather_sum(p.children[lv], x), cfrc))
    else:
      cfrc = nets[lv]
    cfrc = s.barrier(cfrc)
    nblk = sum(6 if sl.free else 1 for sl in p.slots[lv])
    first = sum(6 if sl.free else 1 for lvs in p.slots[:lv] for sl in lvs)
    taus[lv] = [
      s.add(s.dot(cd[0], cfrc[0]), s.dot(cd[1], cfrc[1])) for cd in cdofs[first : first + nblk]
    ]  # tau = cdof . cfrc
  tau = jnp.concatenate([x for level in taus for x in level])
  return select(p.back, tau)

"""Forward kinematics, motion subspaces (cdof) and the recursive Newton-Euler sweep, unrolled
over the kinematic tree at trace time, exactly as MuJoCo's mj_kinematics, mj_comPos, mj_comVel
and mj_rne compute them.

Positions are relative to p0 (the free root's position, else the world origin): dynamics is
invariant to the shift and float32 keeps its digits. Spatial vectors are (rot, lin) in world
orientation about p0, as MuJoCo's c-frame quantities are about subtree_com[root].
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from jaxid.tree import scalar as s
from jaxid.tree.constants import BALL, FREE, HINGE, SLIDE, Tree

EYE = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
ZERO3 = (0.0, 0.0, 0.0)


@jax.tree_util.register_dataclass
@dataclasses.dataclass
class Pose:
  """Per body: xpos (relative to p0), xmat, xipos (relative), and per dof its cdof (rot, lin)."""

  p0: tuple
  xpos: list
  xmat: list
  xipos: list
  cdof: list  # (nv,) of (rot (3,), lin (3,))
  dof_body: list = dataclasses.field(metadata=dict(static=True))  # (nv,) body of each dof


def kinematics(t: Tree, q: list) -> Pose:
  """Body frames and cdof of qpos q: (nq,) scalars."""
  nb = len(t.bodies)
  p0 = tuple(q[0:3]) if t.free_root else ZERO3
  xpos, xmat, xipos = [ZERO3] * nb, [EYE] * nb, [ZERO3] * nb
  cdof, dof_body = [None] * t.nv, [0] * t.nv
  for b in range(1, nb):
    body = t.bodies[b]
    pp, pr = xpos[body.parent], xmat[body.parent]
    pos, rot = s.vadd(pp, s.matvec(pr, body.pos)), s.matmul(pr, body.rot)
    anchors = [None] * len(body.joints)  # per joint: (xanchor, xaxis)
    for i, jn in enumerate(body.joints):
      if jn.type == FREE:
        root = jn.qadr == 0 and t.free_root
        pos = ZERO3 if root else s.vsub(tuple(q[jn.qadr : jn.qadr + 3]), p0)
        rot = s.quat_mat(tuple(q[jn.qadr + 3 : jn.qadr + 7]))
        anchors[i] = (pos, None)
        continue
      anchor = s.vadd(s.matvec(rot, jn.pos), pos)  # xanchor = xmat jnt_pos + xpos
      axis = s.matvec(rot, jn.axis)  # xaxis = xmat jnt_axis
      if jn.type == SLIDE:
        pos = s.vadd(pos, s.vscale(s.sub(q[jn.qadr], jn.qpos0[0]), axis))
      else:
        if jn.type == HINGE:
          ang = s.sub(q[jn.qadr], jn.qpos0[0])
          loc = s.axis_angle_mat(jn.axis, *s.barrier((jnp.cos(ang), jnp.sin(ang))))
        else:  # BALL
          loc = s.quat_mat(tuple(q[jn.qadr : jn.qadr + 4]))
        rot = s.matmul(rot, loc)
        pos = s.vsub(anchor, s.matvec(rot, jn.pos))  # rotate about the anchor
      anchors[i] = (anchor, axis)
    pos, rot, anchors = s.barrier((pos, rot, anchors))
    xpos[b], xmat[b] = pos, rot
    xipos[b] = s.vadd(pos, s.matvec(rot, body.ipos))
    for jn, (anchor, axis) in zip(body.joints, anchors):
      d = jn.dadr
      # cdof = [axis, axis x (p0 - anchor)]: p0 is the origin here
      if jn.type == HINGE:
        cdof[d] = (axis, s.cross(axis, s.vscale(-1.0, anchor)))
      elif jn.type == SLIDE:
        cdof[d] = (ZERO3, axis)
      else:
        if jn.type == FREE:
          for i in range(3):
            cdof[d + i] = (ZERO3, EYE[i])
          d += 3
        for i in range(3):  # rotations about the body's axes (MuJoCo: no later rotations)
          ax = s.column(rot, i)
          cdof[d + i] = (ax, s.cross(ax, s.vscale(-1.0, anchor)))
      for i in range({HINGE: 1, SLIDE: 1, BALL: 3, FREE: 6}[jn.type]):
        dof_body[jn.dadr + i] = b
    dofs = [d for d in range(t.nv) if dof_body[d] == b and cdof[d] is not None]
    xpos[b], xmat[b], xipos[b], mine = s.barrier(
      (xpos[b], xmat[b], xipos[b], [cdof[d] for d in dofs])
    )
    for d, c in zip(dofs, mine):
      cdof[d] = c
  return Pose(p0, xpos, xmat, xipos, cdof, tuple(dof_body))


def motion_cross(v, u):
  """v x u for spatial motions (rot, lin)."""
  return (s.cross(v[0], u[0]), s.vadd(s.cross(v[0], u[1]), s.cross(v[1], u[0])))


def force_cross(v, f):
  """v x* f for a spatial motion v and force f (rot, lin)."""
  return (s.vadd(s.cross(v[0], f[0]), s.cross(v[1], f[1])), s.cross(v[0], f[1]))


def sadd(*xs):
  return (s.vadd(*(x[0] for x in xs)), s.vadd(*(x[1] for x in xs)))


def sscale(a, x):
  return (s.vscale(a, x[0]), s.vscale(a, x[1]))


def sdot(a, b):
  return s.add(s.dot(a[0], b[0]), s.dot(a[1], b[1]))


def inertia(t: Tree, pose: Pose, b: int):
  """Body b's spatial inertia about p0: (I_o (3, 3), h = m c, m) with c = xipos - p0."""
  body = t.bodies[b]
  r = s.matmul(pose.xmat[b], body.irot)  # ximat
  m, c = body.mass, pose.xipos[b]
  # I_o = R diag(I) R' + m (|c|^2 1 - c c')
  cc = s.dot(c, c)
  io = tuple(
    tuple(
      s.add(
        s.dot(tuple(s.mul(r[i][k], body.inertia[k]) for k in range(3)), r[j]),
        s.mul(m, s.sub(cc if i == j else 0.0, s.mul(c[i], c[j]))),
      )
      for j in range(3)
    )
    for i in range(3)
  )
  return io, s.vscale(m, c), m


def inert_mul(inert, a):
  """Spatial inertia times motion a = (alpha, lin): (I_o alpha + h x lin, m lin - h x alpha)."""
  io, h, m = inert
  return (
    s.vadd(s.matvec(io, a[0]), s.cross(h, a[1])),
    s.vsub(s.vscale(m, a[1]), s.cross(h, a[0])),
  )


def body_forces(t: Tree, pose: Pose, qvel, qacc, gravity=True) -> list:
  """Per body I a + v x* (I v), with cacc_world = [0, -gravity]: (nbody,) spatial forces.
  qvel None: no velocity terms."""
  nb = len(t.bodies)
  zero = (ZERO3, ZERO3)
  cvel, cacc = [zero] * nb, [zero] * nb
  cacc[0] = (ZERO3, s.vscale(-1.0, t.gravity) if gravity else ZERO3)
  frc = [zero] * nb
  for b in range(1, nb):
    body = t.bodies[b]
    v, a = cvel[body.parent], cacc[body.parent]
    for jn in body.joints:
      n = {HINGE: 1, SLIDE: 1, BALL: 3, FREE: 6}[jn.type]
      dofs = range(jn.dadr, jn.dadr + n)
      if qvel is not None:
        if jn.type == FREE:  # translation first: its cdof_dot is zero
          v = sadd(v, *(sscale(qvel[d], pose.cdof[d]) for d in dofs[:3]))
          dofs_rot = dofs[3:]
        else:
          dofs_rot = dofs
        # cdof_dot = cvel x cdof (cvel so far in this body), cacc += cdof_dot qvel
        a = sadd(a, *(sscale(qvel[d], motion_cross(v, pose.cdof[d])) for d in dofs_rot))
        v = sadd(v, *(sscale(qvel[d], pose.cdof[d]) for d in dofs_rot))
      a = sadd(a, *(sscale(qacc[d], pose.cdof[d]) for d in dofs))
    cvel[b], cacc[b] = v, a
    inert = s.barrier(inertia(t, pose, b))
    f = inert_mul(inert, a)
    if qvel is not None:
      f = sadd(f, force_cross(v, inert_mul(inert, v)))
    cvel[b], cacc[b], frc[b] = s.barrier((cvel[b], cacc[b], f))
  return frc


def subtree_sum(t: Tree, frc: list) -> list:
  """Backward sweep: each body's force plus its children's (cfrc of the subtree)."""
  out = list(frc)
  for b in range(len(t.bodies) - 1, 0, -1):
    out[b] = s.barrier(out[b])
    p = t.bodies[b].parent
    if p > 0:
      out[p] = sadd(out[p], out[b])
  return out


def project(pose: Pose, cfrc: list) -> list:
  """qfrc = cdof . cfrc[dof_body]: (nv,)."""
  return [sdot(pose.cdof[d], cfrc[pose.dof_body[d]]) for d in range(len(pose.cdof))]


def crb(t: Tree, pose: Pose) -> list:
  """(nv, nv) joint-space inertia M (without armature) by the composite-rigid-body algorithm:
  M[i, j] = cdof_j . (Ic[body(i)] cdof_i) for j on the path from dof i to the root."""
  nb = len(t.bodies)
  ic = [None] * nb
  for b in range(1, nb):
    ic[b] = inertia(t, pose, b)
  for b in range(nb - 1, 0, -1):  # Ic = sum over the subtree
    ic[b] = s.barrier(ic[b])
    p = t.bodies[b].parent
    if p > 0:
      (i1, h1, m1), (i2, h2, m2) = ic[p], ic[b]
      ic[p] = (tuple(s.vadd(r1, r2) for r1, r2 in zip(i1, i2)), s.vadd(h1, h2), s.add(m1, m2))
  nv = len(pose.cdof)
  dofs = [[d for d in range(nv) if pose.dof_body[d] == b] for b in range(nb)]  # each body's
  out = [[0.0] * nv for _ in range(nv)]
  for i in range(nv):
    b = pose.dof_body[i]
    f = s.barrier(inert_mul(ic[b], pose.cdof[i]))
    while b > 0:
      for j in dofs[b]:
        if j <= i:
          out[i][j] = out[j][i] = sdot(pose.cdof[j], f)
      b = t.bodies[b].parent
  return out

"""Experiment (issue 19): the tree RNEA vectorised over bodies instead of unrolled per scalar.

Not a backend: an experiment kept so that its figures can be reproduced (docs/performance.md,
"A level-vectorised sweep"). It computes what jaxid.tree.rnea computes for joint torques,

  tau = cdof . S (I cacc + cvel x* I cvel - ext)     (nv,) per frame

with every array's last axis the frames (lanes), bodies and dofs on the leading axis:

  - kinematics: one step per tree level (and per joint slot of a level's bodies), each a handful
    of (n, 3, 3, L) elementwise ops instead of n bodies' scalar ops;
  - velocities and accelerations as products with constant 0/1 ancestry matrices
    (cvel = A (cdof qvel), cdof_dot = (P (cdof qvel)) x cdof), the subtree sum as S f;
  - hinge and free joints only (NotImplementedError otherwise): enough for the bundled model.

python -m benchmarks.experiments.level_rnea  prints the comparison with the scalar sweep
(trace + lower, XLA compile, run) for the forward and value_and_grad, B = 1 and 32, T = 200.
tests/test_level_rnea.py checks it against jaxid.tree.rnea in float64.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from jaxid.tree.constants import DOFS, FREE, HINGE, Tree

barrier = jax.lax.optimization_barrier


def cross(u, w):
  """u x w over axis 1: (n, 3, L). Written out: jnp.cross moves the axis last (transposes)."""
  return jnp.stack(
    [
      u[:, 1] * w[:, 2] - u[:, 2] * w[:, 1],
      u[:, 2] * w[:, 0] - u[:, 0] * w[:, 2],
      u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0],
    ],
    axis=1,
  )


def matvec(r, u):
  """r u: (n, 3, 3, L) (n, 3, L). Sums written as adds: XLA:CPU's reduce over a middle axis ran
  4.5x slower than the same adds (6.8 to 1.5 us/frame for the whole sweep)."""
  return r[:, :, 0] * u[:, None, 0] + r[:, :, 1] * u[:, None, 1] + r[:, :, 2] * u[:, None, 2]


def matmul(a, b):
  """a b: (n, 3, 3, L) each."""
  return sum(a[:, :, k, None] * b[:, None, k] for k in range(3))


def quat_mat(q):
  """R(q / |q|) of quaternions (n, 4, L), no square root: (n, 3, 3, L)."""
  w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
  ww, xx, yy, zz = w * w, x * x, y * y, z * z
  inv = 1.0 / (ww + xx + yy + zz)
  rows = [
    [ww + xx - yy - zz, 2 * (x * y - w * z), 2 * (x * z + w * y)],
    [2 * (x * y + w * z), ww - xx + yy - zz, 2 * (y * z - w * x)],
    [2 * (x * z - w * y), 2 * (y * z + w * x), ww - xx - yy + zz],
  ]
  return jnp.stack([jnp.stack(r, axis=1) for r in rows], axis=1) * inv[:, None, None]


@dataclasses.dataclass(frozen=True)
class Plan:
  """The static structure of a Tree: levels, dof bodies and the 0/1 ancestry matrices.

  A: (nbody - 1, nv) dof d moves body b; P: (nv, nv) dof e's velocity is in the velocity before
  dof d's joint; S: (nbody - 1, nbody - 1) body c is in the subtree of b; cdd: (nv,) 0 where
  cdof_dot is zero by definition (a free joint's translations)."""

  tree: Tree
  levels: tuple
  dof_body: np.ndarray
  A: np.ndarray
  P: np.ndarray
  S: np.ndarray
  cdd: np.ndarray


def plan(t: Tree) -> Plan:
  """The Plan of a Tree (hinge and free joints)."""
  nb, nv = len(t.bodies), t.nv
  depth = [0] * nb
  anc = np.zeros((nb, nb), bool)  # anc[b, c]: c is b or one of its ancestors (c >= 1)
  dof = {}  # dof -> (body, joint index in the body, type, index in the joint)
  for b in range(1, nb):
    depth[b] = depth[t.bodies[b].parent] + 1
    c = b
    while c > 0:
      anc[b, c], c = True, t.bodies[c].parent
    for i, jn in enumerate(t.bodies[b].joints):
      if jn.type not in (HINGE, FREE):
        raise NotImplementedError(f"joint type {jn.type}: the experiment has hinge and free")
      for k in range(DOFS[jn.type]):
        dof[jn.dadr + k] = (b, i, jn.type, k)
  dof_body = np.array([dof[d][0] for d in range(nv)], dtype=int)
  P, cdd = np.zeros((nv, nv)), np.ones(nv)
  for d in range(nv):
    b, i, typ, k = dof[d]
    cdd[d] = 0.0 if typ == FREE and k < 3 else 1.0
    for e in range(nv):
      be, ie, _, ke = dof[e]
      before = (be != b and anc[b, be]) or (be == b and ie < i)
      P[d, e] = before or (be == b and ie == i and typ == FREE and k >= 3 and ke < 3)
  levels = tuple(
    tuple(b for b in range(1, nb) if depth[b] == lv) for lv in range(1, max(depth) + 1)
  )
  A = anc[1:][:, dof_body].astype(float)
  return Plan(t, levels, dof_body, A, P, anc.T[1:, 1:].astype(float), cdd)


def _hinges(joints, pos, rot, q, dt):
  """Hinge joints applied to body frames (n, 3, L), (n, 3, 3, L): (pos, rot, anchor, axis)."""
  jp = jnp.asarray(np.array([jn.pos for jn in joints]), dt)[:, :, None]
  ja = np.array([jn.axis for jn in joints])
  anchor = matvec(rot, jp) + pos  # xanchor = xmat jnt_pos + xpos
  axis = matvec(rot, jnp.asarray(ja, dt)[:, :, None])  # xaxis = xmat jnt_axis
  ang = jnp.stack([q[jn.qadr] - jn.qpos0[0] for jn in joints])
  k = np.zeros((len(joints), 3, 3))  # [a]x
  k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -ja[:, 2], ja[:, 1], -ja[:, 0]
  k[:, 1, 0], k[:, 2, 0], k[:, 2, 1] = ja[:, 2], -ja[:, 1], ja[:, 0]
  # R = I + sin [a]x + (1 - cos) [a]x^2
  c, s = jnp.cos(ang)[:, None, None], jnp.sin(ang)[:, None, None]
  eye = np.eye(3)[None, :, :, None]
  loc = eye + jnp.asarray(k, dt)[..., None] * s + jnp.asarray(k @ k, dt)[..., None] * (1 - c)
  rot = matmul(rot, loc)
  return anchor - matvec(rot, jp), rot, anchor, axis


def _const(bodies, field: str, dt):
  """A Body field of each body, stacked: (n, ...)."""
  return jnp.asarray(np.array([getattr(b, field) for b in bodies]), dt)


def _joint_type(body, slot: int):
  """The type of the body's joint in that slot, None past its last joint."""
  return body.joints[slot].type if len(body.joints) > slot else None


def _motion(axis, anchor):
  """The cdof of a rotation about axis through anchor (3, L): [a, a x -anchor]."""
  return jnp.concatenate([axis, cross(axis[None], -anchor[None])[0]])


def kinematics(p: Plan, q):
  """xpos, xmat, xipos per body (nbody - 1, ..., L) relative to p0, and cdof (nv, 6, L)."""
  t, dt, n_lanes = p.tree, q.dtype, q.shape[-1]
  full = lambda x, shape: jnp.broadcast_to(x, shape)
  p0 = q[0:3] if t.free_root else jnp.zeros((3, 1), dt)
  xpos = {0: jnp.zeros((3, 1), dt)}
  xmat = {0: jnp.eye(3, dtype=dt)[:, :, None]}
  xipos, cdof = {}, {}
  for level in p.levels:
    bodies = [t.bodies[b] for b in level]
    pp = jnp.stack([full(xpos[b.parent], (3, n_lanes)) for b in bodies])
    pr = jnp.stack([full(xmat[b.parent], (3, 3, n_lanes)) for b in bodies])
    pos = pp + matvec(pr, _const(bodies, "pos", dt)[:, :, None])
    rot = matmul(pr, _const(bodies, "rot", dt)[..., None])
    frames = {}  # dadr -> (anchor, axis)
    for slot in range(max(len(b.joints) for b in bodies)):
      xs, rs = list(jnp.unstack(pos)), list(jnp.unstack(rot))
      hinge = [i for i, b in enumerate(bodies) if _joint_type(b, slot) == HINGE]
      if hinge:
        joints = [bodies[i].joints[slot] for i in hinge]
        sub = [jnp.stack([x[i] for i in hinge]) for x in (xs, rs)]
        x1, r1, anchor, axis = _hinges(joints, *sub, q, dt)
        for k, (i, jn) in enumerate(zip(hinge, joints)):
          xs[i], rs[i], frames[jn.dadr] = x1[k], r1[k], (anchor[k], axis[k])
      for i, b in enumerate(bodies):
        if _joint_type(b, slot) == FREE:
          jn = b.joints[slot]
          root = jn.qadr == 0 and t.free_root
          xs[i] = jnp.zeros((3, n_lanes), dt) if root else q[jn.qadr : jn.qadr + 3] - p0
          rs[i] = quat_mat(q[None, jn.qadr + 3 : jn.qadr + 7])[0]
          frames[jn.dadr] = (full(xs[i], (3, n_lanes)), None)
      pos = jnp.stack([full(x, (3, n_lanes)) for x in xs])
      rot = jnp.stack([full(r, (3, 3, n_lanes)) for r in rs])
      pos, rot = barrier((pos, rot))
    xip = barrier(pos + matvec(rot, _const(bodies, "ipos", dt)[:, :, None]))
    for k, (b, body) in enumerate(zip(level, bodies)):
      xpos[b], xmat[b], xipos[b] = pos[k], rot[k], xip[k]
      for jn in body.joints:
        anchor, axis = frames[jn.dadr]
        if jn.type == HINGE:
          cdof[jn.dadr] = _motion(axis, anchor)
        else:  # FREE: translations, then rotations about the body's axes
          for i in range(3):
            cdof[jn.dadr + i] = full(jnp.asarray(np.eye(6)[3 + i], dt)[:, None], (6, n_lanes))
            cdof[jn.dadr + 3 + i] = _motion(rot[k][:, i], anchor)
  bodies = range(1, len(t.bodies))
  out = (
    jnp.stack([full(xpos[b], (3, n_lanes)) for b in bodies]),
    jnp.stack([full(xmat[b], (3, 3, n_lanes)) for b in bodies]),
    jnp.stack([xipos[b] for b in bodies]),
    jnp.stack([cdof[d] for d in range(t.nv)]),
  )
  return p0, *barrier(out)


def motion_cross(v, u):
  """v x u for spatial motions (n, 6, L)."""
  return jnp.concatenate(
    [cross(v[:, :3], u[:, :3]), cross(v[:, :3], u[:, 3:]) + cross(v[:, 3:], u[:, :3])], axis=1
  )


def force_cross(v, f):
  """v x* f for a spatial motion v and force f (n, 6, L)."""
  return jnp.concatenate(
    [cross(v[:, :3], f[:, :3]) + cross(v[:, 3:], f[:, 3:]), cross(v[:, :3], f[:, 3:])], axis=1
  )


def torques(p: Plan, q, v, a, xfrc):
  """tau = qfrc_bias + M qacc - J' xfrc (no armature, passive or constraint terms): (nv, L).

  q (nq, L), v, a (nv, L); xfrc (nbody, 6, L) wrenches [f, tau] at xipos."""
  t, dt = p.tree, q.dtype
  _, _, xmat, xipos, cdof = kinematics(p, q)
  mat = lambda m, x: jnp.einsum("ij,j...->i...", jnp.asarray(m, dt), x)
  vel_before = barrier(mat(p.P, cdof * v[:, None]))
  # cdof_dot = cvel x cdof; cvel = A (cdof qvel); cacc = A (cdof qacc + cdof_dot qvel) - gravity
  cdot = motion_cross(vel_before, cdof) * jnp.asarray(p.cdd, dt)[:, None, None]
  cvel = mat(p.A, cdof * v[:, None])
  gravity = jnp.concatenate([jnp.zeros(3, dt), -jnp.asarray(t.gravity, dt)])[None, :, None]
  cacc = mat(p.A, cdof * a[:, None] + cdot * v[:, None]) + gravity
  cvel, cacc = barrier((cvel, cacc))
  bodies = t.bodies[1:]
  r = barrier(matmul(xmat, _const(bodies, "irot", dt)[..., None]))  # ximat
  inertia, c = _const(bodies, "inertia", dt)[:, :, None], xipos
  mass = _const(bodies, "mass", dt)[:, None, None]

  def inert_mul(u):
    """(I_o alpha + h x lin, m lin - h x alpha), I_o = R diag(I) R' + m (|c|^2 1 - c c')."""
    al, li = u[:, :3], u[:, 3:]
    rt_al = sum(r[:, k] * al[:, k, None] for k in range(3))
    cc = sum(c[:, k : k + 1] * c[:, k : k + 1] for k in range(3))
    c_al = sum(c[:, k : k + 1] * al[:, k : k + 1] for k in range(3))
    rot = matvec(r, inertia * rt_al) + mass * (cc * al - c * c_al)
    h = mass * c
    return jnp.concatenate([rot + cross(h, li), mass * li - cross(h, al)], axis=1)

  iv = barrier(inert_mul(cvel))
  f = barrier(inert_mul(cacc) + force_cross(cvel, iv))
  # the wrench [f, tau] at xipos is the spatial force (tau + c x f, f) about p0
  ext = jnp.concatenate([xfrc[1:, 3:] + cross(xipos, xfrc[1:, :3]), xfrc[1:, :3]], axis=1)
  cfrc = barrier(mat(p.S, f - ext))
  g = cdof * mat(np.eye(len(bodies))[p.dof_body - 1], cfrc)  # cdof . cfrc[body(d)]
  return sum(g[:, k] for k in range(6))


def scalar_torques(t: Tree, q, v, a, xfrc):
  """The same quantity from jaxid.tree.rnea's scalar sweep: (nv, L)."""
  from jaxid.tree import rnea
  from jaxid.tree import scalar as s

  pose = rnea.kinematics(t, list(q))
  qfrc = rnea.project(pose, rnea.subtree_sum(t, rnea.body_forces(t, pose, list(v), list(a))))
  ext = [(rnea.ZERO3, rnea.ZERO3)] * len(t.bodies)
  for b in range(1, len(t.bodies)):
    f, tau = tuple(xfrc[b, :3]), tuple(xfrc[b, 3:])
    ext[b] = (s.vadd(tau, s.cross(pose.xipos[b], f)), f)
  jx = rnea.project(pose, rnea.subtree_sum(t, ext))
  return jnp.stack([s.sub(x, y) for x, y in zip(qfrc, jx)])

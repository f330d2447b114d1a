"""Experiment (issue 19): the RNEA core over groups of bodies, now the tree backend's sweep.

The structure-of-arrays sweep measured here in stop 27 became jaxid.tree.groups (the default
sweep of jaxid.tree.frame); this keeps the experiments' interface, plan(t) and torques(p, ...),
for python -m benchmarks.experiments and tests/test_level_rnea.py: kinematics, cdof, the
Newton-Euler sweep and J' xfrc (no armature, passive or constraint terms).
"""

from __future__ import annotations

import jax.numpy as jnp

from jaxid.tree import groups
from jaxid.tree import scalar as s

plan = groups.plan


def torques(p: groups.Plan, q, v, a, xfrc):
  """tau = qfrc_bias + M qacc - J' xfrc (no armature, passive or constraint terms): (nv, L).

  q (nq, L), v, a (nv, L); xfrc (nbody, 6, L) wrenches [f, tau] at xipos."""
  poses = groups.kinematics(p, q)
  frc = groups.body_forces(p, poses, v, a)
  ext = groups.wrenches(p, poses, xfrc)
  nets = [tuple(s.vsub(x, y) for x, y in zip(f, e)) for f, e in zip(frc, ext)]
  tau = groups.project(p, poses, groups.subtree_sum(p, nets))
  return jnp.stack([jnp.broadcast_to(x, q.shape[1:]) for x in tau])

"""The sample's loads: the wrench the world exerts on the root, shared between the stance feet.

- root_wrench_map: world force and moment from the free root's generalized force.
- split_forces: each stance foot's force (vertical share, horizontal towards the centre of mass).
- support_loads: each foot's COP and free moment that balance the moment exactly.
"""

from __future__ import annotations

import numpy as np


def root_wrench_map(m, d):
  """World wrench (F, M about the world origin) from the free root's generalized force r."""

  def to_world(r):
    rot = d.xmat[1].reshape(3, 3)
    f = r[0:3]
    m_pelvis = rot @ r[3:6]  # about the pelvis origin, world frame
    return f, m_pelvis + np.cross(d.xpos[1], f)

  return to_world


def split_forces(f_tot, weights, nominal, com):
  """Each stance foot's force: its share of the vertical force, horizontal force along the line
  from its nominal COP to the centre of mass, the remainder shared by the vertical shares."""
  forces = {}
  for i in range(2):
    if weights[i] > 0:
      fz = weights[i] * f_tot[2]
      lean = (com[:2] - nominal[i][:2]) / max(com[2], 0.1)
      forces[i] = np.array([fz * lean[0], fz * lean[1], fz])
  rest = f_tot[:2] - sum(f[:2] for f in forces.values())
  for i, f in forces.items():
    f[:2] += weights[i] * rest
  return forces


def support_loads(forces, m_tot, nominal):
  """COP (on z = 0) and vertical free moment of each stance foot, its force given.

  Unknowns per stance foot: cop x, y and free moment T. The moment balance
  sum_i cop_i x F_i + T_i z = M is linear in them; the solution nearest the nominal COPs
  (and zero T) is u = u0 + W^-1 A' (A W^-1 A')^-1 (M - A u0), with W weighting COP error by
  1/(5 cm)^2 and free moment by 1/(5 N m)^2.
  """
  feet = sorted(forces)
  cols, u0, wdiag = [], [], []
  for i in feet:
    fx, fy, fz = forces[i]
    cols += [[0.0, -fz, fy], [fz, 0.0, -fx], [0.0, 0.0, 1.0]]
    u0 += [nominal[i][0], nominal[i][1], 0.0]
    wdiag += [0.05**-2, 0.05**-2, 5.0**-2]
  a = np.array(cols).T
  u0 = np.array(u0)
  winv = 1.0 / np.array(wdiag)
  lam = np.linalg.solve((a * winv) @ a.T, m_tot - a @ u0)
  u = u0 + winv * (a.T @ lam)
  out = {}
  for k, i in enumerate(feet):
    x, y, tz = u[3 * k : 3 * k + 3]
    out[i] = (forces[i], np.array([x, y, 0.0]), np.array([0.0, 0.0, tz]))
  return out

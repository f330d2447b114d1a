"""OpenSim coordinates <-> the MuJoCo dofs of the twin: chain-rule expansion, virtual-work projection."""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp


@dataclasses.dataclass(frozen=True)
class Dof:
  """One MuJoCo dof (a hinge or slide of the twin): its value is fn(q[coord])."""

  name: str
  coord: int  # index into CoordinateMap.coords
  fn: object  # jaxid.models.osim.functions callable: x -> (f, f', f'')


@dataclasses.dataclass(frozen=True)
class CoordinateMap:
  """OpenSim coordinates (OpenSim's CoordinateSet order) and the MuJoCo dofs (qpos order)."""

  coords: tuple[str, ...]
  rotational: tuple[bool, ...]
  dofs: tuple[Dof, ...]

  @property
  def columns(self) -> tuple[str, ...]:
    """OpenSim's ID output columns: <coord>_moment (rotational) or <coord>_force."""
    return tuple(c + ("_moment" if r else "_force") for c, r in zip(self.coords, self.rotational))

  def _eval(self, q):
    """q (..., ncoord) -> f, f', f'' each (..., ndof)."""
    out = [d.fn(q[..., d.coord]) for d in self.dofs]
    return tuple(jnp.stack([o[i] for o in out], axis=-1) for i in range(3))

  def _gather(self, x):
    """(..., ncoord) -> (..., ndof): each dof's coordinate."""
    return x[..., jnp.asarray([d.coord for d in self.dofs], dtype=int)]

  def expand(self, q, qd, qdd):
    """Coordinates (..., ncoord) x3 -> MuJoCo qpos, qvel, qacc (..., ndof) by the chain rule."""
    q, qd, qdd = jnp.asarray(q), jnp.asarray(qd), jnp.asarray(qdd)
    f, f1, f2 = self._eval(q)
    v = self._gather(qd)
    return f, f1 * v, f2 * v * v + f1 * self._gather(qdd)

  def jacobian(self, q):
    """q (..., ncoord) -> d(dofs)/d(coords) (..., ndof, ncoord)."""
    _, f1, _ = self._eval(jnp.asarray(q))
    onehot = jnp.eye(len(self.coords))[jnp.asarray([d.coord for d in self.dofs], dtype=int)]
    return f1[..., :, None] * onehot

  def project(self, tau_dofs, q):
    """Dof forces (..., ndof) -> coordinate moments/forces (..., ncoord): J^T tau (virtual work)."""
    return jnp.einsum("...k,...kc->...c", jnp.asarray(tau_dofs), self.jacobian(q))

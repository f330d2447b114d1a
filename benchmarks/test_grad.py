"""Reverse mode: jitted value_and_grad of a joint-torque loss, one trial and a batch.

Loss: mean(joint_torques**2), the gradient with respect to the whole Trial pytree (kinematics
and loads), as an ML model predicting kinematics would need. Each row checks the value against
the C peer and the gradient's directional derivative against a float64 central difference of
the C peer along a random direction in qvel, qacc and the ground reaction forces.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxid
from benchmarks import conftest as fx
from benchmarks import cpeer
from benchmarks.common import CFG, available, bench, f32, resolved

T = CFG.t_main


def value_and_grad(gait, schedule: str):
  def loss(trial):
    out = jaxid.inverse_dynamics(gait, trial, outputs=jaxid.TORQUES, schedule=schedule)
    return jnp.mean(out["joint_torques"] ** 2)

  return jax.jit(jax.value_and_grad(loss))


def peer_loss(gait, trial) -> float:
  tau = cpeer.run(gait.mj_model, gait.body_ids, trial, ("joint_torques",))["joint_torques"]
  return float(np.mean(tau**2))


def direction(trial, seed=0):
  """A random tangent: qvel, qacc (scaled like the data), grf_l/r (10 N); zeros elsewhere."""
  rng = np.random.default_rng(seed)
  zero = jax.tree.map(np.zeros_like, trial)
  kin = dataclasses.replace(
    zero.kinematics,
    qvel=rng.normal(size=trial.kinematics.qvel.shape),
    qacc=10.0 * rng.normal(size=trial.kinematics.qacc.shape),
  )
  loads = dataclasses.replace(
    zero.loads,
    grf_l=10.0 * rng.normal(size=trial.loads.grf_l.shape),
    grf_r=10.0 * rng.normal(size=trial.loads.grf_r.shape),
  )
  return jaxid.Trial(kin, loads)


def check_grad(gait, trial, value, grad, eps=1e-4):
  """value vs the C peer; <grad, v> vs the C peer's central difference along v (float64)."""
  ref = peer_loss(gait, trial)
  assert abs(float(value) - ref) <= 1e-3 * abs(ref), (float(value), ref)
  v = direction(trial)
  plus = jax.tree.map(lambda x, d: x + eps * d, trial, v)
  minus = jax.tree.map(lambda x, d: x - eps * d, trial, v)
  fd = (peer_loss(gait, plus) - peer_loss(gait, minus)) / (2 * eps)
  leaves = jax.tree.leaves(grad)
  assert all(np.all(np.isfinite(np.asarray(g))) for g in leaves), "non-finite gradient"
  dot = sum(
    float(np.sum(np.asarray(g, np.float64) * d))
    for g, d in zip(leaves, jax.tree.leaves(v), strict=True)
  )
  assert abs(dot - fd) <= 1e-2 * abs(fd), (dot, fd)


@pytest.mark.parametrize("schedule", available(CFG.grad_schedules))
def test_grad_single(benchmark, gait, schedule):
  vg = value_and_grad(gait, schedule)
  tr = f32(fx.trial(T))

  def fn():
    return jax.block_until_ready(vg(tr))

  fn()
  value, grad = bench(
    benchmark,
    fn,
    group=f"grad T={T} torques",
    frames=T,
    impl="jaxid",
    kind="grad",
    outputs="torques",
    T=T,
    B=1,
    schedule=schedule,
    resolved=resolved(schedule, False),
  )
  check_grad(gait, fx.trial(T), value, grad)


@pytest.mark.skipif(CFG.grad_batch == 0, reason="full run only")
@pytest.mark.parametrize("schedule", available(("auto", "vmap")))
def test_grad_batch(benchmark, gait, schedule):
  b = CFG.grad_batch
  vg = value_and_grad(gait, schedule)
  tr = f32(fx.batch_trial(b, T))

  def fn():
    return jax.block_until_ready(vg(tr))

  fn()
  value, grad = bench(
    benchmark,
    fn,
    group=f"grad T={T} torques",
    frames=b * T,
    impl="jaxid",
    kind="grad",
    outputs="torques",
    T=T,
    B=b,
    schedule=schedule,
    resolved=resolved(schedule, True),
  )
  # The batch loss is the mean over trials; every trial of the tiled batch is checked through
  # the first one's value and gradient (all copies of a trial get the same gradient).
  seeds = fx.batch_seeds(b)
  ref = np.mean([peer_loss(gait, fx.trial(T, s)) for s in seeds])
  assert abs(float(value) - ref) <= 1e-3 * abs(ref), (float(value), ref)
  g0 = jax.tree.map(lambda x: np.asarray(x[0]) * b, grad)
  check_grad(gait, fx.trial(T, seeds[0]), peer_loss(gait, fx.trial(T, seeds[0])), g0)

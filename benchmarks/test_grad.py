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
    out = jaxid.inverse_dynamics(
      gait, trial, outputs=jaxid.TORQUES, schedule=schedule, backend="mjx"
    )
    return jnp.mean(out["joint_torques"] ** 2)

  return jax.jit(jax.value_and_grad(loss), compiler_options=jaxid.XLA_OPTIONS)  # as the docs say


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


def check_value(value, ref: float) -> None:
  """The float32 loss within 1e-3 of the C peer's float64 loss."""
  assert abs(float(value) - ref) <= 1e-3 * abs(ref), (float(value), ref)


def check_grad(gait, trial, value, grad, eps=1e-4):
  """value vs the C peer; <grad, v> vs the C peer's central difference along v (float64)."""
  check_value(value, peer_loss(gait, trial))
  check_direction(gait, trial, grad, eps)


def check_direction(gait, trial, grad, eps=1e-4) -> None:
  """<grad, v> vs the C peer's float64 central difference along a random direction v."""
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


def grad_row(benchmark, model, trial, schedule: str, /, *, group: str, batch: int = 1, **info):
  """Time jit(value_and_grad(loss)) on the float32 trial, compiled first; (value, grad)."""
  vg = value_and_grad(model, schedule)
  tr = f32(trial)

  def fn():
    return jax.block_until_ready(vg(tr))

  fn()
  return bench(
    benchmark,
    fn,
    group=group,
    frames=batch * trial.kinematics.qpos.shape[-2],
    impl="jaxid",
    kind="grad",
    outputs="torques",
    B=batch,
    schedule=schedule,
    resolved=resolved(schedule, batch > 1),
    **info,
  )


@pytest.mark.parametrize("schedule", available(CFG.grad_schedules))
def test_grad_single(benchmark, gait, schedule):
  value, grad = grad_row(benchmark, gait, fx.trial(T), schedule, group=f"grad T={T} torques", T=T)
  check_grad(gait, fx.trial(T), value, grad)


@pytest.mark.skipif(CFG.grad_batch == 0, reason="full run only")
@pytest.mark.parametrize("schedule", available(("auto", "vmap")))
def test_grad_batch(benchmark, gait, schedule):
  b = CFG.grad_batch
  tr = fx.batch_trial(b, T)
  value, grad = grad_row(benchmark, gait, tr, schedule, group=f"grad T={T} torques", batch=b, T=T)
  # The batch loss is the mean over trials: its value against the C peer's mean, and the first
  # trial's gradient (times B) against the C peer's directional derivative of its own loss.
  seeds = fx.batch_seeds(b)
  check_value(value, float(np.mean([peer_loss(gait, fx.trial(T, s)) for s in seeds])))
  check_direction(gait, fx.trial(T, seeds[0]), jax.tree.map(lambda x: np.asarray(x[0]) * b, grad))

"""python -m benchmarks.experiments: the vectorised sweeps (level, soa) against the scalar one.

One process, one sitting: for B = 1 and 32 trials of T = 200 frames (the bundled model's sample
trials, float32, random foot-sized wrenches on every body), the forward torques and the
value_and_grad of mean(tau^2) over every input, each jitted with jaxid.XLA_OPTIONS: trace +
lower, XLA compile, best of 20 calls in us/frame, and each sweep's largest difference from the
scalar one.
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

import jaxid
from benchmarks.experiments import level_rnea, soa_rnea
from jaxid.tree import tree_of


def lanes(model, t, batch: int):
  """(q, v, a, xfrc) of batch sample trials with frames on the last axis, float32."""
  trials = [jaxid.sample_trial(model, n_frames=200, seed=s) for s in range(min(batch, 4))]
  kin = [trials[i % len(trials)].kinematics for i in range(batch)]
  cat = lambda k: np.concatenate([np.asarray(getattr(x, k), np.float32) for x in kin]).T
  rng = np.random.default_rng(0)
  xfrc = (100 * rng.normal(size=(len(t.bodies), 6, 200 * batch))).astype(np.float32)
  return cat("qpos"), cat("qvel"), cat("qacc"), xfrc


def measure(fn, args) -> tuple[float, float, float, object]:
  """(trace + lower s, XLA compile s, best call us/frame, output) of jit(fn)(*args)."""
  jitted = jax.jit(fn, compiler_options=jaxid.XLA_OPTIONS)
  t0 = time.perf_counter()
  lowered = jitted.lower(*args)
  t1 = time.perf_counter()
  compiled = lowered.compile()
  t2 = time.perf_counter()
  out = jax.block_until_ready(compiled(*args))
  best = np.inf
  for _ in range(20):
    t3 = time.perf_counter()
    jax.block_until_ready(compiled(*args))
    best = min(best, time.perf_counter() - t3)
  return t1 - t0, t2 - t1, best / args[0].shape[-1] * 1e6, out


def main() -> None:
  model = jaxid.load_model("gait_lowerbody")
  t = tree_of(model.mj_model)
  p, soa = level_rnea.plan(t), soa_rnea.plan(t)
  sweeps = {
    "scalar": lambda *x: level_rnea.scalar_torques(t, *x),
    "level": lambda *x: level_rnea.torques(p, *x),
    "soa": lambda *x: soa_rnea.torques(soa, *x),
  }
  print(f"{jax.devices()[0].device_kind}, jax {jax.__version__}; T = 200, float32")
  print("| sweep | program | B | trace + lower s | XLA compile s | us/frame |")
  print("|---|---|---|---|---|---|")
  for batch in (1, 32):
    args = lanes(model, t, batch)
    outs = {}
    for name, fn in sweeps.items():
      loss = lambda *x, fn=fn: jnp.mean(fn(*x) ** 2)
      programs = {"forward": fn, "value_and_grad": jax.value_and_grad(loss, argnums=(0, 1, 2, 3))}
      for prog, f in programs.items():
        lower, comp, run, out = measure(f, args)
        outs[name, prog] = out
        print(f"| {name} | {prog} | {batch} | {lower:.2f} | {comp:.2f} | {run:.3f} |", flush=True)
    ref = np.asarray(outs["scalar", "forward"])
    for name in list(sweeps)[1:]:
      diff = np.max(np.abs(ref - np.asarray(outs[name, "forward"])))
      scale = np.max(np.abs(ref))
      print(f"B = {batch}: {name} torques differ by {diff:.2e} N m (scale {scale:.0f} N m)")


if __name__ == "__main__":
  main()

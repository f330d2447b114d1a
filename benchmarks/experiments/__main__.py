"""python -m benchmarks.experiments: the vectorised sweeps (level, soa) against the scalar one.

One process, one sitting: for B = 1 and 32 trials of T = 200 frames (the bundled model's sample
trials, float32, random foot-sized wrenches on every body), the forward torques and the
value_and_grad of mean(tau^2) over every input, each jitted with jaxid.XLA_OPTIONS: trace +
lower, XLA compile (no persistent cache), the best of 30 calls in us/frame (all programs of one
B called in turn), and each sweep's largest difference from the scalar one.
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


def model_names() -> list[str]:
  """The bundled model, and MyoLeg when jaxid[myo] is installed."""
  try:
    import myo_sim  # noqa: F401
  except ImportError:
    return ["gait_lowerbody"]
  return ["gait_lowerbody", "myolegs"]


def compile_(fn, args) -> tuple[float, float, object]:
  """(trace + lower s, XLA compile s, compiled) of jit(fn) at args."""
  jitted = jax.jit(fn, compiler_options=jaxid.XLA_OPTIONS)
  t0 = time.perf_counter()
  lowered = jitted.lower(*args)
  t1 = time.perf_counter()
  compiled = lowered.compile()
  return t1 - t0, time.perf_counter() - t1, compiled


def best_times(compiled: dict, args, rounds: int = 30, frames: int | None = None) -> dict:
  """Per key the best call in us/frame, the programs called in turn (round robin): this VM's
  speed drifts by tens of percent within a minute, so programs timed one after the other
  compare the minutes, not the programs."""
  best = dict.fromkeys(compiled, np.inf)
  for _ in range(rounds):
    for key, c in compiled.items():
      t0 = time.perf_counter()
      jax.block_until_ready(c(*args))
      best[key] = min(best[key], time.perf_counter() - t0)
  frames = frames or args[0].shape[-1]  # default: frames on the lanes of the first argument
  return {k: b / frames * 1e6 for k, b in best.items()}


def main() -> None:
  jax.config.update("jax_enable_compilation_cache", False)  # cold compiles, every run
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
    compiled, times = {}, {}
    for name, fn in sweeps.items():
      loss = lambda *x, fn=fn: jnp.mean(fn(*x) ** 2)
      programs = {"forward": fn, "value_and_grad": jax.value_and_grad(loss, argnums=(0, 1, 2, 3))}
      for prog, f in programs.items():
        *times[name, prog], compiled[name, prog] = compile_(f, args)
    run = best_times(compiled, args)
    for (name, prog), (lower, comp) in times.items():
      print(f"| {name} | {prog} | {batch} | {lower:.2f} | {comp:.2f} | {run[name, prog]:.3f} |")
    ref = np.asarray(compiled["scalar", "forward"](*args))
    for name in list(sweeps)[1:]:
      diff = np.max(np.abs(ref - np.asarray(compiled[name, "forward"](*args))))
      scale = np.max(np.abs(ref))
      print(f"B = {batch}: {name} torques differ by {diff:.2e} N m (scale {scale:.0f} N m)")


if __name__ == "__main__":
  main()

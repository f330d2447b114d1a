"""python -m benchmarks.experiments.batches: a batch trial by trial or side by side.

Options.batch (jaxid.options.auto_batch): "map" runs a tree-backend batch's trials one after
another (jaxid.batching.batch_map: lax.map; above VMAP_JVP_MAX_FRAMES frames its reverse pass
trial by trial through jax.checkpoint, as at B x T here), "vmap" runs all B x T frames as the
lanes of one program, and "caller's vmap" is jax.vmap over single-trial calls (a per-trial loss,
as examples/train_through_id.py has it).
B = 32 sample trials of T = 200 frames, float32, the bundled model and MyoLeg (when jaxid[myo] is
installed): the torques and value_and_grad of mean(tau^2) over the batch, each jitted with
jaxid.XLA_OPTIONS and compiled with no persistent cache, then all programs of one model called in
turn three times (best of 20, us/frame), and each layout's largest difference from vmap's
torques and gradients.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

import jaxid
from benchmarks.common import f32, stack
from benchmarks.experiments.__main__ import best_times, compile_, model_names
from jaxid import options, pipeline

B, T = 32, 200
LAYOUTS = ("vmap", "map", "caller's vmap")


def programs(model, trial) -> dict:
  """{(program, layout): fn(trial)} for each of LAYOUTS."""
  opts = options.resolve(model.mj_model, jaxid.TORQUES, False, "auto", False, (B,), T, "tree")
  one = lambda tr: jaxid.inverse_dynamics(model, tr, outputs=jaxid.TORQUES, backend="tree")
  out = {}
  for batch in LAYOUTS:
    if batch == "caller's vmap":  # jax.vmap over single-trial calls, as a per-trial loss does
      run = lambda tr: jax.vmap(one)(tr)["joint_torques"]
    else:
      o = dataclasses.replace(opts, batch=batch)
      run = lambda tr, o=o: pipeline.trial_outputs(model, tr, o)["joint_torques"]
    out["torques", batch] = run
    out["value_and_grad", batch] = jax.value_and_grad(lambda tr, run=run: jnp.mean(run(tr) ** 2))
  return out


def main() -> None:
  jax.config.update("jax_enable_compilation_cache", False)  # cold compiles, every run
  print(f"{jax.devices()[0].device_kind}, jax {jax.__version__}; B = {B}, T = {T}, float32")
  print("| model | program | batch | trace + lower s | XLA compile s | us/frame (3 rounds) |")
  print("|---|---|---|---|---|---|")
  for name in model_names():
    model = jaxid.load_model(name)
    trials = [jaxid.sample_trial(model, n_frames=T, seed=s) for s in range(4)]
    trial = f32(stack([trials[i % 4] for i in range(B)]))
    compiled, times = {}, {}
    for key, fn in programs(model, trial).items():
      *times[key], compiled[key] = compile_(fn, (trial,))
    rounds = [best_times(compiled, (trial,), rounds=20, frames=B * T) for _ in range(3)]
    for key, (lower, comp) in times.items():
      us = " / ".join(f"{r[key]:.3f}" for r in rounds)
      print(f"| {name} | {key[0]} | {key[1]} | {lower:.2f} | {comp:.2f} | {us} |")
    tau = {b: np.asarray(compiled["torques", b](trial)) for b in LAYOUTS}
    grads = {b: jax.tree.leaves(compiled["value_and_grad", b](trial)[1]) for b in LAYOUTS}
    for b in LAYOUTS[1:]:
      dg = max(float(np.max(np.abs(x - y))) for x, y in zip(grads["vmap"], grads[b]))
      print(
        f"{name}, {b} against vmap: torques differ by"
        f" {np.max(np.abs(tau['vmap'] - tau[b])):.2e} N m (scale {np.max(np.abs(tau['vmap'])):.0f});"
        f" gradients by {dg:.2e}"
      )


if __name__ == "__main__":
  main()

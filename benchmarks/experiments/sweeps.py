"""python -m benchmarks.experiments.sweeps: the tree frame's sweeps (jaxid.tree.frame.SWEEPS),
bodies (rnea) against groups (jaxid.tree.groups, the default), in one process and one sitting.

The bundled model and MyoLeg (when jaxid[myo] is installed), float32, T = 200 frames of sample
trials: the torques of one trial, every output of one trial, the torques of B = 32 trials, and
value_and_grad of mean(tau^2) over the trial, one trial and B = 32 (jaxid.inverse_dynamics,
backend "tree", schedule "auto"); each jitted with jaxid.XLA_OPTIONS, compiled with no persistent
cache (trace + lower, XLA compile), then all programs of one batch size called in turn (best of
30, us/frame), and the groups' largest difference from the bodies' torques.
"""

from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np

import jaxid
from benchmarks.common import f32, stack
from benchmarks.experiments.__main__ import best_times, compile_, model_names
from jaxid import contract


def main() -> None:
  jax.config.update("jax_enable_compilation_cache", False)  # cold compiles, every run
  print(f"{jax.devices()[0].device_kind}, jax {jax.__version__}; T = 200, float32")
  print("| model | program | sweep | B | trace + lower s | XLA compile s | us/frame |")
  print("|---|---|---|---|---|---|---|")
  for name in model_names():
    sweep_model(name)


def sweep_model(name: str) -> None:
  """The table's rows of one model, and the groups' difference from the bodies' torques."""
  model = jaxid.load_model(name)
  trials = [jaxid.sample_trial(model, n_frames=200, seed=s) for s in range(4)]
  for batch in (1, 32):
    trial = f32(trials[0] if batch == 1 else stack([trials[i % 4] for i in range(batch)]))
    compiled, times = {}, {}
    for sweep in ("bodies", "groups"):

      def run(tr, outputs=jaxid.TORQUES):
        return jaxid.inverse_dynamics(model, tr, outputs=outputs, backend="tree")

      loss = lambda tr, run=run: jnp.mean(run(tr)["joint_torques"] ** 2)
      programs = {"torques": run, "value_and_grad": jax.value_and_grad(loss)}
      if batch == 1:
        programs["every output"] = lambda tr, run=run: run(tr, contract.ALL_OUTPUTS)
      # read when the program is traced (jaxid.tree.frame the function shadows the module)
      sys.modules["jaxid.tree.frame"].SWEEP = sweep
      jax.clear_caches()
      for prog, f in programs.items():
        *times[prog, sweep], compiled[prog, sweep] = compile_(f, (trial,))
    run_us = best_times(compiled, (trial,), frames=200 * batch)
    for (prog, sweep), (lower, comp) in times.items():
      us = run_us[prog, sweep]
      print(f"| {name} | {prog} | {sweep} | {batch} | {lower:.2f} | {comp:.2f} | {us:.3f} |")
    ref = np.asarray(compiled["torques", "bodies"](trial)["joint_torques"])
    diff = np.max(np.abs(ref - np.asarray(compiled["torques", "groups"](trial)["joint_torques"])))
    assert diff > 0, "the two sweeps compiled the same program"
    scale = np.max(np.abs(ref))
    print(f"{name}, B = {batch}: groups' torques differ by {diff:.2e} N m (scale {scale:.0f})")


if __name__ == "__main__":
  main()

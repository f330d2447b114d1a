"""python -m benchmarks.experiments.overhead: what a top-level call costs beyond its program.

jaxid.inverse_dynamics(model, trial) on device arrays (float32, T = 200): one trial with every
output and a batch of 32 with the torques, the bundled model and MyoLeg (when jaxid[myo] is
installed), on the tree backend. Per call, in us (the best of 30, the rows called in turn):

  call        inverse_dynamics(model, trial), as a user calls it (values validated)
  unvalidated the same with validate=False
  program     the jitted pipeline it runs (jaxid.pipeline.jit_trial_outputs), blocked on
  dispatch    that program's Python dispatch only (not blocked on)
  validation  jaxid.validate.check_values alone

The bench's bundled tree rows time a caller's jit (no validation, no dispatch per frame); its
MyoLeg batch rows time the call. Run with the persistent cache warm or cold: compiles happen
before timing either way.
"""

from __future__ import annotations

import time

import jax

import jaxid
from benchmarks.common import f32, stack
from benchmarks.experiments.__main__ import model_names
from jaxid import api, pipeline, validate

T = 200


def rows(model, trial, outputs) -> dict:
  """{name: fn()} of one case."""
  _, opts = api._prepare(model, trial, outputs, False, "auto", False, True, "tree")
  call = lambda **kw: jaxid.inverse_dynamics(model, trial, outputs=outputs, backend="tree", **kw)
  return {
    "call": lambda: jax.block_until_ready(call()),
    "unvalidated": lambda: jax.block_until_ready(call(validate=False)),
    "program": lambda: jax.block_until_ready(pipeline.jit_trial_outputs(model, trial, opts)),
    "dispatch": lambda: pipeline.jit_trial_outputs(model, trial, opts),
    "validation": lambda: jax.block_until_ready(validate.check_values(model.mj_model, trial)),
  }


def best(fns: dict, rounds: int = 30) -> dict:
  """Per name the best call in us, the rows called in turn."""
  out = dict.fromkeys(fns, float("inf"))
  for _ in range(rounds):
    for k, f in fns.items():
      t0 = time.perf_counter()
      r = f()
      out[k] = min(out[k], time.perf_counter() - t0)
      jax.block_until_ready(r)  # the dispatch row's program finishes outside its time
  return {k: v * 1e6 for k, v in out.items()}


def main() -> None:
  print(f"{jax.devices()[0].device_kind}, jax {jax.__version__}; T = {T}, float32, tree backend")
  names = ("call", "unvalidated", "program", "dispatch", "validation")
  print(f"| model | case | {' | '.join(names)} | call us/frame |")
  print("|---|---|" + "---|" * (len(names) + 1))
  for name in model_names():
    model = jaxid.load_model(name)
    trials = [jaxid.sample_trial(model, n_frames=T, seed=s) for s in range(4)]
    cases = {
      "one trial, every output": (f32(trials[0]), None, 1),
      "B = 32, torques": (f32(stack([trials[i % 4] for i in range(32)])), jaxid.TORQUES, 32),
    }
    for case, (trial, outputs, b) in cases.items():
      fns = rows(model, trial, outputs)
      for f in fns.values():  # compile (and warm) every row before timing
        jax.block_until_ready(f())
      us = best(fns)
      cells = " | ".join(f"{us[k]:.0f}" for k in names)
      print(f"| {name} | {case} | {cells} | {us['call'] / (b * T):.3f} |")


if __name__ == "__main__":
  main()

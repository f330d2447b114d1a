"""A batch of trials on the tree backend's CPU path: trial by trial, derivatives included.

jaxid.pipeline.trial_outputs uses batch_map when Options.batch is "map" (jaxid.options.auto_batch).
"""

from __future__ import annotations

import math

import jax

from jaxid.types import Kinematics, Loads, Trial

# A mapped batch of at most this many frames (B x T) is differentiated as jax.vmap, a larger one
# trial by trial. vmap's gradient (bundled model, float32, the 2-core VM) was the faster at every
# shape measured from 8 x 48 to 28 x 200 frames (1.2-2.8 against 1.8-4.7 us/frame), 1.5x slower
# at 32 x 200 (2.6-2.7 against 1.8); MyoLeg likewise (1.5x faster at 16 x 200, 1.3x slower at
# 32 x 200). docs/performance.md.
VMAP_JVP_MAX_FRAMES = 4800


def batch_map(fn, trial: Trial):
  """fn over trial's leading batch axis B trial by trial (lax.map), and its derivatives: above
  VMAP_JVP_MAX_FRAMES frames (B x T), lax.map of each trial's jvp through jax.checkpoint(fn), so
  the reverse pass recomputes one trial's forward beside its backward instead of storing B
  trials' intermediates; else jax.jvp of jax.vmap(fn) (all trials side by side). A caller's
  jax.vmap batches the map's body: still trial by trial."""
  rerun = math.prod(trial.kinematics.qvel.shape[:-1]) > VMAP_JVP_MAX_FRAMES

  @jax.custom_jvp
  def run(kin: Kinematics, ld: Loads) -> dict:
    return jax.lax.map(lambda x: fn(*x), (kin, ld))

  @run.defjvp
  def run_jvp(primals, tangents):
    if not rerun:
      return jax.jvp(jax.vmap(fn), primals, tangents)
    # linearised, each step saves its trial's inputs; transposed, it reruns that trial
    trial = jax.checkpoint(fn)
    return jax.lax.map(lambda pt: jax.jvp(trial, *pt), (primals, tangents))

  return run

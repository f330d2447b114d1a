"""The static options of one call, checked and resolved once: outputs, schedule, remat, checks.

Options is hashable, so the jitted pipeline keys its compilations on it. Every option of the
public API is checked here, once, with an InputError naming the argument.
"""

from __future__ import annotations

import dataclasses
import warnings

import jax
import mujoco
import numpy as np

from jaxid import contract
from jaxid.errors import InputError
from jaxid.tree import unsupported
from jaxid.validate import InputWarning

SCHEDULES = ("auto", "scan", "vmap", "chunked")
BACKENDS = ("auto", "tree", "mjx")
VMAP_MAX_FRAMES = 2048  # beyond this, all frames' intermediates at once cost too much memory
CHUNK = 8  # frames per vmapped chunk of the chunked schedule
TREE_VMAP_MAX_FRAMES = 1 << 16  # the tree backend's intermediates per frame are a few KiB


@dataclasses.dataclass(frozen=True)
class Options:
  """Resolved options of one call.

  returned: the output keys the caller asked for, in the order of contract.ALL_OUTPUTS
  computed: returned plus contract.DISTANCES, which the far-COP warning reads (so an eager call
    and the same call inside a user's jit compile one program)
  schedule: "scan", "vmap" or "chunked" (never "auto")
  remat: checkpoint each frame (reverse mode stores only each frame's inputs)
  checks: checkify checks that every output is finite, naming key and frame
  batched: the trial has a leading batch axis B
  backend: "tree" (the straight-line RNEA of jaxid.tree) or "mjx" (never "auto")
  batch: how a batch's trials run: "vmap" (side by side) or "map" (one after another with
    its derivatives too above VMAP_JVP_MAX_FRAMES frames, jaxid.batching.batch_map); see
    auto_batch
  """

  returned: tuple[str, ...]
  computed: tuple[str, ...]
  schedule: str
  remat: bool
  checks: bool
  batched: bool
  backend: str = "mjx"
  batch: str = "vmap"


def auto_schedule(batched: bool, n_frames: int, backend: str = "mjx") -> str:
  """The schedule measured fastest on CPU (benchmarks/report.md): for one trial all frames
  vmapped (chunks of CHUNK past VMAP_MAX_FRAMES frames); for a batch on MJX the scan over frames
  with the batch vmapped inside (vmap over B x T frames at once was slower). The tree backend
  keeps a few hundred floats per frame, so it takes every frame of a batch at once as lanes
  (2.3 us/frame at B = 32, T = 200, where its scan compiled for minutes)."""
  if backend == "tree":
    return "vmap" if n_frames <= TREE_VMAP_MAX_FRAMES else "chunked"
  if batched:
    return "scan"
  return "vmap" if n_frames <= VMAP_MAX_FRAMES else "chunked"


def auto_batch(batched: bool, backend: str, sharded: bool = False) -> str:
  """ "map" for a tree-backend batch on a CPU that is not sharded over devices, else "vmap".

  On the 2-core VM a batch of 32 trials x 200 frames ran its forward pass 1.2-1.4x faster trial
  by trial (200 lanes per loop, in cache) than as one 6,400-lane program, and its gradient
  1.5x faster with each trial's forward rerun in its reverse pass; up to
  jaxid.batching.VMAP_JVP_MAX_FRAMES frames the batch is differentiated as vmap, which was the
  faster there (docs/performance.md). A batch sharded over devices is split by vmap's batch
  axis; a GPU wants the widest loops."""
  cpu = jax.default_backend() == "cpu"
  return "map" if batched and backend == "tree" and cpu and not sharded else "vmap"


def flag(name: str, value) -> bool:
  """A boolean option; InputError for anything else ("yes", 1, None)."""
  if not isinstance(value, bool | np.bool_):
    raise InputError(f"{name}: expected True or False, got {value!r}.")
  return bool(value)


def names(name: str, value, what: str) -> tuple[str, ...]:
  """A sequence of strings (a bare string is refused: it is not a sequence of keys)."""
  if isinstance(value, str | bytes):
    raise InputError(
      f"{name}: expected a sequence of {what}, like ({value!r},), got the string {value!r}."
    )
  try:
    items = tuple(value)
  except TypeError:
    raise InputError(
      f"{name}: expected a sequence of {what}, got {type(value).__name__}."
    ) from None
  bad = [v for v in items if not isinstance(v, str)]
  if bad:
    raise InputError(f"{name}: expected {what} as strings, got {bad!r}.")
  return items


def resolve_backend(mj_model: mujoco.MjModel, backend) -> str:
  """ "tree" or "mjx": auto picks tree when the model is supported, else mjx with an InputWarning
  naming the feature; "tree" on an unsupported model raises InputError naming it."""
  if not isinstance(backend, str) or backend not in BACKENDS:
    raise InputError(f"backend: expected one of {list(BACKENDS)}, got {backend!r}.")
  if backend == "mjx":
    return "mjx"
  why = unsupported(mj_model)
  if why is None:
    return "tree"
  if backend == "tree":
    raise InputError(f"backend: the tree backend does not support this model's {why}; use 'mjx'.")
  warnings.warn(
    f"backend: the tree backend does not support this model's {why}; running on mjx.",
    InputWarning,
    stacklevel=5,
  )
  return "mjx"


def check_outputs(mj_model: mujoco.MjModel, outputs) -> tuple[str, ...]:
  """The requested output keys, validated; residuals only exist with a free root."""
  keys = contract.ALL_OUTPUTS if outputs is None else names("outputs", outputs, "output keys")
  unknown = [k for k in keys if k not in contract.ALL_OUTPUTS]
  if unknown:
    raise InputError(f"outputs: unknown keys {unknown}; choose from {list(contract.ALL_OUTPUTS)}.")
  free = contract.has_free_root(mj_model)
  return tuple(dict.fromkeys(k for k in keys if k != "residuals" or free))


def resolve(
  mj_model: mujoco.MjModel,
  outputs,
  remat,
  schedule,
  check_finite,
  batch_shape: tuple[int, ...],
  n_frames: int,
  backend="mjx",
  sharded: bool = False,
) -> Options:
  """Options of a call on a trial with this batch shape and frame count, all checked.
  sharded: the trial is split over several devices (jaxid.api)."""
  if not isinstance(schedule, str) or schedule not in SCHEDULES:
    raise InputError(f"schedule: expected one of {list(SCHEDULES)}, got {schedule!r}.")
  batched = bool(batch_shape)
  returned = check_outputs(mj_model, outputs)
  backend = resolve_backend(mj_model, backend)
  return Options(
    returned=returned,
    computed=tuple(dict.fromkeys(returned + contract.DISTANCES)),
    schedule=auto_schedule(batched, n_frames, backend) if schedule == "auto" else schedule,
    remat=flag("remat", remat),
    checks=flag("check_finite", check_finite),
    batched=batched,
    backend=backend,
    batch=auto_batch(batched, backend, sharded),
  )

"""Host-side diagnostics (outside any traced code): counting XLA compilations."""

from __future__ import annotations

import contextlib
import dataclasses

import jax

BACKEND_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


@dataclasses.dataclass
class CompileCount:
  """Compilations (backend compile requests, persistent-cache hits included) and their seconds."""

  count: int = 0
  seconds: float = 0.0


@contextlib.contextmanager
def count_compiles():
  """Context manager yielding a CompileCount updated while the block runs."""
  counts = CompileCount()

  def listener(event, duration, **_):
    if event == BACKEND_COMPILE_EVENT:
      counts.count += 1
      counts.seconds += duration

  jax.monitoring.register_event_duration_secs_listener(listener)
  try:
    yield counts
  finally:
    jax.monitoring.unregister_event_duration_listener(listener)

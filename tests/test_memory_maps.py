"""The plugin's guard against memory-map exhaustion (XLA aborts at vm.max_map_count).

Measured before the guard: the full tests/ suite held 62k of 65530 maps when XLA aborted inside
a compile (test_tree_grad) or a cache write (test_tree); each CPU executable keeps ~3 maps.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import pytest

from jaxid_parity.plugin import memory_maps, release_programs

pytestmark = pytest.mark.skipif(memory_maps() is None, reason="needs /proc (Linux)")


def _compile(n: int) -> list:
  """n distinct compiled programs, their jit wrappers held (as a test module's fixtures do)."""
  fns = [jax.jit(lambda x, i=i: jnp.sin(x) * i + jnp.cos(x * i)) for i in range(n)]
  for f in fns:
    f(jnp.ones(3)).block_until_ready()
  return fns


def test_release_drops_the_maps_of_compiled_programs():
  held = _compile(200)
  before = memory_maps()[0]
  assert release_programs(fraction=0.0)
  after = memory_maps()[0]
  # 200 programs hold ~600 maps; at least half of them must be returned
  assert before - after >= 300, (before, after)
  assert float(held[7](jnp.ones(3))[0]) == pytest.approx(7 * 0.8414709848 + 0.7539022543, rel=1e-6)


def test_release_leaves_programs_alone_below_the_threshold():
  held = _compile(200)
  n, limit = memory_maps()
  assert not release_programs(fraction=(n + 1000) / limit)
  # the 200 programs' ~600 maps are still held (an unconditional clear would return them)
  assert memory_maps()[0] >= n - 100, (n, memory_maps()[0])
  assert len(held) == 200

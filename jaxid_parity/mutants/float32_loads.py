"""Mutant: The loads pass through float32 (e.g. a helper building them with dtype=jnp.float32): a
no-op in JAX's default float32 mode, a loss of precision only under jax_enable_x64."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(float32_loads=True), "float32_loads")

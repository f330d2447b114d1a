"""jaxid_parity.suite.test_parity_physics, collected by `pytest parity_tests`."""

from jaxid_parity.suite.test_parity_physics import *  # noqa: F403

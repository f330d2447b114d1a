"""The suite's test_parity_physics, collected here: `pytest parity_tests` runs the shipped checks."""

from jaxid_parity.suite.test_parity_physics import *  # noqa: F403

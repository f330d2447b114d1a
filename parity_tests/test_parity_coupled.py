"""jaxid_parity.suite.test_parity_coupled, collected by `pytest parity_tests`."""

from jaxid_parity.suite.test_parity_coupled import *  # noqa: F403

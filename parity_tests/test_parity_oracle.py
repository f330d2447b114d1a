"""jaxid_parity.suite.test_parity_oracle, collected by `pytest parity_tests`."""

from jaxid_parity.suite.test_parity_oracle import *  # noqa: F403

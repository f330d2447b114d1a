"""jaxid_parity.suite.test_parity_legacy, collected by `pytest parity_tests`."""

from jaxid_parity.suite.test_parity_legacy import *  # noqa: F403

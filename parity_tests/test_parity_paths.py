"""jaxid_parity.suite.test_parity_paths, collected by `pytest parity_tests`."""

from jaxid_parity.suite.test_parity_paths import *  # noqa: F403

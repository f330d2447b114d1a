"""The suite's test_parity_legacy, collected here: `pytest parity_tests` runs the shipped checks."""

from jaxid_parity.suite.test_parity_legacy import *  # noqa: F403

"""The suite's test_parity_oracle, collected here: `pytest parity_tests` runs the shipped checks."""

from jaxid_parity.suite.test_parity_oracle import *  # noqa: F403

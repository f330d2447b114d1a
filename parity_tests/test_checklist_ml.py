"""The suite's test_checklist_ml, collected here: `pytest parity_tests` runs the shipped checks."""

from jaxid_parity.suite.test_checklist_ml import *  # noqa: F403

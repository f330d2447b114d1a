"""jaxid_parity.suite.test_checklist_ml, collected by `pytest parity_tests`."""

from jaxid_parity.suite.test_checklist_ml import *  # noqa: F403

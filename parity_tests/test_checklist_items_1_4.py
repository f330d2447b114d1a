"""jaxid_parity.suite.test_checklist_items_1_4, collected by `pytest parity_tests`."""

from jaxid_parity.suite.test_checklist_items_1_4 import *  # noqa: F403

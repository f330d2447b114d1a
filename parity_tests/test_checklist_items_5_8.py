"""jaxid_parity.suite.test_checklist_items_5_8, collected by `pytest parity_tests`."""

from jaxid_parity.suite.test_checklist_items_5_8 import *  # noqa: F403

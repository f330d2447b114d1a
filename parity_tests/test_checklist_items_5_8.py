"""The suite's test_checklist_items_5_8, collected here: `pytest parity_tests` runs the shipped checks."""

from jaxid_parity.suite.test_checklist_items_5_8 import *  # noqa: F403

"""jaxid_parity.suite.test_parity_paths' float32 half, collected by `pytest parity_tests`."""

from jaxid_parity.suite.test_parity_paths import test_path_vs_oracle_f32  # noqa: F401

"""jaxid_parity.suite.test_parity_paths' float64 half, collected by `pytest parity_tests`.

The float32 half is test_parity_paths_f32.py: two files, so pytest-xdist's --dist loadfile puts
them on two workers (the module is 38 compilations, a third of the tests session's time).
"""

from jaxid_parity.suite.test_parity_paths import test_path_vs_oracle_f64  # noqa: F401

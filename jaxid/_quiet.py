"""Import MJX without its import-time prints about the optional warp package.

mujoco.mjx prints "Failed to import warp: No module named 'warp'" (and the same for
mujoco_warp) when warp is not installed; warp is optional and jaxid never uses it. Only those two
exact lines are dropped: any other output, a broken warp installation's message included, is
printed as MJX printed it, and errors propagate unchanged.
"""

from __future__ import annotations

import contextlib
import io
import sys

ABSENT = (
  "Failed to import warp: No module named 'warp'",
  "Failed to import mujoco_warp: No module named 'warp'",
)

if "mujoco.mjx" not in sys.modules:
  _out = io.StringIO()
  try:
    with contextlib.redirect_stdout(_out):
      import mujoco.mjx  # noqa: F401
  finally:
    _kept = [line for line in _out.getvalue().splitlines() if line not in ABSENT]
    if _kept:
      print("\n".join(_kept))

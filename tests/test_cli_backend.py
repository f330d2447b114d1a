"""`jaxid run --backend`: tree and mjx write the same .sto, and a bad choice is refused."""

from __future__ import annotations

import numpy as np
import pytest

from jaxid import cli
from jaxid.io import storage


@pytest.fixture(scope="module")
def files(tmp_path_factory):
  out = tmp_path_factory.mktemp("trial")
  assert cli.main(["sample", "--out-dir", str(out), "--frames", "40"]) == 0
  return out


def _run(files, backend: str):
  out = files / f"id_{backend}.sto"
  argv = ["run", "--coordinates", str(files / "ik.mot"), "--grf", str(files / "grf.mot")]
  argv += ["--external-loads", str(files / "loads.xml"), "--cutoff", "-1", "--quiet"]
  assert cli.main([*argv, "--out", str(out), "--backend", backend]) == 0
  return storage.read_table(out)


def test_tree_and_mjx_write_the_same_moments(files):
  """Each backend is within float32's 1e-5 of the scale of MuJoCo C (the harness policy), so
  the two .sto files differ by at most 2e-5 of the largest generalized force (here ~0.02 N m)."""
  tree, mjx = _run(files, "tree"), _run(files, "mjx")
  assert tree.labels == mjx.labels
  np.testing.assert_array_equal(tree.time, mjx.time)
  scale = np.abs(mjx.data).max()
  np.testing.assert_allclose(tree.data, mjx.data, rtol=0, atol=2e-5 * scale)


def test_unknown_backend_is_refused(files, capsys):
  with pytest.raises(SystemExit) as exc:
    cli.main(["run", "--coordinates", str(files / "ik.mot"), "--out", "x.sto", "--backend", "c"])
  assert exc.value.code == 2
  assert "--backend" in capsys.readouterr().err

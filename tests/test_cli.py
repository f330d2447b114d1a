"""The command line: run reproduces the direct call, bad input is one line and exit 2.

One MJX compilation in this file (the end-to-end test and its direct comparison share it).
"""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import jaxid
from jaxid import cli
from jaxid import kinematics as filters
from jaxid.io import coordinates as coords_lib
from jaxid.io import storage
from jaxid.io import trial as trial_io

DT = 0.01


@pytest.fixture(scope="module")
def cmap(gait_model):
  return coords_lib.CoordinateMap.from_model(gait_model)


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory):
  out = tmp_path_factory.mktemp("trial")
  assert cli.main(["sample", "--out-dir", str(out), "--frames", "200"]) == 0
  return out


def test_cli_end_to_end_reproduces_direct_results(sample_files, gait_model, sample, cmap, capsys):
  """sample -> files -> `run` (in process: one compilation shared with the direct call) gives
  the .sto that jaxid.inverse_dynamics gives on the same trial, and a PNG."""
  d = sample_files
  argv = [
    "run",
    "--coordinates",
    str(d / "ik.mot"),
    "--grf",
    str(d / "grf.mot"),
    "--external-loads",
    str(d / "loads.xml"),
    "--cutoff",
    "-1",
    "--quiet",
  ]
  assert cli.main([*argv, "--out", str(d / "id.sto"), "--plot", str(d / "id.png")]) == 0
  table = storage.read_table(d / "id.sto")
  assert table.name == trial_io.ID_NAME
  assert table.in_degrees is False
  assert table.labels[:2] == ["pelvis_tilt_moment", "pelvis_list_moment"]  # all: below
  assert "knee_angle_r_moment" in table.labels
  assert "ankle_angle_l_moment" in table.labels
  np.testing.assert_allclose(table.time, np.arange(200) * DT, atol=1e-12)
  png = (d / "id.png").read_bytes()
  assert png[:8] == b"\x89PNG\r\n\x1a\n"
  assert len(png) > 20_000

  # direct: the same trial from memory, kinematics by the same finite differences
  kin = filters.kinematics_from_qpos(gait_model, sample.kinematics.qpos, DT, -1)
  direct = jaxid.inverse_dynamics(gait_model, jaxid.Trial(kin, sample.loads), outputs=jaxid.TORQUES)
  labels, expect = cmap.generalized_forces(kin.qpos, np.asarray(direct["joint_torques"]))
  assert labels == table.labels
  scale = np.abs(expect).max()
  np.testing.assert_allclose(table.data, expect, atol=1e-5 * scale)  # float32 round-off

  # and the analytic kinematics: finite differences (dt = 0.01 s) change the moments by little.
  # Measured (through MuJoCo C, the issue-18 sample): inside the trial root residuals within
  # 1.2 N and 0.8 N m (the sample's loads balance the analytic motion exactly); 5.3 at the ends.
  exact = jaxid.inverse_dynamics(gait_model, sample, outputs=jaxid.TORQUES)
  _, exact = cmap.generalized_forces(sample.kinematics.qpos, np.asarray(exact["joint_torques"]))
  err = np.abs(table.data - exact)
  inner = err[1:-1].max(0)
  assert np.all(inner[6:] <= 0.01 * np.abs(exact[:, 6:]).max(0) + 0.05), dict(
    zip(labels[6:], inner[6:].round(3), strict=True)
  )
  weight = 9.81 * np.sum(gait_model.mj_model.body_mass)
  assert inner[3:6].max() < 0.005 * weight
  assert err[:, 3:6].max() < 0.02 * weight
  assert inner[:3].max() < 2.0


def test_cli_bad_input_one_line_and_exit_2(sample_files, tmp_path, capsys):
  d = sample_files
  ik = storage.read_table(d / "ik.mot")
  base = [
    "run",
    "--grf",
    str(d / "grf.mot"),
    "--external-loads",
    str(d / "loads.xml"),
    "--out",
    str(tmp_path / "id.sto"),
  ]
  cases = []
  t = storage.Table(ik.labels[1:], ik.time, ik.data[:, 1:], in_degrees=True)
  cases.append((t, r"missing columns \['pelvis_tilt'\]"))
  t = storage.Table(
    [*ik.labels, "arm_flex_r"], ik.time, np.c_[ik.data, ik.data[:, :1]], in_degrees=True
  )
  cases.append((t, r"coordinates \['arm_flex_r'\] are not in the model; its coordinates are"))
  t = storage.Table(ik.labels, ik.time * 2, ik.data, in_degrees=True)
  cases.append((t, "differs from the coordinates'.*--resample-grf"))
  t = storage.Table(ik.labels, ik.time, ik.data.copy(), in_degrees=True)
  t.data[5, 3] = np.nan
  cases.append((t, r"1 rows hold NaN or Inf \(first at time 0.05 s, row 6"))
  t = storage.Table(ik.labels, ik.time, ik.data, in_degrees=False)  # degrees said to be radians
  cases.append((t, r"implausible in radians .* set the header line inDegrees=yes\.$"))
  t = storage.Table(ik.labels, ik.time, ik.data.copy(), in_degrees=True)
  t.data[7, 2] = 1e39  # finite in float64, Inf in float32
  cases.append(
    (t, r"column 'pelvis_rotation', row 8 \(time 0.07 s\) holds 1e\+39, beyond float32's")
  )
  for k, (table, match) in enumerate(cases):
    path = tmp_path / f"ik{k}.mot"
    storage.write_table(path, table)
    capsys.readouterr()
    assert cli.main([*base, "--coordinates", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jaxid: error: "), err
    assert err.count("\n") == 1, err
    assert re.search(match, err), err
  assert not (tmp_path / "id.sto").exists()


def test_cli_external_loads_without_data(sample_files, tmp_path, capsys):
  """An ExternalLoads file whose <datafile> is Unassigned, and no --grf: an error, not zero loads."""
  xml = (sample_files / "loads.xml").read_text().replace(">grf.mot<", ">Unassigned<")
  (tmp_path / "loads.xml").write_text(xml)
  argv = ["run", "--coordinates", str(sample_files / "ik.mot"), "--out", str(tmp_path / "id.sto")]
  assert cli.main([*argv, "--external-loads", str(tmp_path / "loads.xml")]) == 2
  err = capsys.readouterr().err
  assert err == (
    f"jaxid: error: {tmp_path / 'loads.xml'}: ExternalForce 'right' is enabled but <datafile> is"
    " empty or Unassigned, so there are no forces to read; name the GRF file there or pass --grf"
    " (grf=...).\n"
  )
  assert sorted(p.name for p in tmp_path.iterdir()) == ["loads.xml"]


def test_cli_failing_plot_leaves_no_output(sample_files, tmp_path, monkeypatch):
  """Outputs are renamed into place only when all are written: a plot that fails while writing
  (after the .sto is complete in its temporary file) leaves neither file, nor temporary files."""
  from jaxid.io import plot

  def broken(path, *args, **kwargs):
    with open(path, "w") as f:
      f.write("partial")
    raise OSError(28, "No space left on device", str(path))

  monkeypatch.setattr(plot, "plot_results", broken)
  d = sample_files
  argv = ["run", "--coordinates", str(d / "ik.mot"), "--grf", str(d / "grf.mot")]
  argv += ["--external-loads", str(d / "loads.xml"), "--cutoff", "-1", "--quiet"]
  assert (
    cli.main([*argv, "--out", str(tmp_path / "id.sto"), "--plot", str(tmp_path / "id.png")]) == 2
  )
  assert list(tmp_path.iterdir()) == []


def test_cli_help_and_subprocess_error(tmp_path, capsys):
  with pytest.raises(SystemExit) as e:
    cli.main(["run", "--help"])
  assert e.value.code == 0
  out = capsys.readouterr().out
  assert "examples:" in out
  assert "--external-loads" in out
  assert "--cutoff" in out
  proc = subprocess.run(
    [
      sys.executable,
      "-m",
      "jaxid.cli",
      "run",
      "--coordinates",
      str(tmp_path / "nope.mot"),
      "--out",
      str(tmp_path / "id.sto"),
    ],
    capture_output=True,
    text=True,
    timeout=120,
    env={**os.environ, "JAX_PLATFORMS": "cpu"},
  )
  assert proc.returncode == 2
  lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("jaxid:")]
  assert lines == [f"jaxid: error: {tmp_path / 'nope.mot'}: no such file."], proc.stderr


def test_cli_check_bad_candidate_is_one_line(capsys):
  for spec in ("nomodule", "no_such_pkg.mod:fn", "jaxid.api:no_such_fn"):
    assert cli.main(["check", "--candidate", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jaxid: error: --candidate"), err
    assert err.count("\n") == 1, err
    assert spec in err, err

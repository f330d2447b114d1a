"""read_trial refuses what would silently be wrong (issue 17, items 3, 4 and 6): forces with no
data, angles in degrees said to be radians, values beyond float32. NumPy only."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxid
from jaxid.io import external_loads, storage
from jaxid.io import trial as trial_io
from jaxid.io.coordinates import CoordinateMap

F32_MAX = float(np.finfo(np.float32).max)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
  out = tmp_path_factory.mktemp("trial")
  return trial_io.write_sample(out, n_frames=40)


def test_reads_the_datafile_named_in_the_external_loads(gait_model, files):
  trial, info = trial_io.read_trial(
    gait_model, files["coordinates"], external_loads=files["external_loads"], cutoff=-1
  )
  assert info.grf_path == files["grf"]
  assert np.abs(trial.loads.grf_l).max() > 100.0
  named, _ = trial_io.read_trial(
    gait_model, files["coordinates"], files["grf"], files["external_loads"], cutoff=-1
  )
  np.testing.assert_array_equal(trial.loads.grf_l, named.loads.grf_l)


@pytest.mark.parametrize("datafile", ["Unassigned", "", "  unassigned "])
def test_external_loads_without_data_is_an_error(gait_model, files, tmp_path, datafile):
  with open(files["external_loads"]) as f:
    xml = f.read().replace("<datafile>grf.mot</datafile>", f"<datafile>{datafile}</datafile>")
  path = tmp_path / "loads.xml"
  path.write_text(xml)
  with pytest.raises(jaxid.InputError) as e:
    trial_io.read_trial(gait_model, files["coordinates"], external_loads=path, cutoff=-1)
  msg = str(e.value)
  assert msg.startswith(f"{path}: ExternalForce 'right' is enabled but <datafile> is empty or")
  assert "pass --grf" in msg
  assert "\n" not in msg
  trial, info = trial_io.read_trial(  # with the GRF file given, the same xml is fine
    gait_model, files["coordinates"], files["grf"], path, cutoff=-1
  )
  assert info.grf_path == files["grf"]
  assert np.abs(trial.loads.grf_l).max() > 100.0


def _ik(files):
  return storage.read_table(files["coordinates"])


def test_degrees_labelled_radians_are_an_error(gait_model, files, tmp_path):
  ik = _ik(files)
  assert ik.in_degrees is True
  wrong = tmp_path / "ik_no.mot"
  storage.write_table(wrong, dataclasses.replace(ik, in_degrees=False))
  with pytest.raises(
    jaxid.InputError,
    match=rf"^{wrong}: \w+ is [-\d.]+ at row \d+, implausible in radians \(expected .*\); the"
    " angles look like degrees: set the header line inDegrees=yes.$",
  ):
    trial_io.read_trial(gait_model, wrong, files["grf"], files["external_loads"], cutoff=-1)
  with pytest.raises(jaxid.InputError, match="look like degrees: pass --in-degrees yes"):
    trial_io.read_trial(gait_model, files["coordinates"], in_degrees=False, cutoff=-1)
  loads = files["external_loads"]
  fixed, _ = trial_io.read_trial(gait_model, wrong, None, loads, in_degrees=True, cutoff=-1)
  good, _ = trial_io.read_trial(gait_model, files["coordinates"], None, loads, cutoff=-1)
  np.testing.assert_array_equal(fixed.kinematics.qpos, good.kinematics.qpos)


@pytest.fixture(scope="module")
def cmap_gait(gait_model):
  return CoordinateMap.from_model(gait_model)


@pytest.mark.parametrize(
  ("name", "bad", "ok"),
  [
    ("knee_angle_r", 5.3, 5.2),  # range [0, 2.094]: implausible beyond it by more than pi
    ("knee_angle_r", -3.2, -3.1),
    ("pelvis_rotation", 12.6, 12.5),  # a free joint has no range: 4 pi
  ],
)
def test_radians_check_bounds(cmap_gait, name, bad, ok):
  t = storage.Table(list(cmap_gait.names), [0.0, 0.01], np.zeros((2, 20)), in_degrees=False)
  t.data[1, t.labels.index(name)] = bad
  with pytest.raises(jaxid.InputError, match=rf"{name} is {bad:g} at row 2"):
    trial_io.coordinate_values(cmap_gait, t)
  t.data[1, t.labels.index(name)] = ok
  values, _, _ = trial_io.coordinate_values(cmap_gait, t)
  assert values[1, t.labels.index(name)] == ok


@given(
  value=st.floats(F32_MAX * 1.0001, 1e308) | st.floats(-1e308, -F32_MAX * 1.0001),
  which=st.sampled_from(["coordinates", "grf"]),
  row=st.integers(0, 39),
  col=st.integers(0, 19),
)
def test_values_beyond_float32_are_an_error(
  gait_model, files, tmp_path_factory, value, which, row, col
):
  table = storage.read_table(files[which])
  col %= len(table.labels)
  table.data[row, col] = value
  path = tmp_path_factory.mktemp("big") / f"{which}.mot"
  storage.write_table(path, table)
  paths = {**files, which: path}
  label = table.labels[col]
  with pytest.raises(jaxid.InputError) as e:
    trial_io.read_trial(gait_model, paths["coordinates"], paths["grf"], paths["external_loads"])
  assert str(e.value).startswith(
    f"{path}: column {label!r}, row {row + 1} (time {table.time[row]:g} s) holds {value:g},"
    " beyond float32's range"
  ), str(e.value)
  storage.check_range(table, np.float64)  # fits float64: no error


def test_float64_run_reads_big_values(gait_model, files, tmp_path):
  grf = storage.read_table(files["grf"])
  grf.data[3, grf.labels.index("ground_force_vy")] = 1e39
  path = tmp_path / "grf.mot"
  storage.write_table(path, grf)
  trial, _ = trial_io.read_trial(
    gait_model, files["coordinates"], path, files["external_loads"], -1, dtype=np.float64
  )
  assert trial.loads.grf_r[3, 2] == 1e39


def test_classic_names_stay_importable_from_trial():
  assert trial_io.classic_external_loads is external_loads.classic_external_loads


@pytest.mark.parametrize("n", [2, 3])
def test_too_few_frames_name_the_file(gait_model, files, tmp_path, n):
  ik = _ik(files)
  path = tmp_path / "short.mot"
  storage.write_table(path, dataclasses.replace(ik, time=ik.time[:n], data=ik.data[:n]))
  with pytest.raises(jaxid.InputError, match=rf"^{path}: qpos: finite differences .* got {n}\.$"):
    trial_io.read_trial(gait_model, path, files["grf"], files["external_loads"], cutoff=-1)


def test_sample_refuses_a_trial_it_could_not_read_back(gait_model, tmp_path):
  with pytest.raises(
    jaxid.InputError, match=r"^sample trial of 3 frames: coordinates: qpos: finite"
  ):
    trial_io.write_sample(tmp_path / "s", gait_model, n_frames=3)
  assert not (tmp_path / "s").exists()


def test_sample_files_are_written_all_or_none(gait_model, tmp_path, monkeypatch):
  def broken(path, *args):
    with open(path, "w") as f:
      f.write("<half")
    raise OSError(28, "No space left on device")

  monkeypatch.setattr(trial_io, "write_external_loads", broken)
  with pytest.raises(OSError, match="No space left"):
    trial_io.write_sample(tmp_path, gait_model, n_frames=20)
  assert list(tmp_path.iterdir()) == []

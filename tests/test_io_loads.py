"""ExternalLoads files and GRFs: OpenSim's ground to MuJoCo's world, combined plates, time alignment."""

import dataclasses

import mujoco
import numpy as np
import pytest

import jaxid
from jaxid.io import coordinates as coords_lib
from jaxid.io import external_loads, grf, storage
from jaxid.io import trial as trial_io

DT = 0.01


def _rng(seed=0):
  return np.random.default_rng(seed)


def test_grf_y_up_to_z_up():
  """OpenSim ground (x forward, y up, z right) -> MuJoCo (x forward, y left, z up)."""
  ext = external_loads.default_external_loads()
  labels = [lab for f in ext.forces for v in f.labels().values() for lab in v]
  data = np.zeros((1, len(labels)))

  def put(lab, v):
    return data.__setitem__((0, labels.index(lab)), v)

  for a, v in zip(
    "xyz", (10.0, 700.0, -20.0), strict=True
  ):  # right: 700 N up, 20 N toward the left
    put(f"r_ground_force_v{a}", v)
  for a, v in zip("xyz", (0.3, 0.0, 0.1), strict=True):  # right COP 0.1 m to the right
    put(f"r_ground_force_p{a}", v)
  put("r_ground_torque_y", 2.0)  # free moment about vertical
  loads = grf.grf_loads(storage.Table(labels, [0.0], data), ext, jaxid.load_model())
  np.testing.assert_array_equal(loads["grf_r"], [[10.0, 20.0, 700.0]])
  np.testing.assert_array_equal(loads["cop_r"], [[0.3, -0.1, 0.0]])
  np.testing.assert_array_equal(loads["moment_r"], [[0.0, 0.0, 2.0]])
  assert not np.any(loads["grf_l"])
  assert not np.any(loads["cop_l"])
  np.testing.assert_array_equal(coords_lib.mj_to_os(coords_lib.os_to_mj(data[:, :3])), data[:, :3])
  assert np.linalg.det(coords_lib.OS_TO_MJ) == pytest.approx(1.0)  # a rotation, not a mirror


def test_grf_file_and_external_loads_round_trip(tmp_path, gait_model, sample):
  ext = external_loads.classic_external_loads()
  time = np.arange(sample.n_frames) * DT
  storage.write_table(tmp_path / "grf.mot", grf.grf_table(time, sample.loads, ext))
  external_loads.write_external_loads(tmp_path / "loads.xml", ext, "grf.mot")
  back = external_loads.read_external_loads(tmp_path / "loads.xml")
  assert back.forces == ext.forces
  assert back.datafile == str(tmp_path / "grf.mot")
  assert back.forces[1].force_identifier == "1_ground_force_v"
  loads = grf.grf_loads(storage.read_table(tmp_path / "grf.mot"), back, gait_model)
  for k in ("grf_l", "grf_r", "cop_l", "cop_r", "moment_l", "moment_r"):
    np.testing.assert_array_equal(loads[k], getattr(sample.loads, k), err_msg=k)


def test_external_loads_opensim3_layout_and_disabled_forces(tmp_path):
  (tmp_path / "l.xml").write_text("""<?xml version="1.0"?>
<OpenSimDocument Version="30000"><ExternalLoads name="el"><objects>
 <ExternalForce name="r"><isDisabled>false</isDisabled><applied_to_body>calcn_r</applied_to_body>
  <force_identifier>ground_force_v</force_identifier><point_identifier>ground_force_p
  </point_identifier><torque_identifier>ground_torque_</torque_identifier></ExternalForce>
 <ExternalForce name="off"><isDisabled>true</isDisabled><applied_to_body>x</applied_to_body>
  <force_identifier>f</force_identifier></ExternalForce>
</objects><datafile>Unassigned</datafile></ExternalLoads></OpenSimDocument>""")
  el = external_loads.read_external_loads(tmp_path / "l.xml")
  assert [f.name for f in el.forces] == ["r"]
  assert el.datafile == ""
  assert el.forces[0].labels()["point"] == ["ground_force_px", "ground_force_py", "ground_force_pz"]


def test_two_forces_on_a_foot_and_a_force_on_another_body(gait_model, sample):
  """Two plates under one foot combine exactly (same total wrench); a force on the torso goes
  to ext_forces with its torque about the torso's centre of mass."""
  m = gait_model.mj_model
  rng = _rng(1)
  n = 4
  f1, f2, f3 = (rng.normal(size=(n, 3)) * 100 for _ in range(3))
  p1, p2, p3 = (rng.normal(size=(n, 3)) * 0.3 for _ in range(3))
  t1 = rng.normal(size=(n, 3))
  forces = (
    external_loads.ExternalForce("a", "calcn_r", "a_v", "a_p", "a_t"),
    external_loads.ExternalForce("b", "calcn_r", "b_v", "b_p"),
    external_loads.ExternalForce("c", "torso", "c_v", "c_p"),
  )
  labels, cols = [], []
  for pre, arrs in (("a", (f1, p1, t1)), ("b", (f2, p2)), ("c", (f3, p3))):
    for suffix, arr in zip(("_v", "_p", "_t"), arrs, strict=False):
      labels += [f"{pre}{suffix}{a}" for a in "xyz"]
      cols.append(arr)
  table = storage.Table(labels, np.arange(n) * DT, np.concatenate(cols, axis=1))
  qpos = sample.kinematics.qpos[:n]
  loads = grf.grf_loads(table, external_loads.ExternalLoads(forces), gait_model, qpos)
  mj = coords_lib.os_to_mj
  total_f = mj(f1) + mj(f2)
  total_m = np.cross(mj(p1), mj(f1)) + mj(t1) + np.cross(mj(p2), mj(f2))
  np.testing.assert_allclose(loads["grf_r"], total_f, atol=1e-12)
  got_m = np.cross(loads["cop_r"], loads["grf_r"]) + loads["moment_r"]
  np.testing.assert_allclose(got_m, total_m, atol=1e-10)
  d = mujoco.MjData(m)
  torso = m.body("torso").id
  for t in range(n):
    d.qpos = qpos[t]
    mujoco.mj_kinematics(m, d)
    np.testing.assert_allclose(loads["ext_forces"][t, torso, :3], mj(f3)[t], atol=1e-12)
    np.testing.assert_allclose(
      loads["ext_forces"][t, torso, 3:], np.cross(mj(p3)[t] - d.xipos[torso], mj(f3)[t]), atol=1e-10
    )
  bad = external_loads.ExternalLoads(
    (external_loads.ExternalForce("a", "calcn_r", "a_v", "a_p", "", "calcn_r"),)
  )
  with pytest.raises(jaxid.InputError, match="expressed in 'calcn_r'; only 'ground'"):
    grf.grf_loads(table, bad, gait_model)
  with pytest.raises(jaxid.InputError, match="not in the model; its bodies are"):
    grf.grf_loads(
      table,
      external_loads.ExternalLoads((external_loads.ExternalForce("a", "hand_r", "a_v", "a_p"),)),
      gait_model,
    )


def test_time_mismatch_is_an_error_unless_resampled(gait_model, sample):
  time = np.arange(sample.n_frames) * DT
  table = grf.grf_table(time, sample.loads)
  fine = np.arange(2 * sample.n_frames - 1) * DT / 2  # 200 Hz, linear between 100 Hz samples
  up = storage.Table(
    table.labels,
    fine,
    np.stack([np.interp(fine, time, table.data[:, j]) for j in range(len(table.labels))], axis=1),
    path="grf200.mot",
  )
  with pytest.raises(
    jaxid.InputError,
    match=r"grf200.mot: its time column \(399 rows, 0..1.99"
    r" s, 200 Hz\) differs from the coordinates' \(200 rows, 0..1.99 s, 100 Hz\);"
    " pass --resample-grf",
  ):
    grf.align(time, up)
  back = grf.align(time, up, resample=True)
  np.testing.assert_allclose(back.data, table.data, atol=1e-12)
  with pytest.raises(jaxid.InputError, match="does not cover"):
    grf.align(time + 0.5, up, resample=True)


def test_trim_to_the_grfs_time_range(gait_model, tmp_path):
  """A GRF starting 0.5 ms after the coordinates: resampling alone refuses (and says --trim);
  trim keeps the coordinates' frames inside the GRF's span, then the GRF is interpolated."""
  files = trial_io.write_sample(tmp_path, n_frames=40)
  table = storage.read_table(files["grf"])
  late = dataclasses.replace(table, time=table.time + 0.0005, path="late.mot")
  kin_time = storage.read_table(files["coordinates"]).time
  with pytest.raises(jaxid.InputError, match=r"does not cover .*; pass --trim \(trim=True\)"):
    grf.align(kin_time, late, resample=True)
  args = (gait_model, files["coordinates"], late, files["external_loads"], -1, True)
  trial, info = trial_io.read_trial(*args, trim=True)
  assert info.trimmed == (1, 0)
  assert trial.n_frames == 39
  np.testing.assert_array_equal(info.time, kin_time[1:])
  full, _ = trial_io.read_trial(
    gait_model, files["coordinates"], table, files["external_loads"], -1
  )
  np.testing.assert_array_equal(trial.kinematics.qpos, full.kinematics.qpos[1:])
  step = np.abs(np.diff(full.loads.grf_l, axis=0)).max()  # GRF moved by 0.5 ms of 10 ms
  np.testing.assert_allclose(trial.loads.grf_l, full.loads.grf_l[1:], atol=0.05 * step + 1e-9)
  _, info = trial_io.read_trial(
    gait_model,
    files["coordinates"],
    table,
    trim=True,
    cutoff=-1,
    external_loads=files["external_loads"],
  )
  assert info.trimmed == (0, 0)
  with pytest.raises(jaxid.InputError, match="holds 1 of the coordinates' frames"):
    grf.overlap(
      storage.read_table(files["coordinates"]), dataclasses.replace(late, time=late.time + 0.3805)
    )


@pytest.mark.parametrize(
  ("change", "row"),
  [(lambda t: t.__setitem__(7, t[7] + 9e-6), 8), (lambda t: t.__setitem__([3, 4], t[[4, 3]]), 4)],
)
def test_time_mismatch_names_the_first_differing_row(change, row):
  """9 us of jitter, or two swapped rows, describe alike: the message names where they part."""
  time = np.arange(20) * DT
  t = time.copy()
  change(t)
  table = storage.Table(["x"], t, np.zeros((20, 1)), path="grf.mot")
  with pytest.raises(jaxid.InputError, match=rf"100 Hz\) at row {row}: [\d.]+ s vs [\d.]+ s; pass"):
    grf.align(time, table)

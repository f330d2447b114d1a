"""OpenSim itself (optional: pip install opensim): its readers and its InverseDynamicsTool agree."""

import numpy as np
import pytest

import jaxid
from jaxid.io import coordinates as coords_lib
from jaxid.io import external_loads, grf, storage
from jaxid.io import trial as trial_io


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory):
  out = tmp_path_factory.mktemp("trial")
  trial_io.write_sample(out, n_frames=200)
  return out


def test_opensim_reads_what_jaxid_writes_and_back(sample_files, tmp_path, monkeypatch):
  monkeypatch.chdir(tmp_path)  # OpenSim writes opensim.log into the working directory
  osim = pytest.importorskip(
    "opensim",
    reason="OpenSim's Python package is not installed (pip install opensim==4.6);"
    " skipping the check that OpenSim's own readers agree with jaxid's files",
  )
  d = sample_files
  for name in ("ik.mot", "grf.mot"):
    ours = storage.read_table(d / name)
    table = osim.TimeSeriesTable(str(d / name))
    assert list(table.getColumnLabels()) == ours.labels
    np.testing.assert_array_equal(np.asarray(table.getIndependentColumn()), ours.time)
    data = np.array(
      [
        [table.getDependentColumnAtIndex(j)[i] for j in range(len(ours.labels))]
        for i in range(ours.n_frames)
      ]
    )
    np.testing.assert_array_equal(data, ours.data)
    st = osim.Storage(str(d / name))
    assert st.getSize() == ours.n_frames
    assert st.isInDegrees() == bool(ours.in_degrees)
    # OpenSim writes; jaxid reads (TimeSeriesTable's adapter and the legacy Storage printer)
    osim.STOFileAdapter.write(table, str(tmp_path / f"os_{name}.sto"))
    back = storage.read_table(tmp_path / f"os_{name}.sto")
    assert back.labels == ours.labels
    assert back.in_degrees == ours.in_degrees
    np.testing.assert_allclose(back.data, ours.data, rtol=1e-14, atol=1e-14)
    st.printResult(st, f"st_{name[:-4]}", str(tmp_path), -1, ".mot")
    back = storage.read_table(tmp_path / f"st_{name}")
    assert back.labels == ours.labels
    np.testing.assert_allclose(back.data, ours.data, atol=1e-8)  # Storage prints 8 decimals
  loads = osim.ExternalLoads(str(d / "loads.xml"), True)
  assert [loads.get(i).get_applied_to_body() for i in range(loads.getSize())] == [
    "calcn_r",
    "calcn_l",
  ]
  assert loads.getDataFileName() == "grf.mot"


def _os_model(osim, path):
  """An OpenSim model (y up): a pelvis on gait2392's ground_pelvis CustomJoint (rotations about
  z, x, y, then translations along ground's x, y, z) and two feet on PinJoints (about z)."""
  m = osim.Model()
  m.setName("os_two_feet")
  m.setGravity(osim.Vec3(0, -9.81, 0))
  pelvis = osim.Body("pelvis", 10.0, osim.Vec3(*OS_PELVIS[0]), osim.Inertia(*OS_PELVIS[1]))
  m.addBody(pelvis)
  st = osim.SpatialTransform()
  axes = [(0, 0, 1), (1, 0, 0), (0, 1, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
  names = ["pelvis_tilt", "pelvis_list", "pelvis_rotation", "pelvis_tx", "pelvis_ty", "pelvis_tz"]
  for i, (name, axis) in enumerate(zip(names, axes, strict=True)):
    ax = st.updTransformAxis(i)
    arr = osim.ArrayStr()
    arr.append(name)
    ax.setCoordinateNames(arr)
    ax.setAxis(osim.Vec3(*axis))
    ax.set_function(osim.LinearFunction())
  m.addJoint(
    osim.CustomJoint(
      "ground_pelvis",
      m.getGround(),
      osim.Vec3(0),
      osim.Vec3(0),
      pelvis,
      osim.Vec3(0),
      osim.Vec3(0),
      st,
    )
  )
  for side, z in (("r", 0.1), ("l", -0.1)):
    foot = osim.Body(f"calcn_{side}", 1.5, osim.Vec3(*OS_FOOT[0]), osim.Inertia(*OS_FOOT[1]))
    m.addBody(foot)
    pin = osim.PinJoint(
      f"hip_{side}", pelvis, osim.Vec3(0, -0.05, z), osim.Vec3(0), foot, osim.Vec3(0), osim.Vec3(0)
    )
    pin.upd_coordinates(0).setName(f"hip_flexion_{side}")
    m.addJoint(pin)
  m.finalizeConnections()
  m.printToXML(str(path))


# (centre of mass, inertia Ixx Iyy Izz Ixy Ixz Iyz about it), OpenSim body frames
OS_PELVIS = ((-0.05, 0.02, 0.01), (0.1, 0.08, 0.12, 0.01, -0.005, 0.003))
OS_FOOT = ((0.05, -0.3, 0.0), (0.02, 0.005, 0.02, 0.001, 0.0, 0.0))


def _mj_twin(path):
  """The same model in MuJoCo's z-up world: every vector and inertia rotated by OS_TO_MJ."""
  c = coords_lib.OS_TO_MJ

  def vec(v):
    return " ".join(f"{x:.17g}" for x in c @ np.asarray(v, float))

  def inertia(xx, yy, zz, xy, xz, yz):
    j = c @ np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]]) @ c.T
    return " ".join(f"{x:.17g}" for x in (j[0, 0], j[1, 1], j[2, 2], j[0, 1], j[0, 2], j[1, 2]))

  feet = "".join(
    f'<body name="calcn_{s}" pos="{vec((0, -0.05, z))}"><joint name="hip_flexion_{s}"'
    f' axis="{vec((0, 0, 1))}"/><inertial pos="{vec(OS_FOOT[0])}" mass="1.5"'
    f' fullinertia="{inertia(*OS_FOOT[1])}"/></body>'
    for s, z in (("r", 0.1), ("l", -0.1))
  )
  path.write_text(
    '<mujoco model="os_two_feet"><option gravity="0 0 -9.81"/><worldbody><body name="pelvis">'
    f'<freejoint name="ground_pelvis"/><inertial pos="{vec(OS_PELVIS[0])}" mass="10"'
    f' fullinertia="{inertia(*OS_PELVIS[1])}"/>{feet}</body></worldbody></mujoco>'
  )


def test_opensim_inverse_dynamics_tool_agrees(tmp_path, x64, monkeypatch):
  """OpenSim's own InverseDynamicsTool and `read_trial` + jaxid on the same files (IK .mot in
  degrees, GRF .mot, ExternalLoads .xml) and the same model written for both: every column of
  the .sto agrees, the pelvis's tilt/list/rotation moments under large rotations (up to 29, 20
  and 40 deg) included. Measured: within 5e-6 of each column's peak (OpenSim differentiates
  with splines, jaxid with finite differences at 1 kHz)."""
  monkeypatch.chdir(tmp_path)
  osim = pytest.importorskip(
    "opensim",
    reason="OpenSim's Python package is not installed (pip install opensim==4.6);"
    " skipping the comparison with OpenSim's InverseDynamicsTool",
  )
  _os_model(osim, tmp_path / "model.osim")
  _mj_twin(tmp_path / "model.xml")
  model = jaxid.load_model(tmp_path / "model.xml")
  cm = coords_lib.CoordinateMap.from_model(model)
  t = np.arange(601) * 0.001
  w = 2 * np.pi * 1.3
  vals = {
    "pelvis_tilt": 0.5 * np.sin(w * t),
    "pelvis_list": 0.35 * np.sin(0.7 * w * t + 0.4),
    "pelvis_rotation": 0.7 * np.cos(0.9 * w * t),
    "pelvis_tx": 1.2 * t,
    "pelvis_ty": 0.9 + 0.03 * np.sin(2 * w * t),
    "pelvis_tz": 0.05 * np.sin(w * t),
    "hip_flexion_r": 0.6 * np.sin(w * t + 1),
    "hip_flexion_l": -0.4 * np.sin(1.1 * w * t),
  }
  data = np.stack([vals[n] for n in cm.names], 1)
  data[:, cm.rotational] = np.degrees(data[:, cm.rotational])
  storage.write_table(tmp_path / "ik.mot", storage.Table(list(cm.names), t, data, "ik", True))
  one, zero, stance = np.ones_like(t), np.zeros_like(t), (t < 0.35)[:, None]
  loads = {
    "grf_r": np.stack([50 + 10 * np.sin(w * t), -30 * one, 600 + 120 * np.sin(w * t)], 1),
    "cop_r": np.stack([1.2 * t, -0.1 * one, 0.85 * one], 1),
    "moment_r": np.stack([zero, zero, 3 * one], 1),
    "grf_l": np.stack([-20 * one, 15 * one, 400 * one], 1) * stance,
    "cop_l": np.stack([1.2 * t, 0.1 * one, 0.85 * one], 1) * stance,
    "moment_l": np.zeros((len(t), 3)),
  }
  ext = external_loads.classic_external_loads()
  storage.write_table(tmp_path / "grf.mot", grf.grf_table(t, loads, ext))
  external_loads.write_external_loads(tmp_path / "loads.xml", ext, str(tmp_path / "grf.mot"))

  os_model = osim.Model(str(tmp_path / "model.osim"))
  os_model.initSystem()
  tool = osim.InverseDynamicsTool()
  tool.setModel(os_model)
  tool.setCoordinatesFileName(str(tmp_path / "ik.mot"))
  tool.setExternalLoadsFileName(str(tmp_path / "loads.xml"))
  tool.setLowpassCutoffFrequency(-1)
  tool.setStartTime(t[0])
  tool.setEndTime(t[-1])
  tool.setResultsDir(str(tmp_path))
  tool.setOutputGenForceFileName("opensim_id.sto")
  assert tool.run()
  theirs = storage.read_table(tmp_path / "opensim_id.sto")

  trial, info = trial_io.read_trial(
    model, tmp_path / "ik.mot", external_loads=tmp_path / "loads.xml", cutoff=-1
  )
  out = jaxid.inverse_dynamics(model, trial, outputs=jaxid.TORQUES)
  ours = trial_io.results_table(
    cm, info.time, trial.kinematics.qpos, np.asarray(out["joint_torques"])
  )
  assert sorted(ours.labels) == sorted(theirs.labels)
  np.testing.assert_allclose(theirs.time, ours.time, atol=1e-9)
  ref = theirs.columns(ours.labels)
  inner = slice(5, -5)  # spline vs one-sided stencil at the very ends
  rel = np.abs(ours.data - ref)[inner].max(0) / np.abs(ref).max(0)
  assert np.all(rel < 2e-5), dict(zip(ours.labels, rel, strict=True))

"""OpenSim files, coordinates <-> qpos, filtering and differentiation, the command line.

One MJX compilation in this file (the CLI test and its direct comparison share it); everything
else is NumPy, MuJoCo C or small JAX programs.
"""

import os
import subprocess
import sys

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

import jaxid
from jaxid import cli, filters
from jaxid.io import coordinates as coords_lib
from jaxid.io import opensim
from jaxid.io import trial as trial_io

DT = 0.01


def _rng(seed=0):
  return np.random.default_rng(seed)


@pytest.fixture(scope="module")
def cmap(gait_model):
  return coords_lib.CoordinateMap.from_model(gait_model)


# --------------------------------------------------------------------------------------------
# .mot / .sto


def test_table_round_trip_is_exact(tmp_path):
  rng = _rng()
  table = opensim.Table(
    ["a", "knee_angle_r", "c"],
    np.arange(7) * 0.01,
    rng.normal(size=(7, 3)) * 10.0 ** rng.integers(-8, 8, size=(7, 3)),
    "Coordinates",
    True,
    {"DataType": "double"},
  )
  for ext in ("mot", "sto"):
    path = tmp_path / f"t.{ext}"
    opensim.write_table(path, table)
    back = opensim.read_table(path)
    assert back.labels == table.labels and back.name == "Coordinates"
    assert back.in_degrees is True and back.metadata["DataType"] == "double"
    assert back.metadata["nRows"] == "7" and back.metadata["nColumns"] == "4"
    np.testing.assert_array_equal(back.time, table.time)
    np.testing.assert_array_equal(back.data, table.data)  # float64 exact
  text = (tmp_path / "t.mot").read_text().splitlines()
  assert (
    text[:6]
    == ["Coordinates", "version=1", "nRows=7", "nColumns=4", "inDegrees=yes", "DataType=double"]
    and text[6] == "endheader"
  )
  assert text[7].split("\t") == ["time", "a", "knee_angle_r", "c"]


def test_reads_storage_style_and_simm_headers(tmp_path):
  """OpenSim's Storage writes fixed-width space-padded columns; SIMM headers use datarows."""
  p = tmp_path / "old.mot"
  p.write_text(
    "name old\ndatacolumns 3\ndatarows 2\nrange 0 0.01\nendheader\n"
    "time knee_angle_r hip_flexion_r\n      0.00000000\t      1.5\t 2\n"
    "      0.01000000\t     -1.5e-1\t 3\n"
  )
  t = opensim.read_table(p)
  assert t.labels == ["knee_angle_r", "hip_flexion_r"] and t.in_degrees is None
  np.testing.assert_array_equal(t.data, [[1.5, 2.0], [-0.15, 3.0]])


@pytest.mark.parametrize(
  "text, match",
  [
    ("a\nnRows=1\ntime\tx\n0\t1\n", "no 'endheader'"),
    ("a\nendheader\ntime\tx\n0\t1\t2\n", "line 4 has 3 values for 2 columns"),
    ("a\nendheader\ntime\tx\n0\tone\n", "not a number"),
    ("a\nnRows=3\nendheader\ntime\tx\n0\t1\n", "nRows=3 but the file has 1 rows"),
    ("a\nendheader\nframe\tx\n0\t1\n", "first column must be 'time'"),
    (
      "a\nendheader\ntime\tx\n0\t1\n0.01\tnan\n0.02\tNaN\n",
      r"2 rows hold NaN or Inf \(first at time 0.01 s, row 2; columns \['x'\]\)",
    ),
  ],
)
def test_bad_files_give_one_clear_error(tmp_path, text, match):
  p = tmp_path / "bad.mot"
  p.write_text(text)
  with pytest.raises(jaxid.InputError, match=match) as e:
    opensim.read_table(p)
  assert str(p) in str(e.value) and "\n" not in str(e.value)


def test_missing_columns_are_named():
  t = opensim.Table(["a", "b"], [0.0, 0.01], np.zeros((2, 2)), path="x.mot")
  with pytest.raises(jaxid.InputError, match=r"x.mot: missing columns \['c', 'd'\]"):
    t.columns(["a", "c", "d"])


# --------------------------------------------------------------------------------------------
# GRF and ExternalLoads


def test_grf_y_up_to_z_up():
  """OpenSim ground (x forward, y up, z right) -> MuJoCo (x forward, y left, z up)."""
  ext = opensim.default_external_loads()
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
  loads = opensim.grf_loads(opensim.Table(labels, [0.0], data), ext, jaxid.load_model())
  np.testing.assert_array_equal(loads["grf_r"], [[10.0, 20.0, 700.0]])
  np.testing.assert_array_equal(loads["cop_r"], [[0.3, -0.1, 0.0]])
  np.testing.assert_array_equal(loads["moment_r"], [[0.0, 0.0, 2.0]])
  assert not np.any(loads["grf_l"]) and not np.any(loads["cop_l"])  # swing: zeros
  np.testing.assert_array_equal(coords_lib.mj_to_os(coords_lib.os_to_mj(data[:, :3])), data[:, :3])
  assert np.linalg.det(coords_lib.OS_TO_MJ) == pytest.approx(1.0)  # a rotation, not a mirror


def test_grf_file_and_external_loads_round_trip(tmp_path, gait_model, sample):
  ext = trial_io.classic_external_loads()
  time = np.arange(sample.n_frames) * DT
  opensim.write_table(tmp_path / "grf.mot", opensim.grf_table(time, sample.loads, ext))
  opensim.write_external_loads(tmp_path / "loads.xml", ext, "grf.mot")
  back = opensim.read_external_loads(tmp_path / "loads.xml")
  assert back.forces == ext.forces and back.datafile == str(tmp_path / "grf.mot")
  assert back.forces[1].force_identifier == "1_ground_force_v"
  loads = opensim.grf_loads(opensim.read_table(tmp_path / "grf.mot"), back, gait_model)
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
  el = opensim.read_external_loads(tmp_path / "l.xml")
  assert [f.name for f in el.forces] == ["r"] and el.datafile == ""
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
    opensim.ExternalForce("a", "calcn_r", "a_v", "a_p", "a_t"),
    opensim.ExternalForce("b", "calcn_r", "b_v", "b_p"),
    opensim.ExternalForce("c", "torso", "c_v", "c_p"),
  )
  labels, cols = [], []
  for pre, arrs in (("a", (f1, p1, t1)), ("b", (f2, p2)), ("c", (f3, p3))):
    for suffix, arr in zip(("_v", "_p", "_t"), arrs, strict=False):
      labels += [f"{pre}{suffix}{a}" for a in "xyz"]
      cols.append(arr)
  table = opensim.Table(labels, np.arange(n) * DT, np.concatenate(cols, axis=1))
  qpos = sample.kinematics.qpos[:n]
  loads = opensim.grf_loads(table, opensim.ExternalLoads(forces), gait_model, qpos)
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
  bad = opensim.ExternalLoads((opensim.ExternalForce("a", "calcn_r", "a_v", "a_p", "", "calcn_r"),))
  with pytest.raises(jaxid.InputError, match="expressed in 'calcn_r'; only 'ground'"):
    opensim.grf_loads(table, bad, gait_model)
  with pytest.raises(jaxid.InputError, match="not in the model; its bodies are"):
    opensim.grf_loads(
      table,
      opensim.ExternalLoads((opensim.ExternalForce("a", "hand_r", "a_v", "a_p"),)),
      gait_model,
    )


def test_time_mismatch_is_an_error_unless_resampled(gait_model, sample):
  time = np.arange(sample.n_frames) * DT
  grf = opensim.grf_table(time, sample.loads)
  fine = np.arange(2 * sample.n_frames - 1) * DT / 2  # 200 Hz, linear between 100 Hz samples
  up = opensim.Table(
    grf.labels,
    fine,
    np.stack([np.interp(fine, time, grf.data[:, j]) for j in range(len(grf.labels))], axis=1),
    path="grf200.mot",
  )
  with pytest.raises(
    jaxid.InputError,
    match=r"grf200.mot: its time column \(399 rows, 0..1.99"
    r" s, 200 Hz\) differs from the coordinates' \(200 rows, 0..1.99 s, 100 Hz\);"
    " pass --resample-grf",
  ):
    opensim.align(time, up)
  back = opensim.align(time, up, resample=True)
  np.testing.assert_allclose(back.data, grf.data, atol=1e-12)
  with pytest.raises(jaxid.InputError, match="does not cover"):
    opensim.align(time + 0.5, up, resample=True)


# --------------------------------------------------------------------------------------------
# Coordinates <-> qpos


def test_pelvis_quat_reuses_sample_definition():
  rng = _rng(2)
  a = rng.uniform(-np.pi, np.pi, size=(3, 50))
  ref = coords_lib.pelvis_quat_reference(*a)
  np.testing.assert_allclose(coords_lib._pelvis_quat_xp(*a, np), ref, atol=1e-15)
  with jax.enable_x64(True):
    got = coords_lib._pelvis_quat_xp(*map(jnp.asarray, a), jnp)
    np.testing.assert_allclose(np.asarray(got), ref, atol=1e-15)


def _rz(a):
  c, s = np.cos(a), np.sin(a)
  return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _rx(a):
  c, s = np.cos(a), np.sin(a)
  return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(a):
  c, s = np.cos(a), np.sin(a)
  return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def test_coordinates_to_qpos_round_trip_through_forward_kinematics(gait_model, cmap, sample):
  """qpos -> OpenSim coordinates -> qpos leaves every body where it was (mj_kinematics), and the
  pelvis sits where OpenSim's ground_pelvis joint puts it: origin (tx, ty, tz) in y-up ground,
  orientation Rz(tilt) Rx(list) Ry(rotation) (body-fixed z, x, y), seen from z-up."""
  m = gait_model.mj_model
  rng = _rng(3)
  qpos = sample.kinematics.qpos[::10].copy()
  wild = qpos[:5].copy()  # large pelvis rotations, away from the gait range
  for q in wild:
    q[3:7] = coords_lib.pelvis_quat_reference(*rng.uniform(-1.4, 1.4, size=(3, 1)))[0]
  qpos = np.concatenate([qpos, wild])
  values = cmap.from_qpos(qpos)
  back = cmap.to_qpos(values)
  d1, d2 = mujoco.MjData(m), mujoco.MjData(m)
  c = coords_lib.OS_TO_MJ
  names = list(cmap.names)
  for t in range(len(qpos)):
    d1.qpos, d2.qpos = qpos[t], back[t]
    mujoco.mj_kinematics(m, d1)
    mujoco.mj_kinematics(m, d2)
    np.testing.assert_allclose(d2.xpos, d1.xpos, atol=1e-12)
    np.testing.assert_allclose(d2.xmat, d1.xmat, atol=1e-12)
    tilt, lst, rot, tx, ty, tz = (
      values[t, names.index(k)]
      for k in (
        "pelvis_tilt",
        "pelvis_list",
        "pelvis_rotation",
        "pelvis_tx",
        "pelvis_ty",
        "pelvis_tz",
      )
    )
    r_os = _rz(tilt) @ _rx(lst) @ _ry(rot)
    np.testing.assert_allclose(d1.xmat[1].reshape(3, 3), c @ r_os @ c.T, atol=1e-12)
    np.testing.assert_allclose(d1.xpos[1], c @ [tx, ty, tz], atol=1e-12)
    for j in range(1, m.njnt):  # hinges by name, same value
      assert values[t, names.index(m.joint(j).name)] == qpos[t, m.jnt_qposadr[j]]


def test_generalized_forces_do_the_same_virtual_work(gait_model, cmap):
  """sum_i tau_i dc_i over OpenSim coordinates equals MuJoCo's qfrc . dq for a small motion dc:
  the pelvis moments are the moment projected on the tilt, list and rotation axes."""
  m = gait_model.mj_model
  rng = _rng(4)
  for _ in range(5):
    c0 = rng.uniform(-0.6, 0.6, size=len(cmap.names))
    dc = rng.normal(size=len(cmap.names)) * 1e-6
    q0, q1 = cmap.to_qpos(np.stack([c0, c0 + dc]))
    dq = np.zeros(m.nv)
    mujoco.mj_differentiatePos(m, dq, 1.0, q0, q1)
    qfrc = rng.normal(size=m.nv) * 50
    labels, tau = cmap.generalized_forces((q0 + q1)[None] / 2, qfrc[None])
    assert labels[:6] == [
      "pelvis_tilt_moment",
      "pelvis_list_moment",
      "pelvis_rotation_moment",
      "pelvis_tx_force",
      "pelvis_ty_force",
      "pelvis_tz_force",
    ]
    assert labels[6:] == [f"{n}_moment" for n in cmap.names[6:]]
    np.testing.assert_allclose(tau[0] @ dc, qfrc @ dq, rtol=1e-6, atol=1e-12)


def test_coordinate_name_errors(cmap):
  t = opensim.Table(
    list(cmap.names[1:]) + ["lumbar_extension"],
    [0.0, 0.01],
    np.zeros((2, len(cmap.names))),
    in_degrees=True,
    path="ik.mot",
  )
  with pytest.raises(
    jaxid.InputError,
    match=r"ik.mot: coordinates \['lumbar_extension'\] are not"
    r" in the model; its coordinates are \['pelvis_tilt', 'pelvis_list'",
  ):
    trial_io.coordinate_values(cmap, t)
  with pytest.raises(jaxid.InputError, match=r"ik.mot: missing columns \['pelvis_tilt'\]"):
    trial_io.coordinate_values(cmap, t, ignore_unknown=True)
  t = opensim.Table(list(cmap.names), [0.0, 0.01], np.ones((2, len(cmap.names))), path="ik.mot")
  with pytest.raises(jaxid.InputError, match="no inDegrees line"):
    trial_io.coordinate_values(cmap, t)
  values, _, ignored = trial_io.coordinate_values(cmap, t, in_degrees=True)
  assert ignored == []
  np.testing.assert_allclose(values[0, cmap.rotational], np.radians(1.0))
  np.testing.assert_array_equal(values[0, ~cmap.rotational], 1.0)  # metres stay metres
  assert list(np.array(cmap.names)[~cmap.rotational]) == ["pelvis_tx", "pelvis_ty", "pelvis_tz"]


COUPLED_XML = """
<mujoco model="coupled">
  <worldbody>
    <body name="pelvis" pos="0 0 1">
      <freejoint name="root"/>
      <geom type="sphere" size="0.1" mass="5"/>
      <body name="thigh" pos="0 0 -0.1">
        <joint name="hip" axis="0 -1 0"/>
        <joint name="hip_slide" type="slide" axis="0 0 1"/>
        <geom type="capsule" fromto="0 0 0 0 0 -0.4" size="0.05" mass="3"/>
        <body name="calcn_l"><geom type="sphere" size="0.02" mass="0.1"/></body>
        <body name="calcn_r"><geom type="sphere" size="0.02" mass="0.1"/></body>
      </body>
    </body>
  </worldbody>
  <equality><joint joint1="hip_slide" joint2="hip" polycoef="0.01 0.02 0.03 0 0"/></equality>
</mujoco>"""


def test_name_map_scale_and_coupled_joints():
  """A model's own name map (a MyoLeg-style mapping), a sign flip, and a joint that follows an
  equality constraint when the file leaves it out."""
  m = mujoco.MjModel.from_xml_string(COUPLED_XML)
  cm = coords_lib.CoordinateMap.from_model(
    m, {"root": ("tx", "ty", "tz", "tilt", "list", "rot"), "hip": ("hip_flexion_r", -1.0)}
  )
  assert cm.names == ("tilt", "list", "rot", "tx", "ty", "tz", "hip_flexion_r")
  assert [c.name for c in cm.coupled_coordinates] == ["hip_slide"]
  values = np.zeros((3, 7))
  values[:, 6] = [0.0, 0.5, -0.2]
  q = cm.to_qpos(values)
  np.testing.assert_allclose(q[:, 7], -values[:, 6])  # scale -1
  x = q[:, 7]  # qpos0 = 0 for both joints
  np.testing.assert_allclose(q[:, 8], 0.01 + 0.02 * x + 0.03 * x**2)
  q2 = cm.to_qpos(values, coupled_values={"hip_slide": np.full(3, 0.1)})
  np.testing.assert_allclose(q2[:, 8], 0.1)
  qfrc = np.arange(1.0, 9.0)[None].repeat(3, 0)  # nv = 8: hip dof 6 -> 7 N m, slide -> 8 N
  labels, tau = cm.generalized_forces(q, qfrc, project=False)
  assert labels[-2:] == ["hip_flexion_r_moment", "hip_slide_force"]
  np.testing.assert_allclose(tau[:, -2:], [[-7.0, 8.0]] * 3)
  # projected (default): G' qfrc, the slide's force times dq_slide/dq_hip added to the hip
  labels, tau = cm.generalized_forces(q, qfrc)
  assert labels[-1] == "hip_flexion_r_moment" and "hip_slide_force" not in labels
  np.testing.assert_allclose(tau[:, -1], -(7.0 + 8.0 * (0.02 + 0.06 * x)))
  coords_lib.register_name_map("coupled", {"hip": "flex"})
  try:
    assert coords_lib.CoordinateMap.from_model(m).names[-1] == "flex"
  finally:
    coords_lib.NAME_MAPS.pop("coupled")
  with pytest.raises(jaxid.InputError, match=r"joints \['knee'\] are not in the model"):
    coords_lib.CoordinateMap.from_model(m, {"knee": "knee_angle_r"})
  with jax.enable_x64(True):  # the coordinate map in JAX: differentiable
    g = jax.grad(lambda v: jnp.sum(cm.to_qpos(v, jnp)[:, 8]))(jnp.asarray(values))
    np.testing.assert_allclose(np.asarray(g)[:, 6], -(0.02 + 0.06 * x))


def _virtual_work_check(cm, m, rng, n=5):
  """sum_i tau_i dc_i over the independent coordinates == qfrc . dq (dq from mj_differentiatePos,
  coupled joints following their equalities)."""
  for _ in range(n):
    c0 = rng.uniform(-0.6, 0.6, size=len(cm.names))
    dc = rng.normal(size=len(cm.names)) * 1e-6
    q0, q1 = cm.to_qpos(np.stack([c0, c0 + dc]))
    dq = np.zeros(m.nv)
    mujoco.mj_differentiatePos(m, dq, 1.0, q0, q1)
    qfrc = rng.normal(size=m.nv) * 50
    _, tau = cm.generalized_forces((q0 + q1)[None] / 2, qfrc[None])
    np.testing.assert_allclose(tau[0] @ dc, qfrc @ dq, rtol=1e-5, atol=1e-9)


def test_other_ground_rotation_and_projection():
  """A model facing -y (MyoLeg's world): pelvis position and orientation, generalized forces
  (virtual work, coupled joint projected) and GRFs all go through the model's ground rotation."""
  m = mujoco.MjModel.from_xml_string(COUPLED_XML)
  g = coords_lib.MYOLEG_GROUND
  cm = coords_lib.CoordinateMap.from_model(m, ground=g)
  rng = _rng(7)
  values = rng.uniform(-0.8, 0.8, size=(4, len(cm.names)))
  q = cm.to_qpos(values)
  d = mujoco.MjData(m)
  for t in range(4):
    d.qpos = q[t]
    mujoco.mj_kinematics(m, d)
    tilt, lst, rot, tx, ty, tz = values[t, :6]
    np.testing.assert_allclose(d.xpos[1], g @ [tx, ty, tz], atol=1e-12)
    np.testing.assert_allclose(
      d.xmat[1].reshape(3, 3), g @ _rz(tilt) @ _rx(lst) @ _ry(rot) @ g.T, atol=1e-12
    )
  np.testing.assert_allclose(cm.from_qpos(q), values, atol=1e-12)
  _virtual_work_check(cm, m, rng)
  model = jaxid.model.from_mj_model(m)
  ext = opensim.ExternalLoads((opensim.ExternalForce("r", "calcn_r", "v", "p"),))
  table = opensim.Table(["vx", "vy", "vz", "px", "py", "pz"], [0.0], [[1.0, 2.0, 3.0, 0, 0, 0.5]])
  loads = opensim.grf_loads(table, ext, model, ground=g)
  np.testing.assert_allclose(loads["grf_r"], [[-3.0, -1.0, 2.0]])  # forward is -y, right is -x
  np.testing.assert_allclose(loads["cop_r"], [[-0.5, 0.0, 0.0]])
  back = opensim.grf_table(
    [0.0],
    loads,
    opensim.ExternalLoads(
      (
        opensim.ExternalForce("r", "calcn_r", "v", "p", "t"),
        opensim.ExternalForce("l", "calcn_l", "lv", "lp", "lt"),
      )
    ),
    ground=g,
  )
  np.testing.assert_allclose(back.columns(["vx", "vy", "vz"]), [[1.0, 2.0, 3.0]])


@pytest.mark.slow
def test_myoleg_coordinates(tmp_path):
  """MyoLeg (myo-sim's Rajagopal-derived model, facing -y): the bundled model's coordinate names,
  its ground rotation from the registry, the knee's coupled joints satisfying MuJoCo's own
  equality constraints, generalized forces projected onto knee_angle (virtual work)."""
  pytest.importorskip("myo_sim", reason="myo-sim is not installed (pip install 'jaxid[myo]')")
  model = jaxid.load_model("myolegs")
  m = model.mj_model
  cm = coords_lib.CoordinateMap.from_model(model)
  bundled = coords_lib.CoordinateMap.from_model(jaxid.load_model("gait_lowerbody"))
  assert cm.names == bundled.names
  np.testing.assert_array_equal(cm.ground, coords_lib.MYOLEG_GROUND)
  assert len(cm.coupled_coordinates) == 14
  rng = _rng(8)
  values = rng.uniform(-0.3, 0.3, size=(4, len(cm.names)))
  values[:, cm.names.index("knee_angle_r")] = [0.1, 0.5, 1.0, 1.5]
  values[:, cm.names.index("knee_angle_l")] = [1.2, 0.8, 0.3, 0.05]
  q = cm.to_qpos(values)
  d = mujoco.MjData(m)
  pelvis = m.body("pelvis").id
  eq_rows = None
  for t in range(4):
    d.qpos = q[t]
    mujoco.mj_fwdPosition(m, d)
    tilt, lst, rot, tx, ty, tz = values[t, :6]
    np.testing.assert_allclose(d.xpos[pelvis], coords_lib.MYOLEG_GROUND @ [tx, ty, tz], atol=1e-9)
    want = coords_lib.MYOLEG_GROUND @ _rz(tilt) @ _rx(lst) @ _ry(rot)
    # the converter's pelvis quaternion (0.5004, 0.5, -0.5, -0.4996) is 1e-3 rad off axis
    np.testing.assert_allclose(d.xmat[pelvis].reshape(3, 3), want, atol=2e-3)
    eq_rows = d.efc_type == mujoco.mjtConstraint.mjCNSTR_EQUALITY
    assert eq_rows.sum() == 14 and np.abs(d.efc_pos[eq_rows]).max() < 1e-12
  _virtual_work_check(cm, m, rng, n=3)
  table = trial_io.coordinates_table(cm, np.arange(4) * DT, q)
  assert table.labels == list(cm.names)


# --------------------------------------------------------------------------------------------
# Filter


def test_butterworth_design_and_filtfilt_equal_scipy():
  signal = pytest.importorskip("scipy.signal", reason="scipy (installed with jax) is the oracle")
  for order, cutoff, dt in ((4, 6.0, 0.01), (2, 15.0, 0.001), (4, 49.0, 0.01)):
    b, a = filters.butterworth(cutoff, dt, order)
    b2, a2 = signal.butter(order, cutoff, fs=1 / dt)
    np.testing.assert_allclose(b, b2, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(a, a2, rtol=1e-10, atol=1e-12)
  x = _rng(5).normal(size=(120, 2, 3))
  ref = signal.filtfilt(*signal.butter(4, 6.0, fs=100), x, axis=0)
  np.testing.assert_allclose(filters.filtfilt(x, DT, 6.0), ref, atol=1e-12)
  with jax.enable_x64(True):
    np.testing.assert_allclose(np.asarray(filters.filtfilt_jax(x, DT, 6.0)), ref, atol=1e-12)


def test_filter_zero_lag_gain_and_disable():
  """filtfilt of a digital 4th-order Butterworth: zero phase, gain |H|^2 = 1 / (1 + r^8) with
  r = tan(pi f dt) / tan(pi fc dt) (the bilinear transform's warped f / fc): exactly 1/2
  (-6.02 dB) at the cutoff, 1/346 (-51 dB) at twice the cutoff (100 Hz sampling), ~1 below."""
  t = np.arange(1000) * DT
  mid = slice(200, 800)  # away from the edges

  def gain_of(f):
    return 1 / (1 + (np.tan(np.pi * f * DT) / np.tan(np.pi * 6.0 * DT)) ** 8)

  assert gain_of(12.0) == pytest.approx(1 / 346, rel=3e-3)
  for f, gain in ((1.0, gain_of(1.0)), (6.0, 0.5), (12.0, gain_of(12.0))):
    x = np.sin(2 * np.pi * f * t)
    y = filters.filtfilt(x, DT, 6.0)
    # least-squares fit y = a sin + b cos: amplitude a, phase atan2(b, a)
    basis = np.stack([np.sin(2 * np.pi * f * t[mid]), np.cos(2 * np.pi * f * t[mid])], axis=1)
    a, b = np.linalg.lstsq(basis, y[mid], rcond=None)[0]
    assert np.hypot(a, b) == pytest.approx(gain, rel=2e-3, abs=1e-5), f
    assert abs(np.arctan2(b, a)) < 1e-3, f  # zero lag
  assert 20 * np.log10(0.5) == pytest.approx(-6.02, abs=0.01)
  x = _rng(6).normal(size=(50, 3))
  np.testing.assert_array_equal(filters.filtfilt(x, DT, -1), x)
  np.testing.assert_array_equal(filters.filtfilt(x, DT, None), x)
  np.testing.assert_allclose(filters.filtfilt(np.full((50, 3), 2.5), DT, 6.0), 2.5, rtol=1e-12)
  with pytest.raises(jaxid.InputError, match="Nyquist frequency 50 Hz"):
    filters.filtfilt(x, DT, 60.0)
  with pytest.raises(jaxid.InputError, match="more than 15 frames"):
    filters.filtfilt(x[:15], DT, 6.0)


# --------------------------------------------------------------------------------------------
# Finite differences


def test_finite_differences_match_the_analytic_motion(gait_model):
  """qvel, qacc from qpos vs the sample's analytic values over 0.6 s at 100 and 200 Hz.

  Second order: halving dt divides every dof's error inside the trial by 3.2..5.5 (4 in
  theory), the free joint's local angular velocity and acceleration included. Measured at
  100 Hz: inside, errors <= 3.1 % (qvel) and 2.0 % (qacc) of each dof's peak; the one-sided
  stencils at the first and last frame <= 5 % and 13 %.
  """
  layout = filters.JointLayout.from_model(gait_model)
  errs = {}
  for dt in (0.01, 0.005):
    n = int(round(0.6 / dt)) + 1
    k = jaxid.sample_trial(gait_model, n_frames=n, seed=0, dt=dt).kinematics
    ev = np.abs(filters.velocities(layout, k.qpos, dt) - k.qvel)
    ea = np.abs(filters.accelerations(layout, k.qpos, dt) - k.qacc)
    sv, sa = np.abs(k.qvel).max(0), np.abs(k.qacc).max(0)
    errs[dt] = (ev[1:-1].max(0), ea[1:-1].max(0))
    if dt == 0.01:
      assert np.all(ev[1:-1].max(0) <= 0.04 * sv) and np.all(ea[1:-1].max(0) <= 0.03 * sa)
      assert np.all(ev.max(0) <= 0.06 * sv) and np.all(ea.max(0) <= 0.15 * sa)
      assert ev[1:-1, 3:6].max() < 2e-3  # rad/s, local angular velocity of the pelvis
  for i in (0, 1):  # the analytic values' own error (h = 1e-4 / 1e-3 s) floors tiny errors
    big = errs[0.01][i] > 1e-4
    ratio = errs[0.01][i][big] / errs[0.005][i][big]
    assert big[3:6].all() and np.all((ratio > 3.2) & (ratio < 5.5)), ratio


def test_kinematics_jax_equals_numpy_and_has_gradients(gait_model, sample, cmap):
  q = sample.kinematics.qpos[:60]
  ref = filters.kinematics_from_qpos(gait_model, q, DT, 6.0)
  values = cmap.from_qpos(q)
  ref_c = cmap.kinematics(values, DT, 6.0)
  with jax.enable_x64(True):
    got = filters.kinematics_from_qpos_jax(gait_model, jnp.asarray(q), DT, 6.0)
    for f in ("qpos", "qvel", "qacc"):
      np.testing.assert_allclose(np.asarray(getattr(got, f)), getattr(ref, f), atol=1e-9)
    got_c = jax.jit(lambda v: cmap.kinematics_jax(v, DT, 6.0))(jnp.asarray(values))
    for f in ("qpos", "qvel", "qacc"):
      np.testing.assert_allclose(np.asarray(getattr(got_c, f)), getattr(ref_c, f), atol=1e-9)
    g = jax.grad(
      lambda x: jnp.sum(filters.kinematics_from_qpos_jax(gait_model, x, DT, 6.0).qacc ** 2)
    )(jnp.asarray(q))
    assert np.all(np.isfinite(np.asarray(g))) and np.abs(np.asarray(g)).max() > 0
    # a frame with no rotation between neighbours: log at the identity keeps gradients finite
    still = jnp.asarray(np.repeat(q[:1], 8, axis=0))
    g = jax.grad(
      lambda x: jnp.sum(filters.kinematics_from_qpos_jax(gait_model, x, DT, -1).qvel ** 2)
    )(still)
    assert np.all(np.isfinite(np.asarray(g)))
  np.testing.assert_allclose(np.linalg.norm(ref.qpos[:, 3:7], axis=1), 1.0, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Command line


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
  assert cli.main(argv + ["--out", str(d / "id.sto"), "--plot", str(d / "id.png")]) == 0
  table = opensim.read_table(d / "id.sto")
  assert table.name == trial_io.ID_NAME and table.in_degrees is False
  assert table.labels[:6] == [
    "pelvis_tilt_moment",
    "pelvis_list_moment",
    "pelvis_rotation_moment",
    "pelvis_tx_force",
    "pelvis_ty_force",
    "pelvis_tz_force",
  ]
  assert "knee_angle_r_moment" in table.labels and "ankle_angle_l_moment" in table.labels
  np.testing.assert_allclose(table.time, np.arange(200) * DT, atol=1e-12)
  png = (d / "id.png").read_bytes()
  assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000

  # direct: the same trial from memory, kinematics by the same finite differences
  kin = filters.kinematics_from_qpos(gait_model, sample.kinematics.qpos, DT, -1)
  direct = jaxid.inverse_dynamics(gait_model, jaxid.Trial(kin, sample.loads), outputs=jaxid.TORQUES)
  labels, expect = cmap.generalized_forces(kin.qpos, np.asarray(direct["joint_torques"]))
  assert labels == table.labels
  scale = np.abs(expect).max()
  np.testing.assert_allclose(table.data, expect, atol=1e-5 * scale)  # float32 round-off

  # and the analytic kinematics: finite differences (dt = 0.01 s) change the moments by little.
  # Measured: inside the trial joint moments within 0.9 % of their peak, root residuals within
  # 3.2 N and 1.5 N m (the sample's loads balance the analytic motion exactly); 9.6 N at the ends.
  exact = jaxid.inverse_dynamics(gait_model, sample, outputs=jaxid.TORQUES)
  _, exact = cmap.generalized_forces(sample.kinematics.qpos, np.asarray(exact["joint_torques"]))
  err = np.abs(table.data - exact)
  inner = err[1:-1].max(0)
  assert np.all(inner[6:] <= 0.01 * np.abs(exact[:, 6:]).max(0) + 0.05), dict(
    zip(labels[6:], inner[6:].round(3), strict=True)
  )
  weight = 9.81 * np.sum(gait_model.mj_model.body_mass)
  assert inner[3:6].max() < 0.005 * weight and err[:, 3:6].max() < 0.02 * weight
  assert inner[:3].max() < 2.0


def test_cli_bad_input_one_line_and_exit_2(sample_files, tmp_path, capsys):
  d = sample_files
  ik = opensim.read_table(d / "ik.mot")
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
  t = opensim.Table(ik.labels[1:], ik.time, ik.data[:, 1:], in_degrees=True)
  cases.append((t, r"missing columns \['pelvis_tilt'\]"))
  t = opensim.Table(
    ik.labels + ["arm_flex_r"], ik.time, np.c_[ik.data, ik.data[:, :1]], in_degrees=True
  )
  cases.append((t, r"coordinates \['arm_flex_r'\] are not in the model; its coordinates are"))
  t = opensim.Table(ik.labels, ik.time * 2, ik.data, in_degrees=True)
  cases.append((t, "differs from the coordinates'.*--resample-grf"))
  t = opensim.Table(ik.labels, ik.time, ik.data.copy(), in_degrees=True)
  t.data[5, 3] = np.nan
  cases.append((t, r"1 rows hold NaN or Inf \(first at time 0.05 s, row 6"))
  for k, (table, match) in enumerate(cases):
    path = tmp_path / f"ik{k}.mot"
    opensim.write_table(path, table)
    capsys.readouterr()
    assert cli.main(base + ["--coordinates", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jaxid: error: ") and err.count("\n") == 1, err
    assert __import__("re").search(match, err), err
  assert not (tmp_path / "id.sto").exists()


def test_cli_help_and_subprocess_error(tmp_path, capsys):
  with pytest.raises(SystemExit) as e:
    cli.main(["run", "--help"])
  assert e.value.code == 0
  out = capsys.readouterr().out
  assert "examples:" in out and "--external-loads" in out and "--cutoff" in out
  for spec, match in (
    ("nomodule", "expected package.module:function"),
    ("no_such_pkg.mod:fn", "cannot import 'no_such_pkg.mod'"),
    ("jaxid.api:no_such_fn", "'jaxid.api' has no function 'no_such_fn'"),
  ):
    assert cli.main(["check", "--candidate", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith("jaxid: error: --candidate: ") and match in err, err
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


# --------------------------------------------------------------------------------------------
# OpenSim itself (optional: pip install opensim)


def test_opensim_reads_what_jaxid_writes_and_back(sample_files, tmp_path, monkeypatch):
  monkeypatch.chdir(tmp_path)  # OpenSim writes opensim.log into the working directory
  osim = pytest.importorskip(
    "opensim",
    reason="OpenSim's Python package is not installed (pip install opensim==4.6);"
    " skipping the check that OpenSim's own readers agree with jaxid's files",
  )
  d = sample_files
  for name in ("ik.mot", "grf.mot"):
    ours = opensim.read_table(d / name)
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
    storage = osim.Storage(str(d / name))
    assert storage.getSize() == ours.n_frames
    assert storage.isInDegrees() == bool(ours.in_degrees)
    # OpenSim writes; jaxid reads (TimeSeriesTable's adapter and the legacy Storage printer)
    osim.STOFileAdapter.write(table, str(tmp_path / f"os_{name}.sto"))
    back = opensim.read_table(tmp_path / f"os_{name}.sto")
    assert back.labels == ours.labels and back.in_degrees == ours.in_degrees
    np.testing.assert_allclose(back.data, ours.data, rtol=1e-14, atol=1e-14)
    storage.printResult(storage, f"st_{name[:-4]}", str(tmp_path), -1, ".mot")
    back = opensim.read_table(tmp_path / f"st_{name}")
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
  opensim.write_table(tmp_path / "ik.mot", opensim.Table(list(cm.names), t, data, "ik", True))
  one, zero, stance = np.ones_like(t), np.zeros_like(t), (t < 0.35)[:, None]
  loads = {
    "grf_r": np.stack([50 + 10 * np.sin(w * t), -30 * one, 600 + 120 * np.sin(w * t)], 1),
    "cop_r": np.stack([1.2 * t, -0.1 * one, 0.85 * one], 1),
    "moment_r": np.stack([zero, zero, 3 * one], 1),
    "grf_l": np.stack([-20 * one, 15 * one, 400 * one], 1) * stance,
    "cop_l": np.stack([1.2 * t, 0.1 * one, 0.85 * one], 1) * stance,
    "moment_l": np.zeros((len(t), 3)),
  }
  ext = trial_io.classic_external_loads()
  opensim.write_table(tmp_path / "grf.mot", opensim.grf_table(t, loads, ext))
  opensim.write_external_loads(tmp_path / "loads.xml", ext, str(tmp_path / "grf.mot"))

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
  theirs = opensim.read_table(tmp_path / "opensim_id.sto")

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

"""OpenSim coordinates <-> qpos: the pelvis sequence, name maps, coupled joints, other grounds."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

import jaxid
from jaxid.io import coordinates as coords_lib
from jaxid.io import external_loads, grf, storage
from jaxid.io import trial as trial_io
from jaxid.kinematics import pelvis

DT = 0.01


def _rng(seed=0):
  return np.random.default_rng(seed)


@pytest.fixture(scope="module")
def cmap(gait_model):
  return coords_lib.CoordinateMap.from_model(gait_model)


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
    q[3:7] = pelvis.pelvis_quat(*rng.uniform(-1.4, 1.4, size=3))
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


def _virtual_work_check(cm, m, rng, n=5, rtol=1e-5, atol=1e-9):
  """sum_i tau_i dc_i over the independent coordinates == qfrc . dq (dq from mj_differentiatePos,
  coupled joints following their equalities); returns the generalized forces' labels."""
  for _ in range(n):
    c0 = rng.uniform(-0.6, 0.6, size=len(cm.names))
    dc = rng.normal(size=len(cm.names)) * 1e-6
    q0, q1 = cm.to_qpos(np.stack([c0, c0 + dc]))
    dq = np.zeros(m.nv)
    mujoco.mj_differentiatePos(m, dq, 1.0, q0, q1)
    qfrc = rng.normal(size=m.nv) * 50
    labels, tau = cm.generalized_forces((q0 + q1)[None] / 2, qfrc[None])
    np.testing.assert_allclose(tau[0] @ dc, qfrc @ dq, rtol=rtol, atol=atol)
  return labels


def test_generalized_forces_do_the_same_virtual_work(gait_model, cmap):
  """sum_i tau_i dc_i over OpenSim coordinates equals MuJoCo's qfrc . dq for a small motion dc:
  the pelvis moments are the moment projected on the tilt, list and rotation axes."""
  labels = _virtual_work_check(cmap, gait_model.mj_model, _rng(4), rtol=1e-6, atol=1e-12)
  assert labels[:6] == [
    "pelvis_tilt_moment",
    "pelvis_list_moment",
    "pelvis_rotation_moment",
    "pelvis_tx_force",
    "pelvis_ty_force",
    "pelvis_tz_force",
  ]
  assert labels[6:] == [f"{n}_moment" for n in cmap.names[6:]]


def test_coordinate_name_errors(cmap):
  t = storage.Table(
    [*list(cmap.names[1:]), "lumbar_extension"],
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
  t = storage.Table(list(cmap.names), [0.0, 0.01], np.ones((2, len(cmap.names))), path="ik.mot")
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
  assert labels[-1] == "hip_flexion_r_moment"
  assert "hip_slide_force" not in labels
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
  ext = external_loads.ExternalLoads((external_loads.ExternalForce("r", "calcn_r", "v", "p"),))
  table = storage.Table(["vx", "vy", "vz", "px", "py", "pz"], [0.0], [[1.0, 2.0, 3.0, 0, 0, 0.5]])
  loads = grf.grf_loads(table, ext, model, ground=g)
  np.testing.assert_allclose(loads["grf_r"], [[-3.0, -1.0, 2.0]])  # forward is -y, right is -x
  np.testing.assert_allclose(loads["cop_r"], [[-0.5, 0.0, 0.0]])
  back = grf.grf_table(
    [0.0],
    loads,
    external_loads.ExternalLoads(
      (
        external_loads.ExternalForce("r", "calcn_r", "v", "p", "t"),
        external_loads.ExternalForce("l", "calcn_l", "lv", "lp", "lt"),
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
    assert eq_rows.sum() == 14
    assert np.abs(d.efc_pos[eq_rows]).max() < 1e-12
  _virtual_work_check(cm, m, rng, n=3)
  table = trial_io.coordinates_table(cm, np.arange(4) * DT, q)
  assert table.labels == list(cm.names)

"""OpenSim .osim import: the MJCF twin's kinematics, mass matrix and inverse dynamics vs OpenSim."""

from __future__ import annotations

import jax
import mujoco
import numpy as np
import opensim as osim
import pytest

from jaxid.errors import InputError
from jaxid.models.osim import convert, write_mjcf
from tests import test_osim_models as om

pytestmark = pytest.mark.usefixtures("float64_module")  # float64 here only


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
  """(opensim model, state, Conversion, MjModel, coordinate u indices) of the leg model."""
  path = om.save(om.leg_model(), tmp_path_factory.mktemp("osim") / "leg.osim")
  model = osim.Model(path)
  state = model.initSystem()
  conv = convert(path)
  mj = mujoco.MjModel.from_xml_string(conv.xml)
  cs = model.getCoordinateSet()
  uidx = []
  for i in range(cs.getSize()):
    state.setU(osim.Vector(state.getNU(), 0.0))
    cs.get(i).setSpeedValue(state, 1.0)
    uidx.append(
      int(np.argmax(np.abs(np.array([state.getU().get(k) for k in range(state.getNU())]))))
    )
  return model, state, conv, mj, np.array(uidx)


def set_state(model, state, q, qd):
  """Set OpenSim coordinate values and speeds (CoordinateSet order), ignoring locks/constraints."""
  cs = model.getCoordinateSet()
  for i in range(cs.getSize()):
    cs.get(i).setValue(state, float(q[i]), False)
    cs.get(i).setSpeedValue(state, float(qd[i]))
  model.realizeAcceleration(state)


def mj_data(conv, mj, q, qd, qdd):
  """MuJoCo data at the expanded state."""
  d = mujoco.MjData(mj)
  d.qpos[:], d.qvel[:], d.qacc[:] = (np.asarray(a) for a in conv.coordinate_map.expand(q, qd, qdd))
  return d


def states(n, ncoord, seed):
  """n random (q, qd, qdd), bounded: angles within +-1.2 rad (knee spline range and beyond)."""
  rng = np.random.default_rng(seed)
  for _ in range(n):
    yield (rng.uniform(-1.2, 1.2, ncoord), rng.normal(size=ncoord), rng.normal(size=ncoord) * 3)


def test_columns_are_opensims(twin):
  """One column per coordinate, _moment for rotations and _force for translations."""
  _, _, conv, _, _ = twin
  cols = conv.coordinate_map.columns
  assert cols[:6] == (
    "pelvis_tilt_moment",
    "pelvis_list_moment",
    "pelvis_rotation_moment",
    "pelvis_tx_force",
    "pelvis_ty_force",
    "pelvis_tz_force",
  )
  assert "knee_angle_r_moment" in cols
  assert "mtp_r_coord_0_force" in cols
  assert {d.name for d in conv.coordinate_map.dofs} >= {
    "knee_r_translation1",
    "knee_r_translation2",
  }


def test_body_frames_and_mass_centres(twin):
  """Body origins, rotations and mass centres equal OpenSim's (1e-12)."""
  model, state, conv, mj, _ = twin
  worst = 0.0
  for q, qd, qdd in states(20, len(conv.coordinate_map.coords), 1):
    set_state(model, state, q, qd)
    d = mj_data(conv, mj, q, qd, qdd)
    mujoco.mj_kinematics(mj, d)
    for name in conv.bodies:
      b = model.getBodySet().get(name)
      t = b.getTransformInGround(state)
      m = t.R().asMat33()
      rot = np.array([[m.get(i, j) for j in range(3)] for i in range(3)])
      pos = np.array([t.p().get(i) for i in range(3)])
      com = b.findStationLocationInGround(state, b.getMassCenter())
      com = np.array([com.get(i) for i in range(3)])
      k = mj.body(name).id
      worst = max(
        worst,
        np.abs(d.xpos[k] - pos).max(),
        np.abs(d.xmat[k].reshape(3, 3) - rot).max(),
        np.abs(d.xipos[k] - com).max(),
      )
  assert worst < 1e-12, worst


def test_mass_matrix(twin):
  """J' M J (MuJoCo, J = d dofs / d coords) equals OpenSim's calcM (1e-12)."""
  model, state, conv, mj, uidx = twin
  worst = 0.0
  for q, qd, qdd in states(10, len(uidx), 2):
    set_state(model, state, q, qd)
    mo = osim.Matrix()
    model.getMatterSubsystem().calcM(state, mo)
    mo = np.array([[mo.get(i, j) for j in range(mo.ncol())] for i in range(mo.nrow())])
    d = mj_data(conv, mj, q, qd, qdd)
    mujoco.mj_forward(mj, d)
    m = np.zeros((mj.nv, mj.nv))
    mujoco.mj_fullM(mj, d, m)
    jac = np.asarray(conv.coordinate_map.jacobian(q))
    worst = max(worst, np.abs(jac.T @ m @ jac - mo[np.ix_(uidx, uidx)]).max())
  assert worst < 1e-12, worst


def test_inverse_dynamics(twin):
  """Projected MuJoCo mj_inverse on the expanded state equals OpenSim's InverseDynamicsSolver."""
  model, state, conv, mj, uidx = twin
  solver = osim.InverseDynamicsSolver(model)
  worst = 0.0
  for q, qd, qdd in states(20, len(uidx), 3):
    set_state(model, state, q, qd)
    udot = np.zeros(len(uidx))
    udot[uidx] = qdd
    tau = solver.solve(state, osim.Vector(udot.tolist()))
    tau = np.array([tau.get(i) for i in range(tau.size())])[uidx]
    d = mj_data(conv, mj, q, qd, qdd)
    mujoco.mj_inverse(mj, d)
    mine = np.asarray(conv.coordinate_map.project(d.qfrc_inverse.copy(), q))
    worst = max(worst, np.abs(mine - tau).max())
  assert worst < 1e-9, worst


def test_expand_is_differentiable(twin):
  """Gradients flow through the splines: d qpos / d q of each hinge/slide is its Jacobian row."""
  _, _, conv, mj, _ = twin
  cmap = conv.coordinate_map
  q = np.full(len(cmap.coords), 0.3)
  jac = jax.jacobian(lambda x: cmap.expand(x, x * 0, x * 0)[0])(q)
  scalar = [
    k
    for k in range(mj.njnt)
    if int(mj.jnt_type[k]) in (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE))
  ]
  assert len(scalar) == mj.njnt - 1  # all but the ball
  rows = np.asarray(cmap.jacobian(q))
  np.testing.assert_allclose(
    jac[mj.jnt_qposadr[scalar]], rows[mj.jnt_dofadr[scalar]], rtol=0, atol=1e-15
  )


def test_write_refuses_overwrite(twin, tmp_path):
  """write_mjcf is atomic and refuses an existing file unless force=True."""
  _, _, conv, _, _ = twin
  out = tmp_path / "leg.xml"
  write_mjcf(conv, out)
  assert out.read_text() == conv.xml
  with pytest.raises(InputError, match=r"leg\.xml"):
    write_mjcf(conv, out)
  write_mjcf(conv, out, force=True)
  assert [p.name for p in tmp_path.iterdir()] == ["leg.xml"]

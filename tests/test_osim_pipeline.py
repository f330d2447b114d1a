"""An .osim model through jaxid.load_model and jaxid.inverse_dynamics (float64) vs OpenSim's ID."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import opensim as osim
import pytest

import jaxid
from jaxid.errors import InputError
from jaxid.io.external_loads import ExternalForce, ExternalLoads, write_external_loads
from jaxid.models.osim import convert, loaded_bodies
from jaxid.types import Kinematics, Loads, Trial
from tests import test_osim_models as om
from tests.test_osim_import import set_state

pytestmark = pytest.mark.usefixtures("float64_module")  # float64 here only


@pytest.fixture(scope="module")
def leg(tmp_path_factory):
  """(path, opensim model, state, Conversion, u index of each coordinate)."""
  path = om.save(om.leg_model(seed=5), tmp_path_factory.mktemp("osim") / "leg.osim")
  model = osim.Model(path)
  state = model.initSystem()
  cs = model.getCoordinateSet()
  uidx = []
  for i in range(cs.getSize()):
    state.setU(osim.Vector(state.getNU(), 0.0))
    cs.get(i).setSpeedValue(state, 1.0)
    uidx.append(int(np.argmax([abs(state.getU().get(k)) for k in range(state.getNU())])))
  return path, model, state, convert(path), np.array(uidx)


def origin(model, state, q, qd):
  """calcn_r's origin in ground (3,): the COPs are drawn near it."""
  set_state(model, state, q, qd)
  p = model.getBodySet().get("calcn_r").getTransformInGround(state).p()
  return np.array([p.get(i) for i in range(3)])


def opensim_id(model, state, uidx, q, qd, qdd, grf, cop, free):
  """OpenSim's InverseDynamicsSolver with a ground reaction on calcn_r (ground frame)."""
  set_state(model, state, q, qd)
  udot = np.zeros(len(uidx))
  udot[uidx] = qdd
  body = model.getBodySet().get("calcn_r")
  origin = body.getTransformInGround(state).p()
  arm = cop - np.array([origin.get(i) for i in range(3)])
  forces = osim.VectorOfSpatialVec(model.getBodySet().getSize() + 1, osim.SpatialVec())
  # this overload applies only the forces given: gravity goes in by hand, at each mass centre
  g = np.array([model.getGravity().get(i) for i in range(3)])
  bodies = model.getBodySet()
  for k in range(bodies.getSize()):
    b = bodies.get(k)
    f, at = b.getMass() * g, b.findStationLocationInGround(state, b.getMassCenter())
    o = b.getTransformInGround(state).p()
    r = np.array([at.get(i) - o.get(i) for i in range(3)])
    if b.getName() == "calcn_r":
      f, tq = f + grf, np.cross(r, f) + free + np.cross(arm, grf)
    else:
      tq = np.cross(r, f)
    forces.set(int(b.getMobilizedBodyIndex()), osim.SpatialVec(om.v3(tq), om.v3(f)))
  mobility = osim.Vector(state.getNU(), 0.0)
  tau = osim.InverseDynamicsSolver(model).solve(state, osim.Vector(udot.tolist()), mobility, forces)
  return np.array([tau.get(i) for i in range(tau.size())])[uidx]


def test_load_model_and_pipeline_match_opensim(leg, tmp_path):
  """load_model(.osim) + inverse_dynamics (joint_torques, projected) = OpenSim ID with a GRF."""
  path, model, state, conv, uidx = leg
  loads_file = tmp_path / "grf.xml"
  write_external_loads(
    loads_file,
    ExternalLoads(
      (
        ExternalForce("right", "calcn_r", "v", "p", "t"),
        ExternalForce("left", "toes_r", "1_v", "1_p", "1_t"),
      )
    ),
  )
  feet = loaded_bodies(loads_file)
  assert feet == ("calcn_r", "toes_r")
  jm = jaxid.load_model(path, body_names=feet[::-1])  # (left, right)
  rng = np.random.default_rng(7)
  n, t = len(uidx), 6
  q, qd, qdd = rng.uniform(-1, 1, (t, n)), rng.normal(size=(t, n)), rng.normal(size=(t, n))
  grf = rng.normal(scale=300, size=(t, 3))
  cop = rng.normal(scale=0.1, size=(t, 3)) + np.stack(
    [origin(model, state, a, b) for a, b in zip(q, qd)]
  )
  free = rng.normal(scale=5, size=(t, 3))
  qpos, qvel, qacc = conv.coordinate_map.expand(q, qd, qdd)
  z = jnp.zeros((t, 3))
  nbody = jm.mj_model.nbody
  trial = Trial(
    Kinematics(qpos, qvel, qacc),
    Loads(z, jnp.asarray(grf), z, jnp.asarray(cop), z, jnp.asarray(free), jnp.zeros((t, nbody, 6))),
  )
  out = jaxid.inverse_dynamics(jm, trial, outputs=("joint_torques",))
  mine = np.asarray(conv.coordinate_map.project(out["joint_torques"], q))
  ref = np.stack([opensim_id(model, state, uidx, *a) for a in zip(q, qd, qdd, grf, cop, free)])
  assert np.abs(mine - ref).max() < 1e-9, np.abs(mine - ref).max()


def test_unsupported_joint_names_joint_and_file(tmp_path):
  """A FreeJoint is refused, naming joint and file."""
  rng = np.random.default_rng(0)
  m = osim.Model()
  b = om.body("bob", rng)
  m.addBody(b)
  m.addJoint(
    osim.FreeJoint("free_root", m.getGround(), *om.offsets(rng)[:2], b, *om.offsets(rng)[2:])
  )
  path = om.save(m, tmp_path / "free.osim")
  with pytest.raises(InputError, match=r"'free_root' of type FreeJoint is not supported") as err:
    convert(path)
  assert "free.osim" in str(err.value)


def test_unsupported_function_names_axis_and_file(tmp_path):
  """A transform axis driven by a Sine is refused, naming the function, joint and file."""
  rng = np.random.default_rng(1)
  m = osim.Model()
  b = om.body("bob", rng)
  st = om.custom_transform(
    [("bob_rx", (1, 0, 0), osim.Sine()), (None, (0, 1, 0), None), (None, (0, 0, 1), None)],
    [(None, (1, 0, 0), None), (None, (0, 1, 0), None), (None, (0, 0, 1), None)],
  )
  m.addBody(b)
  m.addJoint(
    osim.CustomJoint("swing", m.getGround(), *om.offsets(rng)[:2], b, *om.offsets(rng)[2:], st)
  )
  path = om.save(m, tmp_path / "sine.osim")
  with pytest.raises(
    InputError,
    match=r"sine\.osim: joint 'swing' axis rotation1: function type Sine is not supported",
  ):
    jaxid.load_model(path, body_names=("bob", "bob"))

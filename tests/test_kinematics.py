"""jaxid.kinematics: the pelvis quaternion, and joint coupling with chains (NumPy and JAX)."""

import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import pytest

import jaxid
from jaxid import kinematics
from jaxid.kinematics import pelvis

# j3 follows j2, which follows j1: a chain; j4 is held at a constant.
CHAIN_XML = """
<mujoco model="chain">
  <worldbody>
    <body name="a" pos="0 0 1">
      <freejoint/>
      <geom type="capsule" size=".05 .2" mass="2"/>
      <body name="b" pos="0 0 -.4">
        <joint name="j1" axis="0 1 0" range="-1 1"/>
        <joint name="j2" axis="1 0 0" range="-1 1"/>
        <geom type="capsule" size=".04 .2" mass="1.5"/>
        <body name="c" pos="0 0 -.4">
          <joint name="j3" axis="0 1 0" range="-1 1"/>
          <joint name="j4" type="slide" axis="1 0 0" range="-.1 .1"/>
          <geom type="sphere" size=".05" mass=".5"/>
        </body>
      </body>
    </body>
  </worldbody>
  <equality>
    <joint joint1="j3" joint2="j2" polycoef="0.1 -.7 .3 .2 -.1"/>
    <joint joint1="j2" joint2="j1" polycoef="0 .5 .4 -.3 .05"/>
    <joint joint1="j4" polycoef=".02 0 0 0 0"/>
  </equality>
</mujoco>
"""


@pytest.fixture(scope="module")
def chain():
  return mujoco.MjModel.from_xml_string(CHAIN_XML)


def _axis_quat(axis, angle):
  q = np.zeros(4)
  mujoco.mju_axisAngle2Quat(q, np.asarray(axis, float), angle)
  return q


def test_pelvis_quat_is_opensims_zxy_sequence_in_mujoco_numpy_and_jax():
  """Body-fixed ground z (tilt), x (list), y (rotation) of a y-up frame; in z-up: -y, x, z."""
  a = np.random.default_rng(2).uniform(-np.pi, np.pi, size=(3, 50))
  ref = []
  for tilt, lst, rot in a.T:
    q, out = np.zeros(4), np.zeros(4)
    mujoco.mju_mulQuat(q, _axis_quat([0, -1, 0], tilt), _axis_quat([1, 0, 0], lst))
    mujoco.mju_mulQuat(out, q, _axis_quat([0, 0, 1], rot))
    ref.append(out)
  np.testing.assert_allclose(pelvis.pelvis_quat(*a), ref, rtol=0, atol=1e-15)
  with jax.enable_x64(True):
    got = pelvis.pelvis_quat(*map(jnp.asarray, a), xp=jnp)
  np.testing.assert_allclose(np.asarray(got), ref, rtol=0, atol=1e-15)


def test_couplings_are_ordered_sources_first(chain):
  cs = kinematics.couplings(chain)
  assert [(c.joint, c.depth) for c in cs] == [("j2", 0), ("j4", 0), ("j3", 1)]


def test_chained_coupling_satisfies_mujocos_constraints(chain):
  """Positions and velocities that MuJoCo C's equality rows see as exactly satisfied."""
  rng = np.random.default_rng(0)
  for _ in range(5):
    qpos = np.concatenate([[0, 0, 1, 1, 0, 0, 0], rng.uniform(-1, 1, 4)])
    qpos, qvel, qacc = kinematics.couple_kinematics(chain, qpos, rng.normal(size=10), None)
    assert qacc is None
    d = mujoco.MjData(chain)
    d.qpos, d.qvel = qpos, qvel
    mujoco.mj_forward(chain, d)
    eq = d.efc_type == mujoco.mjtConstraint.mjCNSTR_EQUALITY
    assert eq.sum() == 3
    assert np.abs(d.efc_pos[eq]).max() < 1e-14
    assert np.abs(d.efc_vel[eq]).max() < 1e-13


def test_chained_coupling_derivatives_and_projection_agree(chain):
  """qvel, qacc are d/dt of the coupled positions, and project_coupled is G': G' f . v = f . G v."""
  rng = np.random.default_rng(1)
  dt = 1e-5
  q1 = lambda t: np.concatenate([[0, 0, 1, 1, 0, 0, 0], [0.3 * np.sin(3 * t), 0, 0, 0]])
  qpos_t = [kinematics.couple_kinematics(chain, q1(t))[0] for t in (-dt, 0.0, dt)]
  v_indep = np.zeros(10)
  v_indep[6] = 0.9  # d/dt of 0.3 sin(3t) at t = 0
  a_indep = np.zeros(10)  # its second derivative at t = 0
  _, qvel, qacc = kinematics.couple_kinematics(chain, qpos_t[1], v_indep, a_indep)
  np.testing.assert_allclose(
    qvel, (qpos_t[2] - qpos_t[0])[[0, 1, 2, 3, 4, 5, 7, 8, 9, 10]] / 2 / dt, atol=1e-8
  )
  fd_acc = (qpos_t[2] - 2 * qpos_t[1] + qpos_t[0])[[0, 1, 2, 3, 4, 5, 7, 8, 9, 10]] / dt**2
  np.testing.assert_allclose(qacc, fd_acc, atol=2e-4)
  f = rng.normal(size=10)
  proj = kinematics.project_coupled(chain, qpos_t[1], f)
  assert np.all(proj[[7, 8, 9]] == 0.0)
  np.testing.assert_allclose(proj @ v_indep, f @ qvel, rtol=1e-13)
  with jax.enable_x64(True):
    got = jax.jit(lambda q, x: kinematics.project_coupled(chain, q, x))(qpos_t[1], jnp.asarray(f))
    qj, vj, aj = kinematics.couple_kinematics(chain, jnp.asarray(qpos_t[1]), v_indep, a_indep)
  np.testing.assert_allclose(np.asarray(got), proj, rtol=1e-15, atol=1e-15)
  for x, y in ((qj, qpos_t[1]), (vj, qvel), (aj, qacc)):
    np.testing.assert_allclose(np.asarray(x), y, rtol=1e-15, atol=1e-15)


def test_cycles_and_doubly_coupled_joints_are_refused():
  cycle = CHAIN_XML.replace('joint1="j4" polycoef', 'joint1="j1" joint2="j3" polycoef')
  with pytest.raises(jaxid.InputError, match="cycle"):
    kinematics.couplings(mujoco.MjModel.from_xml_string(cycle))
  twice = CHAIN_XML.replace('joint1="j4" polycoef', 'joint1="j3" polycoef')
  with pytest.raises(jaxid.InputError, match="'j3' is coupled by more than one"):
    kinematics.couplings(mujoco.MjModel.from_xml_string(twice))

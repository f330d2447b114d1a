"""The tree backend on random MJCF trees drawn by Hypothesis, against MuJoCo C (mj_inverse via the
parity oracle): hinge, slide, ball and free joints, perturbed body/joint/inertial frames,
armature, damping, springs (springref), non-z gravity, joint limits, a polynomial joint coupling.

Each example is a new model, so a new compilation (the constants are folded): the examples are
few (the ci profile) and small (<= 5 bodies). Policy as tests/test_tree.py: 1e-10 of each
output's scale in float64, 1e-5 in float32.
"""

from __future__ import annotations

import hypothesis
import hypothesis.strategies as st
import jax
import mujoco
import numpy as np
import pytest

import jaxid
from jaxid import tree
from jaxid_parity import compare, oracle

N_FRAMES = 4


def _v(rng, n, s=1.0):
  return " ".join(f"{x:.6g}" for x in rng.normal(0, s, n))


def _quat(rng):
  q = rng.normal(size=4)
  return " ".join(f"{x:.6g}" for x in q / np.linalg.norm(q))


def _principal(rng):
  """Principal moments of a point-mass cloud (y+z, x+z, x+y): A + B >= C holds."""
  x = rng.uniform(0.005, 0.25, 3)
  return x[1] + x[2], x[0] + x[2], x[0] + x[1]


def mjcf(parents, joints, free_root, coupled, seed) -> str:
  """A model: body i+1 has parent parents[i] and joints joints[i]; two bodies are the feet."""
  rng = np.random.default_rng(seed)
  g = rng.normal(0, 5, 3)
  children = {i: [] for i in range(len(parents) + 1)}
  for i, p in enumerate(parents):
    children[p].append(i + 1)
  names = {1: "pelvis", len(parents) - 1: "calcn_l", len(parents): "calcn_r"}
  hinges = []

  def body(b) -> str:
    js = []
    if b == 1 and free_root:
      js.append("<freejoint/>")
    for k, typ in enumerate(joints[b - 1]):
      name = f"j{b}_{k}"
      attrs = f'name="{name}" type="{typ}" pos="{_v(rng, 3, 0.05)}"'
      attrs += f' armature="{rng.uniform(0, 0.1):.4g}" damping="{rng.uniform(0, 2):.4g}"'
      attrs += f' stiffness="{rng.uniform(0, 20):.4g}"'
      if typ != "ball":
        attrs += f' axis="{_v(rng, 3)}" springref="{rng.uniform(-0.5, 0.5):.4g}"'
        attrs += f' ref="{rng.uniform(-0.3, 0.3):.4g}"'
        if rng.uniform() < 0.5:
          attrs += ' limited="true" range="-0.2 0.2"'
        if typ == "hinge":
          hinges.append(name)
      js.append(f"<joint {attrs}/>")
    inertial = (
      f'<inertial pos="{_v(rng, 3, 0.05)}" quat="{_quat(rng)}" mass="{rng.uniform(0.5, 10):.4g}"'
      f' diaginertia="{" ".join(f"{x:.4g}" for x in _principal(rng))}"/>'
    )
    inner = "".join(body(c) for c in children[b])
    name = names.get(b, f"b{b}")
    pos = "0 0 1" if b == 1 else _v(rng, 3, 0.3)
    return (
      f'<body name="{name}" pos="{pos}" quat="{_quat(rng)}">{inertial}{"".join(js)}{inner}</body>'
    )

  world = "".join(body(c) for c in children[0])
  eq = ""
  if coupled and len(hinges) >= 2:
    poly = " ".join(f"{x:.4g}" for x in rng.normal(0, 0.3, 5))
    eq = (
      f'<equality><joint joint1="{hinges[0]}" joint2="{hinges[1]}" polycoef="{poly}"/></equality>'
    )
  return (
    f'<mujoco><option gravity="{" ".join(f"{x:.4g}" for x in g)}"/>'
    f"<worldbody>{world}</worldbody>{eq}</mujoco>"
  )


@st.composite
def models(draw):
  n = 5  # bodies: pelvis, two inner, two feet; shapes vary only with the joints drawn
  parents = [0] + [draw(st.integers(1, i)) for i in range(1, n)]
  # MuJoCo allows no rotation after a ball in the same body: a ball, if any, is the last joint.
  # At least 6 dofs (the oracle's residuals are tau[:6]): >= 2 joints on a jointed root, >= 1 else.
  kinds = st.sampled_from(["hinge", "slide"])
  joints = []
  for i in range(n):
    js = draw(st.lists(kinds, min_size=0, max_size=2)) + (["ball"] if draw(st.booleans()) else [])
    while len(js) < (2 if i == 0 else 1):
      js.insert(0, "hinge")
    joints.append(js)
  free_root = draw(st.booleans())
  if free_root:
    joints[0] = []
  return mjcf(parents, joints, free_root, draw(st.booleans()), draw(st.integers(0, 2**31 - 1)))


def _trial(m, feet, rng) -> jaxid.Trial:
  qpos = np.tile(m.qpos0, (N_FRAMES, 1))
  for j in range(m.njnt):
    a = int(m.jnt_qposadr[j])
    if m.jnt_type[j] in (mujoco.mjtJoint.mjJNT_BALL, mujoco.mjtJoint.mjJNT_FREE):
      k = a + (3 if m.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE else 0)
      q = rng.normal(size=(N_FRAMES, 4))
      qpos[:, k : k + 4] = q / np.linalg.norm(q, axis=1, keepdims=True)
      if k > a:
        qpos[:, a : a + 3] = rng.normal(0, 1, (N_FRAMES, 3))
    else:
      qpos[:, a] = rng.uniform(-0.4, 0.4, N_FRAMES)  # across the limits
  qpos[0] = m.qpos0  # rest pose: identity quaternions
  qvel, qacc = rng.normal(0, 2, (N_FRAMES, m.nv)), rng.normal(0, 10, (N_FRAMES, m.nv))
  qvel[0] = 0.0
  d = mujoco.MjData(m)
  loads = {}
  for side, b in zip("lr", feet):
    cop = np.zeros((N_FRAMES, 3))
    for t in range(1, N_FRAMES):  # frame 0 in swing
      d.qpos[:] = qpos[t]
      mujoco.mj_kinematics(m, d)
      cop[t] = d.xpos[b] + rng.normal(0, 0.05, 3)
    loads[f"cop_{side}"] = cop
    loads[f"grf_{side}"] = rng.normal([0, 0, 300], 50, (N_FRAMES, 3))
    loads[f"moment_{side}"] = rng.normal(0, 2, (N_FRAMES, 3))
  ext = rng.normal(0, 5, (N_FRAMES, m.nbody, 6))
  return jaxid.Trial(jaxid.Kinematics(qpos, qvel, qacc), jaxid.Loads(ext_forces=ext, **loads))


def check(xml: str) -> None:
  model = jaxid.model.from_mj_model(mujoco.MjModel.from_xml_string(xml))
  assert tree.unsupported(model.mj_model) is None
  trial = _trial(model.mj_model, model.body_ids, np.random.default_rng(len(xml)))
  dtype = np.float64 if jax.config.jax_enable_x64 else np.float32
  trial = jax.tree.map(lambda x: np.asarray(x, dtype), trial)
  out = jaxid.inverse_dynamics(model, trial, backend="tree", validate=False)
  wide = jax.tree.map(lambda x: np.asarray(x, np.float64), trial)
  ref = oracle.run(model.mj_model, wide.kinematics, wide.loads, model.body_names)
  scales = compare.scales(ref)
  for k, v in out.items():
    compare.assert_close(k, v, ref[k], scales[k], label="tree random", record=False)


SETTINGS = dict(deadline=None, derandomize=True, print_blob=True)


@pytest.mark.x64
@hypothesis.settings(**SETTINGS)
@hypothesis.given(models())
def test_random_trees_float64_match_mujoco_c(xml):
  with jax.enable_x64(True):
    check(xml)


@hypothesis.settings(**SETTINGS, max_examples=4)
@hypothesis.given(models())
def test_random_trees_float32_match_mujoco_c(xml):
  check(xml)

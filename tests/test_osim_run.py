"""jaxid run --model x.osim vs OpenSim's own InverseDynamicsTool on the same files.

A two-leg model built with the opensim API (pelvis CustomJoint, a SimmSpline knee, a locked
ankle and a CoordinateCouplerConstraint, which the ID tool ignores), an IK .mot (degrees), a
GRF .mot and an ExternalLoads .xml written with OpenSim's classes; both tools at 6 Hz and
unfiltered. Measured (150 frames at 100 Hz, 12 columns, peaks 300-2400 N m): max 5.2e-9 N m
(6 Hz) and 6.3e-9 N m (unfiltered), RMS 2.6e-9..3.1e-9 N m on every column at both settings:
the rounding of OpenSim's 8-decimal .sto (jaxid reproduces the tool's filter and splines, so the
derivative method does not differ; the MJCF path's filtfilt + finite differences would differ by
up to 248 N m at 6 Hz and 64 N m unfiltered, mostly within 0.1 s of the ends).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jax
import mujoco
import numpy as np
import opensim as osim
import pytest

from jaxid import cli, options
from jaxid.io import osim_trial, storage
from tests import test_osim_models as om

pytestmark = pytest.mark.usefixtures("float64_module")
# OpenSim's .sto holds 8 decimals (rounding <= 5e-9 N m); float64 twin vs Simbody differ by
# ~1e-12 N m (test_osim_pipeline), so 1e-8 N m is the bound: anything above is a real difference.
TOL = 1e-8
N, DT = 150, 0.01


def biped(seed: int = 3) -> osim.Model:
  """Pelvis ZXY + translations, two legs (hip, knee, ankle), knee_r's translations SimmSplines."""
  rng = np.random.default_rng(seed)
  m = osim.Model()
  m.setName("biped")
  pelvis = om.body("pelvis", rng)
  rot = [(f"pelvis_{n}", a, None) for n, a in (("tilt", (0, 0, 1)), ("list", (1, 0, 0)))]
  rot.append(("pelvis_rotation", (0, 1, 0), None))
  st = om.custom_transform(rot, [(f"pelvis_t{a}", e, None) for a, e in zip("xyz", np.eye(3))])
  m.addBody(pelvis)
  zero = osim.Vec3(0)
  m.addJoint(osim.CustomJoint("ground_pelvis", m.getGround(), zero, zero, pelvis, zero, zero, st))
  knee = np.radians([-120, -100, -80, -60, -40, -20, -10, 0, 10])
  kx = om.spline(
    knee, [-0.0032, 0.00179, 0.00411, 0.0041, 0.00212, -0.001, -0.0031, -0.0052, -0.006]
  )
  ky = om.spline(
    knee, [-0.4226, -0.4082, -0.399, -0.3976, -0.3966, -0.3949, -0.3933, -0.3926, -0.39]
  )
  for s in "rl":
    femur, tibia, foot = (om.body(f"{n}_{s}", rng) for n in ("femur", "tibia", "calcn"))
    m.addBody(femur)
    m.addJoint(osim.PinJoint(f"hip_{s}", pelvis, *om.offsets(rng)[:2], femur, *om.offsets(rng)[2:]))
    m.addBody(tibia)
    frames = (femur, *om.offsets(rng)[:2], tibia, *om.offsets(rng)[2:])
    if s == "r":
      st = om.custom_transform(
        [("knee_angle_r", (0, 0, 1), None), (None, (1, 0, 0), None), (None, (0, 1, 0), None)],
        [("knee_angle_r", (1, 0, 0), kx), ("knee_angle_r", (0, 1, 0), ky), (None, (0, 0, 1), None)],
      )
      m.addJoint(osim.CustomJoint("knee_r", *frames, st))
    else:
      m.addJoint(osim.PinJoint("knee_l", *frames))
    m.addBody(foot)
    m.addJoint(osim.PinJoint(f"ankle_{s}", tibia, *om.offsets(rng)[:2], foot, *om.offsets(rng)[2:]))
  m.finalizeConnections()
  m.getCoordinateSet().get("ankle_l_coord_0").set_locked(True)
  coupler = osim.CoordinateCouplerConstraint()
  coupler.setName("knee_l_follows_hip_l")
  coupler.setIndependentCoordinateNames(osim.ArrayStr("hip_l_coord_0", 1))
  coupler.setDependentCoordinateName("knee_l_coord_0")
  coupler.setFunction(osim.LinearFunction(0.5, 0.0))
  m.addConstraint(coupler)
  return m


def write_table(path, t, labels, data, in_degrees):
  """An OpenSim TimeSeriesTable written by its STOFileAdapter."""
  mat = osim.Matrix(len(t), len(labels))
  for i in range(len(t)):
    for j in range(len(labels)):
      mat.set(i, j, float(data[i, j]))
  table = osim.TimeSeriesTable(
    osim.StdVectorDouble([float(x) for x in t]), mat, osim.StdVectorString(list(labels))
  )
  table.addTableMetaDataString("inDegrees", "yes" if in_degrees else "no")
  osim.STOFileAdapter.write(table, str(path))


def write_loads(path, bodies):
  """An ExternalLoads of one ExternalForce per body, columns <k>_ground_force_v..., grf.mot."""
  loads = osim.ExternalLoads()
  for k, b in enumerate(bodies):
    f = osim.ExternalForce()
    f.setName(f"plate{k}")
    f.set_applied_to_body(b)
    f.set_force_expressed_in_body("ground")
    f.set_point_expressed_in_body("ground")
    f.set_force_identifier(f"{k}_ground_force_v")
    f.set_point_identifier(f"{k}_ground_force_p")
    f.set_torque_identifier(f"{k}_ground_torque_")
    loads.cloneAndAppend(f)
  loads.setDataFileName("grf.mot")
  loads.printToXML(str(path))


def motion(names, rotational, seed=0):
  """(time (N,), smooth coordinate values (N, n) in rad and m)."""
  rng = np.random.default_rng(seed)
  t = np.arange(N) * DT
  cols = []
  for name, r in zip(names, rotational):
    amp, f, ph = (rng.uniform(0.1, 0.5) if r else 0.03), rng.uniform(0.5, 2.0), rng.uniform(0, 6)
    v = amp * np.sin(2 * np.pi * f * t + ph) + (rng.uniform(-0.3, 0.3) if r else 0.0)
    v = v + {"pelvis_ty": 0.95, "pelvis_tx": 0.3 * t}.get(name, 0.0)
    cols.append(-0.6 + 0.5 * np.sin(2 * np.pi * f * t + ph) if name.startswith("knee") else v)
  return t, np.stack(cols, 1)


def opensim_id(folder, cutoff, name):
  tool = osim.InverseDynamicsTool()
  tool.setModelFileName(str(folder / "biped.osim"))
  tool.setCoordinatesFileName(str(folder / "ik.mot"))
  tool.setExternalLoadsFileName(str(folder / "grf.xml"))
  tool.setLowpassCutoffFrequency(cutoff)
  tool.setStartTime(0.0)
  tool.setEndTime((N - 1) * DT)
  tool.setResultsDir(str(folder))
  tool.setOutputGenForceFileName(name)
  assert tool.run()
  return storage.read_table(folder / name)


@pytest.fixture(scope="module")
def trial_files(tmp_path_factory):
  """The folder with biped.osim, ik.mot, grf.mot, grf.xml and OpenSim's id_6.sto, id_raw.sto."""
  d = tmp_path_factory.mktemp("osim_run")
  om.save(biped(), d / "biped.osim")
  model = osim_trial.load_osim_model(d / "biped.osim")
  cmap = model.coordinate_map
  t, q = motion(cmap.coords, cmap.rotational)
  deg = q.copy()
  deg[:, list(cmap.rotational)] = np.degrees(deg[:, list(cmap.rotational)])
  write_table(d / "ik.mot", t, cmap.coords, deg, True)
  qpos = np.asarray(cmap.expand(q, 0 * q, 0 * q)[0])
  data, m = mujoco.MjData(model.mj_model), model.mj_model
  cols, labels = [], []
  for k, foot in enumerate(("calcn_r", "calcn_l")):
    at = []
    for row in qpos:
      data.qpos[:] = row
      mujoco.mj_kinematics(m, data)
      at.append(data.xpos[m.body(foot).id].copy())
    force = np.stack([50 * np.sin(3 * t + k), 700 + 200 * np.sin(5 * t + k), 30 * np.cos(2 * t)], 1)
    point = np.asarray(at) + np.array([0.05, -0.02, 0.01])
    torque = np.stack([0 * t, 5 * np.sin(4 * t), 0 * t], 1)
    for pre, arr in (
      ("ground_force_v", force),
      ("ground_force_p", point),
      ("ground_torque_", torque),
    ):
      labels += [f"{k}_{pre}{a}" for a in "xyz"]
      cols.append(arr)
  write_table(d / "grf.mot", t, labels, np.concatenate(cols, 1), False)
  write_loads(d / "grf.xml", ["calcn_r", "calcn_l"])
  opensim_id(d, 6.0, "id_6.sto")
  opensim_id(d, -1.0, "id_raw.sto")
  return d


def jaxid_run(folder, cutoff, out, *extra):
  """jaxid's CLI in this process (--x64 switches x64 on globally: switched back after)."""
  argv = ["run", "--model", str(folder / "biped.osim"), "--coordinates", str(folder / "ik.mot")]
  argv += ["--external-loads", str(folder / "grf.xml"), "--cutoff", str(cutoff), "--x64"]
  try:
    return cli.main([*argv, "--quiet", "--out", str(out), *extra])
  finally:
    jax.config.update("jax_enable_x64", False)


@pytest.mark.parametrize(("cutoff", "ref"), [(6, "id_6.sto"), (-1, "id_raw.sto")])
def test_run_matches_inverse_dynamics_tool(trial_files, tmp_path, cutoff, ref):
  """Every column, OpenSim's labels and order, within TOL N m of OpenSim's ID tool."""
  assert jaxid_run(trial_files, cutoff, tmp_path / "id.sto") == 0
  ours, theirs = storage.read_table(tmp_path / "id.sto"), storage.read_table(trial_files / ref)
  assert ours.labels == theirs.labels  # names, _moment/_force and the multibody-tree order
  np.testing.assert_allclose(ours.time, theirs.time, atol=1e-12)
  diff = ours.data - theirs.data
  worst = dict(zip(ours.labels, np.abs(diff).max(0), strict=True))
  rms = dict(zip(ours.labels, np.sqrt(np.mean(diff**2, 0)), strict=True))
  print(f"cutoff {cutoff}: max {worst}\nrms {rms}")
  assert max(worst.values()) < TOL, worst
  assert np.abs(theirs.data).max() > 100  # loads and motion are not trivial


@pytest.mark.parametrize(("cutoff", "ref"), [(6, "id_6.sto"), (-1, "id_raw.sto")])
def test_run_float32_matches_inverse_dynamics_tool(trial_files, tmp_path, cutoff, ref):
  """Without --x64: float32 inverse dynamics on float64-processed coordinates.

  Policy (docs/parity.md): float32 to 1e-5 of the output's scale, here the largest column peak
  of OpenSim's output (2.2e3 N m): 0.022 N m. Measured 4.8e-4 (6 Hz) and 6.0e-4 N m
  (unfiltered). Processing the coordinates in float32 instead (the spline's second derivative
  cancels entries ~1/dt^2) was off by 0.47 N m, which this bound catches.
  """
  argv = ["run", "--model", str(trial_files / "biped.osim"), "--coordinates"]
  argv += [str(trial_files / "ik.mot"), "--external-loads", str(trial_files / "grf.xml")]
  argv += ["--cutoff", str(cutoff), "--quiet", "--out", str(tmp_path / "id.sto")]
  with jax.enable_x64(False):
    assert cli.main(argv) == 0
  ours, theirs = storage.read_table(tmp_path / "id.sto"), storage.read_table(trial_files / ref)
  assert ours.labels == theirs.labels
  worst = np.abs(ours.data - theirs.data).max()
  print(f"float32, cutoff {cutoff}: max {worst:.2e} N m")
  assert worst <= 1e-5 * np.abs(theirs.data).max()
  assert worst > 1e-6  # float32 did run (float64 agrees to the .sto's 5e-9 rounding)


def test_grf_is_not_rotated_for_an_osim_twin(trial_files):
  """The twin's world is OpenSim's ground: the Trial's GRF and COP are the file's columns."""
  model = osim_trial.load_osim_model(trial_files / "biped.osim", trial_files / "grf.xml")
  assert model.body_names == ("calcn_l", "calcn_r")
  trial, _ = osim_trial.read_osim_trial(
    model, trial_files / "ik.mot", external_loads=trial_files / "grf.xml"
  )
  grf = storage.read_table(trial_files / "grf.mot")
  cols = [f"0_ground_force_v{a}" for a in "xyz"]
  np.testing.assert_array_equal(np.asarray(trial.loads.grf_r), grf.columns(cols))
  cols = [f"1_ground_force_p{a}" for a in "xyz"]
  np.testing.assert_array_equal(np.asarray(trial.loads.cop_l), grf.columns(cols))


def _edit(src, dst, old, new):
  dst.write_text(src.read_text().replace(old, new))
  return dst


@pytest.mark.parametrize(
  ("case", "message"),
  [
    ("extra column", r"ik_bad\.mot: coordinates \['arm_flex'\] are not in the model"),
    ("degrees said radians", r"ik_bad\.mot: \w+ is [-\d.]+ at row \d+, implausible in radians"),
    ("missing column", r"ik_bad\.mot: missing columns \['knee_angle_r'\]"),
    ("unknown body", r"grf_bad\.xml: ExternalForce 'plate1' has applied_to_body 'calcn_x'"),
    ("no loads file", r"--grf .*grf\.mot: an \.osim model needs --external-loads"),
    ("plot", r"--plot .*id\.png: not available with an \.osim model"),
  ],
)
def test_bad_input_is_one_line_naming_it(trial_files, tmp_path, capsys, case, message):
  """Exit 2, one line on stderr naming the file or argument, nothing written."""
  d, out = trial_files, tmp_path / "id.sto"
  argv = ["run", "--model", str(d / "biped.osim"), "--out", str(out), "--quiet"]
  ik, loads = d / "ik.mot", d / "grf.xml"
  if case == "extra column":
    lines = ik.read_text().splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("time"))
    lines[k:] = [lines[k] + "\tarm_flex"] + [row + "\t0" for row in lines[k + 1 :]]
    ik = tmp_path / "ik_bad.mot"
    ik.write_text("\n".join(lines) + "\n")
  if case == "degrees said radians":
    ik = _edit(ik, tmp_path / "ik_bad.mot", "inDegrees=yes", "inDegrees=no")
  if case == "missing column":
    ik = _edit(ik, tmp_path / "ik_bad.mot", "\tknee_angle_r\t", "\tarm_flex\t")
    argv += ["--ignore-unknown"]
  if case == "unknown body":
    loads = _edit(loads, tmp_path / "grf_bad.xml", ">calcn_l<", ">calcn_x<")
    (tmp_path / "grf.mot").write_text((d / "grf.mot").read_text())
  argv += ["--coordinates", str(ik)]
  if case == "no loads file":
    argv += ["--grf", str(d / "grf.mot")]
  else:
    argv += ["--external-loads", str(loads)]
  if case == "plot":
    argv += ["--plot", str(tmp_path / "id.png")]
  assert cli.main(argv) == 2
  err = capsys.readouterr().err.strip()
  assert len(err.splitlines()) == 1, err
  assert err.startswith("jaxid: error: "), err
  assert re.search(message, err), err
  assert not out.exists()


def docs_block(heading: str) -> str:
  """The first ```py block under a heading of docs/opensim.md."""
  page = (Path(__file__).parent.parent / "docs" / "opensim.md").read_text()
  section = page.split(f"\n{heading}\n", 1)[1]
  return section.split("```py\n", 1)[1].split("```", 1)[0]


def test_docs_batched_differentiable_call(trial_files, tmp_path, monkeypatch):
  """docs/opensim.md's jitted, vmapped, differentiated call runs on OpenSim's files and gives
  OpenSim's ID tool's numbers; its gradient matches central differences."""
  for src, dst in (("biped.osim", "subject.osim"), ("ik.mot",) * 2, ("grf.xml",) * 2):
    shutil.copy(trial_files / src, tmp_path / dst)
  shutil.copy(trial_files / "grf.mot", tmp_path / "grf.mot")
  monkeypatch.chdir(tmp_path)
  scope: dict = {}
  exec(compile(docs_block("## A batched, differentiable call"), "opensim.md", "exec"), scope)
  cmap, tau = scope["model"].coordinate_map, np.asarray(scope["tau"])
  assert options.resolve_backend(scope["model"].mj_model, "auto") == "tree"  # as the page says
  theirs = storage.read_table(trial_files / "id_6.sto")
  assert list(cmap.id_columns) == theirs.labels
  np.testing.assert_allclose(tau[:, list(cmap.order)], theirs.data, rtol=0, atol=TOL)
  # vmap is another program than the single call: float64 round-off of ~2e3 N m peaks is
  # ~1e-12 N m; 1e-9 N m bounds it with room and is far below any real difference.
  np.testing.assert_allclose(np.asarray(scope["tau_batch"]), np.stack([tau, tau]), atol=1e-9)
  # d/de f(v + e u) by central differences, f = sum tau^2 (~1e9 N^2 m^2): a 1e-6 step gives
  # truncation ~1e-12 relative and round-off ~1e-16 f / 1e-6 ~ 0.1 against a derivative of
  # ~1e9, so ~1e-10 relative (measured 6e-10); the 1e-6 bound leaves room for that and
  # fails on any gradient error above a millionth of the derivative.
  f = scope["coordinate_moments"]
  values, loads = scope["values"], scope["trial"].loads
  u = np.random.default_rng(7).standard_normal(values.shape)
  h = 1e-6

  def loss(v):
    return float(np.sum(np.asarray(f(v, loads)) ** 2))

  fd = (loss(values + h * u) - loss(values - h * u)) / (2 * h)
  ad = float(np.sum(np.asarray(scope["grad"]) * u))
  print(f"directional derivative: AD {ad:.9e}, FD {fd:.9e}, rel {abs(ad - fd) / abs(ad):.1e}")
  assert abs(ad - fd) <= 1e-6 * abs(ad)
  assert abs(ad) > 1.0  # not a vanishing gradient

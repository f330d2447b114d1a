"""MyoLeg's parity bounds in N m per dof: what the policy accepts and what jaxid reaches.

  python -m jaxid_parity.myo_bounds [--drawn N]

The harness compares joint_forces and joint_torques against MuJoCo C with a per-dof scale
(jaxid_parity.compare.scales): on the knee and its coupled dofs it is the constraint terms'
magnitude, so RTOL * scale is an absolute bound that differs per dof and per trial. This prints,
for the knee dofs and for the worst other dof, over two sets of trials (drawn: the harness's
Hypothesis trials, derandomised; walking: 8-frame windows of MyoLeg's 200-frame sample trial):

  accepted   RTOL[prec] * scale: the largest error the policy lets pass, in N m (min..max)
  observed   max |jaxid - MuJoCo C| in N m, per precision

and the same two for the OpenSim knee moment (jaxid.kinematics.project_coupled of the joint
torques), which the harness does not compare, with the moment's median and maximum magnitude.
One compile per precision (all trials in one batch); about 3 minutes on 2 CPU cores.
"""

from __future__ import annotations

import argparse

import jax
import numpy as np
from hypothesis import HealthCheck, given, settings

import jaxid
from jaxid.kinematics import project_coupled
from jaxid_parity import compare, oracle
from jaxid_parity import strategies as S
from jaxid_parity.harness import cast

T = S.N_FRAMES
KEY = "joint_torques"


def drawn(mj_model, n: int) -> list:
  out = []

  @settings(
    max_examples=n, derandomize=True, database=None, deadline=None,
    suppress_health_check=list(HealthCheck),
  )  # fmt: skip
  @given(trial=S.trials(mj_model))
  def collect(trial):
    out.append(trial)

  collect()
  return out[:n]


def walking(name: str) -> list:
  base = S.long_sample(name)
  n = base.kinematics.qpos.shape[0] // T
  return [jax.tree.map(lambda a, k=k: np.asarray(a)[k * T : (k + 1) * T], base) for k in range(n)]


def measure(model, trials: list, prec: str) -> dict:
  """Per trial: |error| [T, nv], accepted bound [nv], projected knee error and moment [T, nv]."""
  mj = model.mj_model
  with jax.enable_x64(prec == "float64"):
    batch = jax.tree.map(lambda *a: np.stack(a), *[cast(t, prec) for t in trials])
    out = np.asarray(jaxid.inverse_dynamics(model, batch, outputs=(KEY,), validate=False)[KEY])
  res = {"err": [], "bound": [], "proj_err": [], "proj": []}
  for i, t in enumerate(trials):
    tc = cast(t, prec)
    ref = oracle.run(mj, tc.kinematics, tc.loads, model.body_names)
    qpos = np.asarray(tc.kinematics.qpos, np.float64)
    res["err"].append(np.abs(out[i] - ref[KEY]))
    res["bound"].append(compare.RTOL[prec] * np.broadcast_to(compare.scales(ref)[KEY], (mj.nv,)))
    proj_ref = project_coupled(mj, qpos, ref[KEY])
    res["proj_err"].append(np.abs(project_coupled(mj, qpos, out[i].astype(np.float64)) - proj_ref))
    res["proj"].append(np.abs(proj_ref))
  return {k: np.stack(v) for k, v in res.items()}


def dof_names(mj) -> list[str]:
  names = [""] * mj.nv
  for j in range(mj.njnt):
    adr, typ = int(mj.jnt_dofadr[j]), int(mj.jnt_type[j])
    width = {0: 6, 1: 3}.get(typ, 1)
    for k in range(width):
      names[adr + k] = mj.joint(j).name + (f"[{k}]" if width > 1 else "")
  return names


def report(model, sets: dict) -> None:
  mj = model.mj_model
  names = dof_names(mj)
  knee = [i for i, n in enumerate(names) if n.startswith("knee_angle")]
  other = [i for i in range(mj.nv) if i not in knee]
  for label, trials in sets.items():
    res = {p: measure(model, trials, p) for p in ("float32", "float64")}
    print(f"\n### {label}: {len(trials)} trials x {T} frames; N m (accepted = RTOL x scale)\n")
    print("| dof | f32 accepted | f32 observed | f64 accepted | f64 observed |")
    print("|---|---|---|---|---|")

    def row(name, idx, res):
      cells = []
      for p in ("float32", "float64"):
        b, e = res[p]["bound"][:, idx], res[p]["err"][:, :, idx]
        cells += [f"{b.min():.3g} .. {b.max():.3g}", f"{e.max():.3g}"]
      print(f"| {name} | " + " | ".join(cells) + " |")

    for i in knee:
      row(names[i], [i], res)
    worst = max(other, key=lambda i: res["float32"]["bound"][:, i].max())
    row(f"every other dof (largest: {names[worst]})", other, res)
    for side in "rl":
      i = names.index(f"knee_angle_{side}")
      mom = res["float64"]["proj"][:, :, i]
      print(
        f"\nOpenSim knee moment knee_angle_{side} (project_coupled): |moment| median"
        f" {np.median(mom):.3g}, max {mom.max():.3g} N m; max |error| float32"
        f" {res['float32']['proj_err'][:, :, i].max():.3g} N m, float64"
        f" {res['float64']['proj_err'][:, :, i].max():.3g} N m"
      )


def main(argv: list[str] | None = None) -> int:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--drawn", type=int, default=12, help="drawn trials (default %(default)s)")
  args = ap.parse_args(argv)
  model = S.model("myolegs")
  report(model, {"drawn": drawn(model.mj_model, args.drawn), "walking": walking("myolegs")})
  return 0


if __name__ == "__main__":
  raise SystemExit(main())

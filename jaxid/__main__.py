"""Main job: inverse dynamics of the bundled model's sample trial, then the parity harness.

python -m jaxid [--frames N] [--no-parity]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import jax
import numpy as np

import jaxid


def summary(model, trial, out, seconds) -> str:
  """A short table of what a biomechanist looks at first."""
  m = model.mj_model
  weight = float(np.sum(m.body_mass)) * 9.81
  tau = np.asarray(out["joint_torques"])
  lines = [
    f"model {model.name}: nq={m.nq} nv={m.nv} nbody={m.nbody}, "
    f"{trial.n_frames} frames, {seconds * 1e3:.1f} ms compiled run",
    f"root residual: max |F| {np.abs(out['residuals'][:, :3]).max():.3g} N "
    f"({np.abs(out['residuals'][:, :3]).max() / weight:.2e} body weight), "
    f"max |M| {np.abs(out['residuals'][:, 3:]).max():.3g} N m",
    f"{'coordinate':<18}{'peak |torque| N m':>18}",
  ]
  for j in range(1, m.njnt):
    name = m.joint(j).name
    lines.append(f"{name:<18}{np.abs(tau[:, m.jnt_dofadr[j]]).max():>18.1f}")
  return "\n".join(lines)


def main(argv=None) -> int:
  ap = argparse.ArgumentParser(description=__doc__)
  ap.add_argument("--frames", type=int, default=200)
  ap.add_argument("--no-parity", action="store_true", help="skip the parity harness")
  args = ap.parse_args(argv)
  model = jaxid.load_model("gait_lowerbody")
  trial = jaxid.sample_trial(model, n_frames=args.frames)
  jax.block_until_ready(jaxid.inverse_dynamics(model, trial))  # compile
  t0 = time.perf_counter()
  out = jax.block_until_ready(jaxid.inverse_dynamics(model, trial))
  print(summary(model, trial, out, time.perf_counter() - t0))
  if args.no_parity:
    return 0
  print("\nparity harness (parity_tests, ci profile) on legacy and jaxid:", flush=True)
  return parity_and_checklist()


def parity_and_checklist() -> int:
  """Run parity_tests, then print one line per checklist item from the outcomes."""
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  xml = os.path.join(root, ".cache", "demo-parity.xml")
  os.makedirs(os.path.dirname(xml), exist_ok=True)
  env = dict(os.environ, HYPOTHESIS_PROFILE=os.environ.get("HYPOTHESIS_PROFILE", "ci"))
  cmd = [
    sys.executable,
    "-m",
    "pytest",
    "parity_tests",
    "-q",
    "-p",
    "no:cacheprovider",
    f"--junitxml={xml}",
    "-o",
    "junit_family=xunit1",
  ]
  rc = subprocess.call(cmd, cwd=root, env=env)
  sys.path.insert(0, root)
  from parity_tests import checklist_report

  rows = checklist_report.read(xml)
  print("\nthe guide's checklist, measured (full table: nox -s checklist -> docs/checklist.md)")
  print("ok: the tests measuring that side passed (legacy shows the anti-pattern and its effect;")
  print("jaxid is free of it); guide: its stated reason confirmed or corrected by measurement")
  print(f"{'item':<5}{'legacy':<9}{'jaxid':<9}{'guide':<11}checklist item")
  for item, (before, _after) in checklist_report.ITEMS.items():
    tests = [r for r in rows if r["item"] == item]

    def side(name, tests=tests):
      got = [t["outcome"] for t in tests if t["side"] == name]
      return "-" if not got else ("ok" if all(o == "passed" for o in got) else "FAILED")

    verdicts = {t["verdict"] for t in tests if t.get("verdict") and t["outcome"] == "passed"}
    verdict = "/".join(sorted(verdicts)) or "-"
    print(f"{item:<5}{side('legacy'):<9}{side('candidate'):<9}{verdict:<11}{before}")
  return rc


if __name__ == "__main__":
  sys.exit(main())

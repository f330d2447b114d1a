"""Main job: inverse dynamics of the bundled model's sample trial, then the parity harness.

python -m jaxid [--frames N] [--no-parity]   (the parity harness needs jaxid[parity])
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import jax
import numpy as np

import jaxid


def summary(model: jaxid.Model, trial: jaxid.Trial, out: dict, seconds: float) -> str:
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


def main(argv: list[str] | None = None) -> int:
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
  print("\nparity harness (jaxid_parity.suite, ci profile) on legacy and jaxid:", flush=True)
  return parity_and_checklist()


def parity_and_checklist() -> int:
  """Run the parity suite in-process, then print one line per checklist item from the outcomes."""
  from jaxid_parity import checklist_report, runner

  os.environ.setdefault("HYPOTHESIS_PROFILE", "ci")
  with tempfile.TemporaryDirectory() as tmp:
    xml = os.path.join(tmp, "parity.xml")
    rc = runner.run_suite(junitxml=xml, extra=["-q"])
    rows = checklist_report.read(xml) if os.path.exists(xml) else []
  print()
  print("\n".join(checklist_report.summary(rows)))
  return rc


if __name__ == "__main__":
  sys.exit(main())

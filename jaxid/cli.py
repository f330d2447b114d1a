"""jaxid's command line: inverse dynamics of OpenSim files, the sample trial as files, a demo.

  python -m jaxid.cli sample --out-dir trial/
  python -m jaxid.cli run --model gait_lowerbody --coordinates trial/ik.mot \\
      --grf trial/grf.mot --external-loads trial/loads.xml --out trial/id.sto --plot trial/id.png
  python -m jaxid.cli demo --out-dir demo/
  python -m jaxid.cli check --candidate package.module:function

Bad input exits with status 2 and one line on stderr saying what is wrong.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import warnings

import numpy as np

from jaxid.errors import InputError

EXAMPLES = """examples:
  python -m jaxid.cli sample --out-dir trial
  python -m jaxid.cli run --coordinates trial/ik.mot --grf trial/grf.mot \\
      --external-loads trial/loads.xml --out trial/id.sto --plot trial/id.png
  python -m jaxid.cli run --model my_model.xml --coordinates ik.mot --grf grf_1000Hz.mot \\
      --external-loads loads.xml --resample-grf --cutoff 6 --out id.sto
  python -m jaxid.cli demo --out-dir demo
  python -m jaxid.cli check --candidate jaxid_parity.adapters:jaxid_candidate
"""


FORCE_HELP = "replace output files that exist (otherwise an error)"


class _Progress:
  """Stage lines on stderr: '[2/5] filtering ... (0.1 s)'."""

  def __init__(self, n: int, quiet: bool = False):
    self.n, self.k, self.quiet = n, 0, quiet
    self.t0 = time.perf_counter()

  def __call__(self, msg: str) -> None:
    self.k += 1
    if not self.quiet:
      dt = time.perf_counter() - self.t0
      print(f"[{self.k}/{self.n}] {msg} ({dt:.1f} s)", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
  ap = argparse.ArgumentParser(
    prog="python -m jaxid.cli",
    description="Inverse dynamics of OpenSim trials with jaxid.",
    epilog=EXAMPLES,
    formatter_class=argparse.RawDescriptionHelpFormatter,
  )
  sub = ap.add_subparsers(dest="command", required=True)

  run = sub.add_parser(
    "run",
    help="inverse dynamics of an IK .mot and a GRF .mot; results to an OpenSim .sto",
    epilog=EXAMPLES,
    formatter_class=argparse.RawDescriptionHelpFormatter,
  )
  run.add_argument(
    "--model",
    default="gait_lowerbody",
    help="bundled model name or MJCF path (default gait_lowerbody)",
  )
  run.add_argument("--coordinates", required=True, help="coordinates .mot (OpenSim IK output)")
  run.add_argument(
    "--grf",
    help="ground reaction forces .mot (default: the ExternalLoads"
    " datafile; none: no external loads)",
  )
  run.add_argument(
    "--external-loads",
    help="OpenSim ExternalLoads .xml naming the GRF columns"
    " (default: r_/l_ prefixed columns, r_ground_force_vx ...)",
  )
  run.add_argument("--out", required=True, help="results .sto (OpenSim ID column names)")
  run.add_argument("--plot", help="also write a PNG of the joint moments and residuals")
  run.add_argument(
    "--cutoff",
    type=float,
    default=6.0,
    help="low-pass cutoff for the coordinates in Hz, -1 for none (default 6)",
  )
  run.add_argument(
    "--resample-grf",
    action="store_true",
    help="interpolate the GRF onto the coordinates' times when they differ",
  )
  run.add_argument(
    "--in-degrees", choices=("yes", "no"), help="override the coordinates file's inDegrees header"
  )
  run.add_argument(
    "--ignore-unknown",
    action="store_true",
    help="skip coordinate columns the model does not have (listed on stderr)",
  )
  run.add_argument("--mass", type=float, help="body mass in kg for the plot (default: model's)")
  run.add_argument("--x64", action="store_true", help="compute in float64")
  run.add_argument("--quiet", action="store_true", help="no progress lines")
  run.add_argument(
    "--trim",
    action="store_true",
    help="keep only the coordinates' frames inside the GRF's time range (noted on stderr)",
  )
  run.add_argument("--force", action="store_true", help=FORCE_HELP)
  run.add_argument(
    "--dry-run",
    action="store_true",
    help="check the arguments and files and print what would be computed; write nothing",
  )

  sample = sub.add_parser("sample", help="write jaxid's sample trial as OpenSim files")
  sample.add_argument("--out-dir", required=True)
  sample.add_argument("--frames", type=int, default=200)
  sample.add_argument("--seed", type=int, default=0)
  sample.add_argument("--dt", type=float, default=0.01)
  sample.add_argument("--force", action="store_true", help=FORCE_HELP)

  demo = sub.add_parser("demo", help="sample trial -> files -> run: writes id.sto and id.png")
  demo.add_argument("--out-dir", default="jaxid_demo")
  demo.add_argument("--frames", type=int, default=200)
  demo.add_argument("--no-plot", action="store_true")
  demo.add_argument("--force", action="store_true", help=FORCE_HELP)
  check = sub.add_parser(
    "check",
    help="run the parity harness (jaxid_parity.suite, jaxid[parity]) against a candidate",
    description="Runs the parity suite (pytest --pyargs jaxid_parity.suite --candidate SPEC) in"
    " this process; the harness prints its summary table. Arguments after -- go to pytest.",
  )
  check.add_argument(
    "--candidate",
    required=True,
    metavar="package.module:function",
    help="a function (mj_model, kinematics, loads, body_names) -> dict of contract outputs",
  )
  check.add_argument(
    "--profile", default="ci", help="Hypothesis profile: ci, dev or thorough (default ci)"
  )
  check.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
  return ap


def _cmd_check(args) -> int:
  """The parity suite (jaxid_parity.suite, in this process) on --candidate; pytest's exit code."""
  try:
    from jaxid_parity import adapters, runner
  except ImportError as e:
    raise InputError(f'check needs the harness: pip install "jaxid[parity]" ({e}).') from None
  try:
    adapters.load(args.candidate)
  except (ImportError, AttributeError, ValueError) as e:
    raise InputError(f"--candidate {args.candidate!r}: {e} (is it importable here?)") from None
  return runner.run_suite(args.candidate, profile=args.profile, extra=args.pytest_args)


def _cmd_sample(args) -> int:
  from jaxid.io import checks
  from jaxid.io import trial as trial_io

  paths = trial_io.sample_paths(args.out_dir)
  checks.check_out_dir(args.out_dir, paths.values(), args.force)
  paths = trial_io.write_sample(args.out_dir, n_frames=args.frames, seed=args.seed, dt=args.dt)
  for k in ("coordinates", "grf", "external_loads"):
    print(f"wrote {paths[k]}")
  return 0


def run(args: argparse.Namespace) -> dict:
  """The run command; returns {"table": results Table, "outputs": jaxid outputs, ...}. Writes
  nothing until every check has passed, then each output atomically."""
  import jax

  if args.x64:  # before jaxid is imported
    jax.config.update("jax_enable_x64", True)
  import jaxid
  from jaxid.io import checks

  checks.check_run_args(args)
  from jaxid.io import files, report, storage
  from jaxid.io import trial as trial_io

  progress = _Progress(4 if args.plot else 3, args.quiet)
  model = jaxid.load_model(args.model)
  in_deg = None if args.in_degrees is None else args.in_degrees == "yes"
  trial, info = trial_io.read_trial(
    model,
    args.coordinates,
    args.grf,
    args.external_loads,
    args.cutoff,
    args.resample_grf,
    in_deg,
    args.ignore_unknown,
    dtype=np.float64 if args.x64 else np.float32,
    trim=args.trim,
  )
  checks.check_cutoff(info.cutoff, info.time)
  files.check_outputs(
    [("--out", args.out), ("--plot", args.plot)],
    [("the GRF file", info.grf_path)],
    force=True,  # existence was checked above
  )
  if info.ignored:
    print(f"jaxid: ignoring columns the model lacks: {info.ignored}", file=sys.stderr)
  if any(info.trimmed):
    a, b = info.trimmed
    print(
      f"jaxid: note: --trim kept the {trial.n_frames} frames {info.time[0]:g}..{info.time[-1]:g} s"
      f" of {args.coordinates} inside the GRF's time range (dropped {a} at the start, {b} at the"
      " end).",
      file=sys.stderr,
    )
  mass = args.mass or float(np.sum(model.mj_model.body_mass))
  if args.dry_run:
    plan = report.plan(
      model,
      trial,
      info,
      mass,
      mass_given=args.mass is not None,
      dtype="float64" if args.x64 else "float32",
      outputs=[p for p in (args.out, args.plot) if p],
      coordinates=args.coordinates,
    )
    print(plan)
    return {"trial": trial, "info": info, "plan": plan}
  filt = f"low-pass {info.cutoff:g} Hz" if info.cutoff else "no filter"
  grf = (
    f"GRF {os.path.basename(info.grf_path)}" + (" (resampled)" if info.resampled else "")
    if info.grf_path
    else "no GRF"
  )
  progress(
    f"read {trial.n_frames} frames at {1 / info.dt:.4g} Hz, {len(info.cmap.names)}"
    f" coordinates ({filt}), {grf}; model {model.name}"
  )
  outputs = jaxid.TORQUES
  out = jaxid.inverse_dynamics(model, trial, outputs=outputs)
  out = {k: np.asarray(v) for k, v in jax.block_until_ready(out).items()}
  progress("inverse dynamics (compiles once per model and trial length)")
  table = trial_io.results_table(info.cmap, info.time, trial.kinematics.qpos, out["joint_torques"])
  with contextlib.ExitStack() as stack:  # both outputs renamed into place only if both succeed
    sto = stack.enter_context(files.atomic_path(args.out))
    storage.write_table(sto, table)
    if args.plot:
      from jaxid.io import plot

      png = stack.enter_context(files.atomic_path(args.plot))
      plot.plot_results(
        png,
        table,
        mass,
        plot.stance_mask(trial.loads.grf_l),
        plot.stance_mask(trial.loads.grf_r),
        f"{os.path.basename(args.coordinates)}: {model.name}, {mass:.1f} kg, {filt}",
        fmt=plot.check_plot(args.plot, mass),
      )
  progress(f"wrote {args.out} ({len(table.labels)} generalized forces)")
  if args.plot:
    progress(f"wrote {args.plot}")
  summary = report.summary(table, mass, out)
  if not args.quiet:
    print(summary)
  return {"table": table, "outputs": out, "trial": trial, "info": info, "summary": summary}


def _cmd_demo(args) -> int:
  from jaxid.io import checks
  from jaxid.io import trial as trial_io

  outputs = ("id.sto",) if args.no_plot else ("id.sto", "id.png")
  names = [*trial_io.sample_paths(args.out_dir).values()]
  checks.check_out_dir(
    args.out_dir, names + [os.path.join(args.out_dir, n) for n in outputs], args.force
  )
  paths = trial_io.write_sample(args.out_dir, n_frames=args.frames)
  for k in ("coordinates", "grf", "external_loads"):
    print(f"wrote {paths[k]}")
  argv = [
    "run",
    "--coordinates",
    paths["coordinates"],
    "--grf",
    paths["grf"],
    "--external-loads",
    paths["external_loads"],
    "--out",
    os.path.join(args.out_dir, "id.sto"),
    "--cutoff",
    "-1",  # the sample is noise-free; real IK output: keep the default 6 Hz
  ]
  if not args.no_plot:
    argv += ["--plot", os.path.join(args.out_dir, "id.png")]
  if args.force:
    argv += ["--force"]
  print("python -m jaxid.cli " + " ".join(argv))
  print("(no low-pass filter: the sample trial is noise-free; for IK output keep --cutoff 6)")
  return main(argv)


def main(argv: list[str] | None = None) -> int:
  """The jaxid command: parse argv, run the command; 2 and one line on stderr for bad input."""
  args = _parser().parse_args(argv)
  try:
    with warnings.catch_warnings():
      warnings.simplefilter("default")
      if args.command == "sample":
        return _cmd_sample(args)
      if args.command == "demo":
        return _cmd_demo(args)
      if args.command == "check":
        return _cmd_check(args)
      run(args)
      return 0
  except InputError as e:
    print(f"jaxid: error: {e}", file=sys.stderr)
    return 2
  except OSError as e:
    print(f"jaxid: error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
    return 2


if __name__ == "__main__":
  sys.exit(main())

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
RUN_INPUTS = ("--coordinates", "--grf", "--external-loads")


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
  run.add_argument("--force", action="store_true", help=FORCE_HELP)

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
  from jaxid.io import trial as trial_io

  paths = trial_io.sample_paths(args.out_dir)
  _check_out_dir(args.out_dir, paths.values(), args.force)
  paths = trial_io.write_sample(args.out_dir, n_frames=args.frames, seed=args.seed, dt=args.dt)
  for k in ("coordinates", "grf", "external_loads"):
    print(f"wrote {paths[k]}")
  return 0


def _check_out_dir(out_dir: str, paths, force: bool) -> None:
  """InputError when out_dir is not a directory or one of paths in it exists (without force)."""
  from jaxid.io import files

  if os.path.exists(out_dir) and not os.path.isdir(out_dir):
    raise InputError(f"--out-dir {out_dir}: exists and is not a directory.")
  if os.path.isdir(out_dir):
    files.check_outputs([("--out-dir", p) for p in paths], [], force)


def _check_run_args(args) -> None:
  """Every check on run's arguments that needs no file read: --mass, --cutoff, --plot, and the
  output paths (not an input, not existing unless --force, in an existing folder)."""
  if args.mass is not None and not (np.isfinite(args.mass) and args.mass > 0):
    raise InputError(f"--mass: expected a positive body mass in kg, got {args.mass:g}.")
  if not (np.isfinite(args.cutoff) and (args.cutoff > 0 or args.cutoff == -1)):
    raise InputError(
      f"--cutoff: expected a frequency in Hz > 0, or -1 for none; got {args.cutoff:g}."
    )
  from jaxid.io import files

  inputs = [(k, getattr(args, k[2:].replace("-", "_"))) for k in RUN_INPUTS]
  if os.path.isfile(args.model):
    inputs.append(("--model", args.model))
  files.check_outputs([("--out", args.out), ("--plot", args.plot)], inputs, args.force)
  if args.plot:
    from jaxid.io import plot

    plot.check_plot(args.plot, 1.0 if args.mass is None else args.mass)


def _check_cutoff(cutoff: float | None, time) -> None:
  """InputError when a cutoff (Hz) is below one cycle over the trial's duration."""
  duration = float(time[-1] - time[0])
  if cutoff and cutoff * duration < 1.0:
    raise InputError(
      f"--cutoff: {cutoff:g} Hz is below one cycle over the trial ({duration:g} s, so at least"
      f" {1 / duration:.3g} Hz); the filter would flatten the motion (-1 for no filter)."
    )


def run(args) -> dict:
  """The run command; returns {"table": results Table, "outputs": jaxid outputs, ...}. Writes
  nothing until every check has passed, then each output atomically."""
  import jax

  _check_run_args(args)
  if args.x64:
    jax.config.update("jax_enable_x64", True)
  import jaxid
  from jaxid.io import files, storage
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
  )
  _check_cutoff(info.cutoff, info.time)
  files.check_outputs(
    [("--out", args.out), ("--plot", args.plot)],
    [("the GRF file", info.grf_path)],
    force=True,  # existence was checked above
  )
  if info.ignored:
    print(f"jaxid: ignoring columns the model lacks: {info.ignored}", file=sys.stderr)
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
  mass = args.mass or float(np.sum(model.mj_model.body_mass))
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
  summary = _summary(table, mass, out)
  if not args.quiet:
    print(summary)
  return {"table": table, "outputs": out, "trial": trial, "info": info, "summary": summary}


def _summary(table, mass, out) -> str:
  lines = [f"{'column':<26}{'peak |value|':>14}{'per kg':>10}"]
  for k, lab in enumerate(table.labels):
    peak = float(np.abs(table.data[:, k]).max())
    lines.append(f"{lab:<26}{peak:>14.2f}{peak / mass:>10.3f}")
  if "residuals" in out:
    r = np.asarray(out["residuals"])
    f, m = np.linalg.norm(r[:, :3], axis=1), np.linalg.norm(r[:, 3:], axis=1)
    lines.append(
      f"residuals (root): |F| max {f.max():.3g} N ({f.max() / (mass * 9.81):.1%} of"
      f" body weight), rms {np.sqrt(np.mean(f**2)):.3g} N; |M| max {m.max():.3g} N m,"
      f" rms {np.sqrt(np.mean(m**2)):.3g} N m"
    )
  return "\n".join(lines)


def _cmd_demo(args) -> int:
  from jaxid.io import trial as trial_io

  outputs = ("id.sto",) if args.no_plot else ("id.sto", "id.png")
  names = [*trial_io.sample_paths(args.out_dir).values()]
  _check_out_dir(args.out_dir, names + [os.path.join(args.out_dir, n) for n in outputs], args.force)
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


def main(argv=None) -> int:
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

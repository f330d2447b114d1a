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

from jaxid import cli_args
from jaxid.errors import InputError


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


def _cmd_convert(args) -> int:
  """An .osim model -> its MJCF twin at --out, checked before anything is written."""
  from jaxid.io import files
  from jaxid.models import osim

  if not args.model.lower().endswith(".osim"):
    raise InputError(f"model {args.model}: expected an OpenSim model file ending in .osim.")
  files.check_outputs([("--out", args.out)], [("the model", args.model)], args.force)
  conversion = osim.convert(args.model)
  osim.write_mjcf(conversion, args.out, force=True)  # existence was checked above
  cmap = conversion.coordinate_map
  print(f"wrote {args.out}: {len(conversion.bodies)} bodies, {len(cmap.coords)} coordinates")
  return 0


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
  from jaxid import cli_osim

  if cli_osim.is_osim(args.model):  # an OpenSim model: OpenSim's ID tool's processing and columns
    return cli_osim.run(args, _Progress(3, args.quiet))
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
  out = jaxid.inverse_dynamics(model, trial, outputs=outputs, backend=args.backend)
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
  args = cli_args.parser().parse_args(argv)
  try:
    with warnings.catch_warnings():
      warnings.simplefilter("default")
      if args.command == "sample":
        return _cmd_sample(args)
      if args.command == "demo":
        return _cmd_demo(args)
      if args.command == "check":
        return _cmd_check(args)
      if args.command == "convert":
        return _cmd_convert(args)
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

"""The command line's checks, run before anything is read or written: output paths (never an
input, never an existing file without --force), --mass, --cutoff and --plot."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable

import numpy as np

from jaxid.errors import InputError
from jaxid.io import files

RUN_INPUTS = ("--coordinates", "--grf", "--external-loads")


def check_out_dir(out_dir: str, paths: Iterable[str], force: bool) -> None:
  """InputError when out_dir is not a directory or one of paths in it exists (without force)."""
  if os.path.exists(out_dir) and not os.path.isdir(out_dir):
    raise InputError(f"--out-dir {out_dir}: exists and is not a directory.")
  if os.path.isdir(out_dir):
    files.check_outputs([("--out-dir", p) for p in paths], [], force)


def check_run_args(args: argparse.Namespace) -> None:
  """Every check on run's arguments that needs no file read: --mass, --cutoff, --plot, and the
  output paths (not an input, not existing unless --force, in an existing folder)."""
  if args.mass is not None and not (np.isfinite(args.mass) and args.mass > 0):
    raise InputError(f"--mass: expected a positive body mass in kg, got {args.mass:g}.")
  if not (np.isfinite(args.cutoff) and (args.cutoff > 0 or args.cutoff == -1)):
    raise InputError(
      f"--cutoff: expected a frequency in Hz > 0, or -1 for none; got {args.cutoff:g}."
    )
  inputs = [(k, getattr(args, k[2:].replace("-", "_"))) for k in RUN_INPUTS]
  if os.path.isfile(args.model):
    inputs.append(("--model", args.model))
  files.check_outputs([("--out", args.out), ("--plot", args.plot)], inputs, args.force)
  if args.plot:
    from jaxid.io import plot

    plot.check_plot(args.plot, 1.0 if args.mass is None else args.mass)


def check_cutoff(cutoff: float | None, time: np.ndarray) -> None:
  """InputError when a cutoff (Hz) is below one cycle over the trial's duration."""
  duration = float(time[-1] - time[0])
  if cutoff and cutoff * duration < 1.0:
    raise InputError(
      f"--cutoff: {cutoff:g} Hz is below one cycle over the trial ({duration:g} s, so at least"
      f" {1 / duration:.3g} Hz); the filter would flatten the motion (-1 for no filter)."
    )

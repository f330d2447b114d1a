"""jaxid run --model subject.osim: inverse dynamics on an OpenSim model's exact twin, as
OpenSim's InverseDynamicsTool computes it (jaxid.io.osim_trial), its .sto columns and order."""

from __future__ import annotations

import os
import sys

import numpy as np

from jaxid.errors import InputError


def is_osim(model: str) -> bool:
  """Whether --model names an OpenSim model file."""
  return os.fspath(model).lower().endswith(".osim")


def _refuse(args) -> None:
  if args.plot:
    raise InputError(
      f"--plot {args.plot}: not available with an .osim model (the figure's panels are named for"
      " the bundled model's coordinates); plot the .sto instead."
    )


def _plan(model, trial, info, args) -> str:
  """What --dry-run prints for an .osim model."""
  t, cmap = info.time, info.cmap
  filt = f"low-pass {info.cutoff:g} Hz (OpenSim's IIR)" if info.cutoff else "no filter"
  loaded = np.flatnonzero(np.abs(np.asarray(trial.loads.ext_forces)).sum(axis=(0, 2)))
  feet = [b for b, s in zip(model.body_names, "lr") if np.any(getattr(trial.loads, f"grf_{s}"))]
  bodies = feet + [model.mj_model.body(b).name for b in loaded]
  return "\n".join(
    [
      f"model: {args.model} (OpenSim, {len(cmap.coords)} coordinates, nv {model.mj_model.nv})",
      f"coordinates: {args.coordinates}, {trial.n_frames} frames at {1 / info.dt:.4g} Hz"
      f" ({t[0]:g}..{t[-1]:g} s), {filt}, quintic spline derivatives",
      f"GRF: {info.grf_path or 'none'}; loaded bodies: {', '.join(bodies) or 'none'}",
      f"compute: {'float64' if args.x64 else 'float32'}, {len(cmap.columns)} columns",
      f"would write: {args.out}",
    ]
  )


def run(args, progress) -> dict:
  """The run command for an .osim --model (checks already run by jaxid.cli.run); progress: a
  callable taking one stage line. Writes --out atomically once everything has passed."""
  import jax

  import jaxid
  from jaxid.io import files, osim_trial, report, storage

  _refuse(args)
  if args.external_loads is None and args.grf is not None:
    raise InputError(
      f"--grf {args.grf}: an .osim model needs --external-loads to say which body each force"
      " acts on (its applied_to_body)."
    )
  model = osim_trial.load_osim_model(args.model, args.external_loads)
  trial, info = osim_trial.read_osim_trial(
    model,
    args.coordinates,
    args.grf,
    args.external_loads,
    args.cutoff,
    args.resample_grf,
    None if args.in_degrees is None else args.in_degrees == "yes",
    args.ignore_unknown,
    dtype=np.float64 if args.x64 else np.float32,
    trim=args.trim,
  )
  from jaxid.io import checks

  checks.check_cutoff(info.cutoff, info.time)
  files.check_outputs([("--out", args.out)], [("the GRF file", info.grf_path)], force=True)
  if info.ignored:
    print(f"jaxid: ignoring columns the model lacks: {info.ignored}", file=sys.stderr)
  if args.dry_run:
    plan = _plan(model, trial, info, args)
    print(plan)
    return {"trial": trial, "info": info, "plan": plan}
  filt = f"low-pass {info.cutoff:g} Hz" if info.cutoff else "no filter"
  progress(
    f"read {trial.n_frames} frames at {1 / info.dt:.4g} Hz, {len(info.cmap.coords)} OpenSim"
    f" coordinates ({filt}, spline derivatives); model {model.name}"
  )
  out = jaxid.inverse_dynamics(model, trial, outputs=("joint_torques",), backend=args.backend)
  out = {k: np.asarray(v) for k, v in jax.block_until_ready(out).items()}
  progress("inverse dynamics (compiles once per model and trial length)")
  table = osim_trial.osim_results_table(info, out["joint_torques"])
  with files.atomic_path(args.out) as sto:
    storage.write_table(sto, table)
  progress(f"wrote {args.out} ({len(table.labels)} generalized forces)")
  mass = args.mass or float(np.sum(model.mj_model.body_mass))
  summary = report.summary(table, mass, out)
  if not args.quiet:
    print(summary)
  return {"table": table, "outputs": out, "trial": trial, "info": info, "summary": summary}

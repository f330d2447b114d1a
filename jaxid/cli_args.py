"""The arguments of jaxid's commands (jaxid/cli.py runs them)."""

from __future__ import annotations

import argparse

EXAMPLES = """examples:
  python -m jaxid.cli sample --out-dir trial
  python -m jaxid.cli run --coordinates trial/ik.mot --grf trial/grf.mot \\
      --external-loads trial/loads.xml --out trial/id.sto --plot trial/id.png
  python -m jaxid.cli run --model my_model.xml --coordinates ik.mot --grf grf_1000Hz.mot \\
      --external-loads loads.xml --resample-grf --cutoff 6 --out id.sto
  python -m jaxid.cli demo --out-dir demo
  python -m jaxid.cli run --model subject.osim --coordinates ik.mot --external-loads grf.xml \\
      --cutoff 6 --x64 --out id.sto
  python -m jaxid.cli convert subject.osim -o subject.xml
  python -m jaxid.cli check --candidate jaxid_parity.adapters:jaxid_candidate
"""


FORCE_HELP = "replace output files that exist (otherwise an error)"


def parser() -> argparse.ArgumentParser:
  """The argument parser of every command."""
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
    help="bundled model name, MJCF path, or OpenSim .osim (run as OpenSim's ID tool does:"
    " its filter, spline derivatives and columns; needs --external-loads for a GRF)"
    " (default gait_lowerbody)",
  )
  run.add_argument("--coordinates", required=True, help="coordinates .mot (OpenSim IK output)")
  run.add_argument(
    "--grf",
    help="ground reaction forces .mot (default: the ExternalLoads"
    " datafile; with neither --grf nor --external-loads: no external loads)",
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
  run.add_argument(
    "--backend",
    choices=("auto", "tree", "mjx"),
    default="auto",
    help="tree: jaxid's RNEA generated for the model; mjx: MJX's pipeline; auto (default): tree"
    " when the model is supported, else mjx with a warning",
  )
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
  convert = sub.add_parser(
    "convert",
    help="write the exact MJCF twin of an OpenSim .osim model (needs jaxid[opensim])",
  )
  convert.add_argument("model", help="the OpenSim model, .osim")
  convert.add_argument("-o", "--out", required=True, help="the MJCF file to write, .xml")
  convert.add_argument("--force", action="store_true", help=FORCE_HELP)
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

"""Sessions: tests (CI), parity, bench, lint, demo, checklist, mutants, docs.

Every session except lint runs in one shared environment, .venv, installed once from
pyproject.toml's extras under constraints.txt (the exact versions the suite is tested with) and
reinstalled only when either file changes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["tests", "lint"]

ROOT = Path(__file__).parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
EXTRAS = "test,bench,ml,lint,docs,plot,myo"


def _env(session: nox.Session) -> dict[str, str]:
  """Create or refresh .venv; return the environment to run its tools in."""
  stamp = VENV / ".jaxid-stamp"
  digest = hashlib.sha256(
    b"".join((ROOT / f).read_bytes() for f in ("pyproject.toml", "constraints.txt"))
  ).hexdigest()
  if not stamp.exists() or stamp.read_text() != digest:
    session.run("python3", "-m", "venv", str(VENV), external=True)
    session.run(
      str(BIN / "python"),
      "-m",
      "pip",
      "install",
      "-q",
      "-c",
      "constraints.txt",
      "-e",
      f".[{EXTRAS}]",
      external=True,
    )
    stamp.write_text(digest)
  cache = ROOT / ".cache" / "jax"
  return {
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    "VIRTUAL_ENV": str(VENV),
    "JAX_COMPILATION_CACHE_DIR": str(cache),
    "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
  }


def _pytest(session: nox.Session, *args: str, profile: str = "ci") -> None:
  env = _env(session) | {"HYPOTHESIS_PROFILE": profile}
  session.run(str(BIN / "python"), "-m", "pytest", *args, *session.posargs, env=env, external=True)


@nox.session
def tests(session: nox.Session) -> None:
  """The fast suite (CI): unit tests and parity with the ci Hypothesis profile."""
  _pytest(session, "tests", "parity_tests")


@nox.session(default=False)
def parity(session: nox.Session) -> None:
  """Parity harness with the thorough Hypothesis profile (--candidate pkg.mod:fn to check one)."""
  _pytest(session, "parity_tests", profile="thorough")


@nox.session(default=False)
def demo(session: nox.Session) -> None:
  """Main job: the parity harness on the bundled model and sample trial, checklist summary."""
  session.run(
    str(BIN / "python"), "-m", "jaxid", *session.posargs, env=_env(session), external=True
  )


@nox.session(default=False)
def bench(session: nox.Session) -> None:
  """Benchmarks and the report (pass --ci for the short run CI prints)."""
  env = _env(session)
  session.run(str(BIN / "python"), "-m", "benchmarks.run", *session.posargs, env=env, external=True)


@nox.session
def lint(session: nox.Session) -> None:
  """ruff check and format check."""
  env = _env(session)
  session.run(str(BIN / "ruff"), "check", ".", env=env, external=True)
  session.run(str(BIN / "ruff"), "format", "--check", ".", env=env, external=True)


@nox.session(default=False)
def docs(session: nox.Session) -> None:
  """Build the docs with mkdocs --strict (warnings are errors); their code runs in tests."""
  env = _env(session)
  session.run(str(BIN / "python"), "-m", "mkdocs", "build", "--strict", env=env, external=True)


@nox.session(default=False)
def parity_myo(session: nox.Session) -> None:
  """MyoLeg (myo-sim): pruning, sensor_acc, then the parity harness and its mutants on MyoLeg."""
  env = _env(session) | {"HYPOTHESIS_PROFILE": "ci"}
  py = str(BIN / "python")
  session.run(py, "-m", "pip", "install", "-q", "myo-sim==0.2.3", external=True)
  session.run(
    py,
    "-m",
    "pytest",
    "tests/test_myo.py",
    "-m",
    "slow or not slow",
    *session.posargs,
    env=env,
    external=True,
  )
  session.run(
    py,
    "-m",
    "pytest",
    "parity_tests",
    "--model",
    "myolegs",
    *session.posargs,
    env=env,
    external=True,
  )
  session.run(
    py, "-m", "parity_tests.run_mutants", "--", "--model", "myolegs", env=env, external=True
  )


@nox.session(default=False)
def opensim(session: nox.Session) -> None:
  """Cross-check .mot/.sto files and joint moments against OpenSim's own tools (opensim 4.6)."""
  env = _env(session)
  session.run(str(BIN / "python"), "-m", "pip", "install", "-q", "opensim==4.6", external=True)
  session.run(
    str(BIN / "python"),
    "-m",
    "pytest",
    "tests/test_io.py",
    "-k",
    "opensim",
    "-rs",
    *session.posargs,
    env=env,
    external=True,
  )


@nox.session(default=False)
def checklist(session: nox.Session) -> None:
  """The guide's checklist on legacy and candidate; writes docs/checklist.md from the outcomes."""
  env = _env(session) | {"HYPOTHESIS_PROFILE": "ci"}
  xml = ROOT / ".cache" / "checklist.xml"
  xml.parent.mkdir(parents=True, exist_ok=True)
  session.run(
    str(BIN / "python"),
    "-m",
    "pytest",
    "parity_tests/test_checklist.py",
    "-p",
    "no:cacheprovider",
    f"--junitxml={xml}",
    "-o",
    "junit_family=xunit1",
    *session.posargs,
    env=env,
    external=True,
    success_codes=[0, 1],
  )
  candidate = [a.split("=", 1)[1] for a in session.posargs if a.startswith("--candidate=")]
  if "--candidate" in session.posargs:
    candidate = [session.posargs[session.posargs.index("--candidate") + 1]]
  session.run(
    str(BIN / "python"),
    "-m",
    "parity_tests.checklist_report",
    str(xml),
    "docs/checklist.md",
    *(["--candidate", candidate[0]] if candidate else []),
    env=env,
    external=True,
  )


@nox.session(default=False)
def mutants(session: nox.Session) -> None:
  """The parity suite against each deliberately wrong candidate: all must be killed."""
  env = _env(session) | {"HYPOTHESIS_PROFILE": "ci"}
  session.run(
    str(BIN / "python"), "-m", "parity_tests.run_mutants", *session.posargs, env=env, external=True
  )

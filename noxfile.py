"""Sessions: tests and lint (the default), docs, wheel, parity, bench, demo, checklist, mutants,
parity_myo, myo_f64, tree_checklist, opensim.

Every session except wheel runs in one shared environment, .venv: the editable package with its
user extras (EXTRAS) and the dependency group dev (GROUP: test, bench, lint, docs, build tools),
installed under constraints.txt (the exact versions the suite is tested with) and reinstalled only
when pyproject.toml, setup.py or constraints.txt changes. wheel installs the built wheel into a
fresh venv outside the source tree.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "none"
nox.options.sessions = ["tests", "lint"]

ROOT = Path(__file__).parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
EXTRAS = "plot,myo,ml,parity,opensim"  # opensim: the outside checks run in every tests session
GROUP = "dev"
CONSTRAINTS = str(ROOT / "constraints.txt")
JAX_CACHE = {
  "JAX_COMPILATION_CACHE_DIR": str(ROOT / ".cache" / "jax"),
  "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
  "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "-1",
}


def _pip(session: nox.Session, python: str, *args: str) -> None:
  """pip install, quiet, under constraints.txt."""
  session.run(python, "-m", "pip", "install", "-q", "-c", CONSTRAINTS, *args, external=True)


def _venv(session: nox.Session, path: Path) -> str:
  """Create a venv at path with the constrained pip (>= 25.1 reads dependency groups)."""
  session.run("python3", "-m", "venv", str(path), external=True)
  python = str(path / "bin" / "python")
  _pip(session, python, "-U", "pip")
  return python


def _env(session: nox.Session) -> dict[str, str]:
  """Create or refresh .venv; return the environment to run its tools in."""
  stamp = VENV / ".jaxid-stamp"
  files = ("pyproject.toml", "setup.py", "constraints.txt")
  inputs = b"".join((ROOT / f).read_bytes() for f in files) + f"{EXTRAS} {GROUP}".encode()
  digest = hashlib.sha256(inputs).hexdigest()
  if not stamp.exists() or stamp.read_text() != digest:
    python = _venv(session, VENV)
    _pip(session, python, "-e", f".[{EXTRAS}]", "--group", GROUP)
    stamp.write_text(digest)
  return JAX_CACHE | {
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    "VIRTUAL_ENV": str(VENV),
  }


def _py(session: nox.Session, *args: str, env: dict[str, str] | None = None, **kw) -> None:
  """Run .venv's python with args (and the session's posargs where the caller passes them)."""
  session.run(str(BIN / "python"), *args, env=env or _env(session), external=True, **kw)


def _pytest(session: nox.Session, *args: str, profile: str = "ci") -> None:
  env = _env(session) | {"HYPOTHESIS_PROFILE": profile}
  _py(session, "-m", "pytest", *args, *session.posargs, env=env)


@nox.session
def tests(session: nox.Session) -> None:
  """The fast suite (CI): pyproject's testpaths with the ci Hypothesis profile.

  Its outcomes go to .cache/tests.xml (JUnit, xunit1: the checklist tests' properties), which
  `nox -s checklist -- --from-xml .cache/tests.xml` can turn into docs/checklist.md."""
  xml = ROOT / ".cache" / "tests.xml"
  xml.parent.mkdir(parents=True, exist_ok=True)
  # -n: one worker per core (at most 4: each holds its own compiled programs, ~2-4 GiB); XLA
  # compiles single-threaded, so two workers halve a cold run on two cores. --dist loadfile keeps
  # a module on one worker, so its module-scoped fixtures and programs compile once. Workers
  # share the persistent cache: an entry read while another worker writes it fails to
  # deserialize, which JAX reports as a warning and recompiles (jax/_src/compiler.py).
  workers = ("-n", "auto", "--maxprocesses", "4", "--dist", "loadfile")
  _pytest(session, *workers, f"--junitxml={xml}", "-o", "junit_family=xunit1")


@nox.session
def lint(session: nox.Session) -> None:
  """ruff check and ruff format --check."""
  env = _env(session)
  session.run(str(BIN / "ruff"), "check", ".", env=env, external=True)
  session.run(str(BIN / "ruff"), "format", "--check", ".", env=env, external=True)


@nox.session(default=False)
def docs(session: nox.Session) -> None:
  """mkdocs build --strict: warnings (a broken link, a missing docstring object) are errors."""
  _py(session, "-m", "mkdocs", "build", "--strict")


@nox.session(default=False)
def wheel(session: nox.Session) -> None:
  """Build sdist and wheel; install the wheel into a fresh venv; run jaxid there, outside the tree."""
  dist = ROOT / ".cache" / "dist"
  session.run("rm", "-rf", str(dist), external=True)
  _py(session, "-m", "build", "--outdir", str(dist), str(ROOT))
  (whl,) = dist.glob("jaxid-*.whl")
  with tempfile.TemporaryDirectory(prefix="jaxid-wheel-") as tmp:
    python = _venv(session, Path(tmp) / "venv")
    _pip(session, python, f"{whl}[plot]")
    env = JAX_CACHE | {"PATH": f"{Path(tmp) / 'venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    session.chdir(tmp)
    out = session.run(python, "-c", "import jaxid", env=env, external=True, silent=True)
    if out:
      session.error(f"`import jaxid` printed:\n{out}")
    jaxid = str(Path(tmp) / "venv" / "bin" / "jaxid")
    session.run(jaxid, "demo", "--out-dir", "demo", env=env, external=True)
    session.run(
      *(jaxid, "run", "--coordinates", "demo/ik.mot", "--grf", "demo/grf.mot"),
      *("--external-loads", "demo/loads.xml", "--cutoff", "-1"),
      *("--out", "demo/id2.sto", "--plot", "demo/id2.png"),
      env=env,
      external=True,
    )
    session.chdir(ROOT)


@nox.session(default=False)
def parity(session: nox.Session) -> None:
  """Parity harness with the thorough Hypothesis profile (--candidate pkg.mod:fn to check one)."""
  _pytest(session, "parity_tests", profile="thorough")


@nox.session(default=False)
def demo(session: nox.Session) -> None:
  """Main job: the parity harness on the bundled model and sample trial, checklist summary."""
  _py(session, "-m", "jaxid", *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
  """Benchmarks and the report (pass --ci for the short run CI prints)."""
  _py(session, "-m", "benchmarks.run", *session.posargs)


@nox.session(default=False)
def parity_myo(session: nox.Session) -> None:
  """MyoLeg (myo-sim): pruning, sensor_acc, then the parity harness and its mutants on MyoLeg."""
  env = _env(session) | {"HYPOTHESIS_PROFILE": "ci"}
  _py(
    session,
    "-m",
    "pytest",
    "tests/test_myo.py",
    "tests/test_prune.py",
    "-m",
    "slow or not slow",
    *session.posargs,
    env=env,
  )
  _py(session, "-m", "pytest", "parity_tests", "--model", "myolegs", *session.posargs, env=env)
  _py(session, "-m", "jaxid_parity.run_mutants", "--", "--model", "myolegs", env=env)


@nox.session(default=False)
def myo_f64(session: nox.Session) -> None:
  """MyoLeg's float64 parity subset (oracle, every path, coupled knee moments): CI's MyoLeg check."""
  env = _env(session) | {"HYPOTHESIS_PROFILE": "ci"}
  files = ("test_parity_oracle.py", "test_parity_paths.py", "test_parity_coupled.py")
  _py(
    session,
    *("-m", "pytest", *(f"parity_tests/{f}" for f in files), "--model", "myolegs", "-k", "f64"),
    *session.posargs,
    env=env,
  )


def _checklist_files() -> list[str]:
  """The checklist's test modules (parity_tests/test_checklist*.py)."""
  return sorted(
    str(f.relative_to(ROOT)) for f in (ROOT / "parity_tests").glob("test_checklist*.py")
  )


@nox.session(default=False)
def tree_checklist(session: nox.Session) -> None:
  """The guide's checklist (items 1-8, the ML tests) with the tree backend as the candidate."""
  env = _env(session) | {"HYPOTHESIS_PROFILE": "ci"}
  files = _checklist_files()
  _py(
    session,
    *("-m", "pytest", *files, "-p", "no:cacheprovider"),
    *("--candidate", "jaxid_parity.adapters:jaxid_tree_candidate", *session.posargs),
    env=env,
  )


@nox.session(default=False)
def opensim(session: nox.Session) -> None:
  """Only the checks against OpenSim's own tools (opensim 4.6, in EXTRAS; tests runs them too)."""
  env = _env(session)
  files = sorted(str(f.relative_to(ROOT)) for f in (ROOT / "tests").glob("test_*opensim*.py"))
  files += sorted(str(f.relative_to(ROOT)) for f in (ROOT / "tests").glob("test_osim*.py"))
  _py(session, "-m", "pytest", *files, "-rs", *session.posargs, env=env)


@nox.session(default=False)
def checklist(session: nox.Session) -> None:
  """The guide's checklist on legacy and candidate; writes docs/checklist.md from the outcomes.

  `-- --from-xml PATH` reads a suite run's JUnit XML (xunit1) instead of running the tests again
  (`nox -s tests`' own run of the checklist modules: .ci/run does this and fails when the
  committed file differs)."""
  env = _env(session) | {"HYPOTHESIS_PROFILE": "ci"}
  posargs = list(session.posargs)
  if "--from-xml" in posargs:
    i = posargs.index("--from-xml")
    xml, posargs = Path(posargs[i + 1]), posargs[:i] + posargs[i + 2 :]
  else:
    xml = ROOT / ".cache" / "checklist.xml"
    files = _checklist_files()
    xml.parent.mkdir(parents=True, exist_ok=True)
    _py(
      session,
      *("-m", "pytest", *files, "-p", "no:cacheprovider"),
      *(f"--junitxml={xml}", "-o", "junit_family=xunit1", *posargs),
      env=env,
      success_codes=[0, 1],
    )
  candidate = [a.split("=", 1)[1] for a in posargs if a.startswith("--candidate=")]
  if "--candidate" in posargs:
    candidate = [posargs[posargs.index("--candidate") + 1]]
  _py(
    session,
    *("-m", "jaxid_parity.checklist_report", str(xml), "docs/checklist.md"),
    *(["--candidate", candidate[0]] if candidate else []),
    env=env,
  )


@nox.session(default=False)
def mutants(session: nox.Session) -> None:
  """The parity suite against each deliberately wrong candidate: all must be killed."""
  env = _env(session) | {"HYPOTHESIS_PROFILE": "ci"}
  _py(session, "-m", "jaxid_parity.run_mutants", *session.posargs, env=env)

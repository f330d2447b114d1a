"""The wheel ships every module, the model XMLs, py.typed and LICENSE; jaxid's imports are layered.

The import checks parse the source with ast (nothing is imported): no jaxid module imports the
test trees, no jaxid.io module imports the synthetic-trial generator, and jaxid's import graph
(module-level and function-level imports alike) has no cycle.
"""

from __future__ import annotations

import ast
import email
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Source folder -> the import name it ships as (legacy/ installs as jaxid_legacy).
TREES = {"jaxid": "jaxid", "jaxid_parity": "jaxid_parity", "legacy": "jaxid_legacy"}
SHIPPED = (".py", ".xml", ".typed")
TEST_TREES = ("parity_tests", "benchmarks", "tests")


def _sources(folder: str) -> list[Path]:
  """Files under ROOT/folder that the wheel must hold (no caches)."""
  files = (ROOT / folder).rglob("*")
  return [p for p in files if p.is_file() and "__pycache__" not in p.parts and p.suffix in SHIPPED]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
  """sdist and wheel as `python -m build` makes them (the wheel from the sdist, so no stale build/
  folder can leak deleted modules into it; about 20 s)."""
  out = tmp_path_factory.mktemp("dist")
  cmd = [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)]
  res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
  assert res.returncode == 0, f"python -m build failed (the build group installs it):\n{res.stderr}"
  return out


@pytest.fixture(scope="module")
def wheel(dist) -> Iterator[zipfile.ZipFile]:
  (whl,) = dist.glob("jaxid-*.whl")
  with zipfile.ZipFile(whl) as z:
    yield z


def _metadata(wheel: zipfile.ZipFile) -> email.message.Message:
  (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
  return email.message_from_bytes(wheel.read(name))


def test_wheel_holds_every_module_and_data_file(wheel):
  expected = {
    f"{TREES[folder]}/{p.relative_to(ROOT / folder).as_posix()}"
    for folder in TREES
    for p in _sources(folder)
  }
  shipped = {n for n in wheel.namelist() if ".dist-info/" not in n}
  assert sorted(expected - shipped) == [], "in the tree, missing from the wheel"
  assert sorted(shipped - expected) == [], "in the wheel, not in the tree"
  assert "jaxid/py.typed" in shipped
  assert any(n.startswith("jaxid/models/") and n.endswith(".xml") for n in shipped)


def test_wheel_top_level_names_and_license(wheel):
  (top,) = [n for n in wheel.namelist() if n.endswith(".dist-info/top_level.txt")]
  assert sorted(wheel.read(top).decode().split()) == sorted(TREES.values())
  (lic,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
  assert wheel.read(lic) == (ROOT / "LICENSE").read_bytes()
  assert b"Apache License" in wheel.read(lic)
  meta = _metadata(wheel)
  assert meta["License-Expression"] == "Apache-2.0"
  # User-facing extras only: developer tools are dependency groups, not extras.
  assert sorted(meta.get_all("Provides-Extra")) == ["ml", "myo", "opensim", "parity", "plot"]


def test_sdist_holds_license_and_legacy_folder(dist):
  (sdist,) = dist.glob("jaxid-*.tar.gz")
  with tarfile.open(sdist) as t:
    names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
  assert {"LICENSE", "pyproject.toml", "setup.py", "legacy/MJX_RunID.py"} <= names


def _module_name(path: Path) -> str:
  """jaxid/io/trial.py -> jaxid.io.trial; jaxid/io/__init__.py -> jaxid.io."""
  parts = path.relative_to(ROOT).with_suffix("").parts
  return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.AST) -> bool:
  test = getattr(node, "test", None)
  return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(test)


def _import_nodes(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
  """Every import statement, at any depth, except under `if TYPE_CHECKING:`."""
  todo, found = [tree], []
  while todo:
    node = todo.pop()
    if isinstance(node, ast.Import | ast.ImportFrom):
      found.append(node)
    todo.extend(c for c in ast.iter_child_nodes(node) if not _is_type_checking(c))
  return found


def _imports(path: Path) -> set[str]:
  """Absolute names a module imports: `from a import b` gives a.b where that is a module, else a."""
  name = _module_name(path)
  package = name if path.name == "__init__.py" else name.rpartition(".")[0]
  names: set[str] = set()
  for node in _import_nodes(ast.parse(path.read_text(), str(path))):
    if isinstance(node, ast.Import):
      names.update(a.name for a in node.names)
      continue
    base = node.module or ""
    if node.level:
      anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
      base = ".".join([*anchor, *([base] if base else [])])
    for a in node.names:
      full = f"{base}.{a.name}"
      names.add(full if full in JAXID or (ROOT / full.replace(".", "/")).is_dir() else base)
  return names


JAXID = {_module_name(p): p for p in _sources("jaxid") if p.suffix == ".py"}


def _resolve(name: str) -> str | None:
  """The jaxid module an imported name lands in (jaxid.io.trial.read -> jaxid.io.trial)."""
  while name and name not in JAXID:
    name = name.rpartition(".")[0]
  return name or None


@pytest.mark.parametrize("module", sorted(JAXID))
def test_jaxid_does_not_import_test_trees(module):
  bad = {n for n in _imports(JAXID[module]) if n.split(".")[0] in TEST_TREES}
  assert not bad, f"{module} imports {sorted(bad)}"


SAMPLE = ["jaxid", "sample"]


@pytest.mark.parametrize("module", sorted(m for m in JAXID if m.startswith("jaxid.io")))
def test_io_does_not_import_sample(module):
  # jaxid.sample is a package: none of its modules either
  bad = {n for n in _imports(JAXID[module]) if (_resolve(n) or "").split(".")[:2] == SAMPLE}
  assert not bad, f"{module} imports {sorted(bad)}"


def _cycle(graph: dict[str, set[str]]) -> list[str]:
  """One cycle of graph as a path [a, b, ..., a], or [] if it has none (depth-first search)."""
  state: dict[str, int] = {}  # 1 on the current path, 2 done
  path: list[str] = []

  def visit(node: str) -> list[str]:
    state[node] = 1
    path.append(node)
    for nxt in sorted(graph[node]):
      if state.get(nxt) == 1:
        return [*path[path.index(nxt) :], nxt]
      if nxt not in state and (found := visit(nxt)):
        return found
    path.pop()
    state[node] = 2
    return []

  for node in sorted(graph):
    if node not in state and (found := visit(node)):
      return found
  return []


def _graph() -> dict[str, set[str]]:
  """Module -> the jaxid modules it imports (a package's __init__ counts only when named)."""
  graph = {}
  for module, path in JAXID.items():
    targets = {_resolve(n) for n in _imports(path)} - {None, module}
    graph[module] = {t for t in targets if t}
  return graph


def test_cycle_finder_finds_a_cycle():
  assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
  assert _cycle({"a": {"b"}, "b": set()}) == []


def test_jaxid_import_graph_has_no_cycle():
  cycle = _cycle(_graph())
  assert not cycle, "import cycle: " + " -> ".join(cycle)


def test_import_jaxid_prints_nothing(tmp_path):
  """`python -c "import jaxid"` writes nothing to stdout or stderr (MJX's warp lines dropped)."""
  cmd = [sys.executable, "-c", "import jaxid"]
  res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
  assert res.returncode == 0, res.stderr
  assert (res.stdout, res.stderr) == ("", "")

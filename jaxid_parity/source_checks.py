"""Static checks for the checklist: which source a candidate runs, and what that source contains.

`traced_functions` traces the candidate with abstract inputs and reads, from every equation of
the resulting jaxpr (sub-jaxprs included), the Python stack that emitted it: the candidate's own
functions on those stacks (not JAX's, MuJoCo's, NumPy's or this harness's) are the code that
runs under tracing. The checklist's AST checks read exactly those functions, so a float() in an
unrelated helper of the same package is not counted and one in a traced helper module is.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import importlib.util
import pkgutil
import sysconfig
from pathlib import Path

from jax.extend import core as jex_core

HERE = Path(__file__).resolve().parent
# The harness's own files; the candidate's adapter and the mutants are candidate code.
CANDIDATE_CODE = (HERE / "adapters.py", HERE / "mutants")
_LIBS = tuple(
  str(Path(p).resolve())
  for p in {sysconfig.get_paths()[k] for k in ("purelib", "platlib", "stdlib")}
)


@functools.cache
def _is_candidate_file(filename: str, roots: tuple[Path, ...] = ()) -> bool:
  """Whether a file is candidate code: in roots (its packages, installed or not), or else
  outside the harness (but for the candidates it ships) and outside site-packages and stdlib."""
  if not filename or filename.startswith("<"):
    return False
  path = Path(filename).resolve()
  if not path.exists():
    return False
  if path.is_relative_to(HERE):
    return any(path.is_relative_to(c) for c in CANDIDATE_CODE)
  if any(path.is_relative_to(r) for r in roots):
    return True
  return not str(path).startswith(_LIBS)


def package_dirs(names) -> tuple[Path, ...]:
  """The folders (or files) of modules and packages, by import name."""
  out = []
  for name in names:
    spec = importlib.util.find_spec(name)
    if spec is None:
      continue
    locations = spec.submodule_search_locations or ([spec.origin] if spec.origin else [])
    out += [Path(p).resolve() for p in locations]
  return tuple(out)


@dataclasses.dataclass(frozen=True)
class Function:
  """A function of the candidate that emitted traced operations."""

  file: str
  name: str
  node: ast.AST

  def __str__(self) -> str:
    return f"{Path(self.file).name}:{self.name}"


@functools.cache
def _tree(file: str) -> ast.AST:
  return ast.parse(Path(file).read_text(), filename=file)


def _enclosing(file: str, line: int) -> ast.AST | None:
  """The innermost function (or lambda) of a file whose source spans the line."""
  best = None
  for node in ast.walk(_tree(file)):
    if (
      isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
      and node.lineno <= line <= (node.end_lineno or node.lineno)
      and (best is None or node.lineno >= best.lineno)
    ):
      best = node
  return best


def eqns(jaxpr):
  """Every equation of a jaxpr, those of its sub-jaxprs (scan bodies, pjit, cond) included."""
  for eqn in jaxpr.eqns:
    yield eqn
    for sub in jex_core.jaxprs_in_params(eqn.params):
      yield from eqns(sub)


def count_eqns(closed) -> int:
  """Equations of a jaxpr, sub-jaxprs (scan bodies, pjit, cond branches) included."""
  return sum(1 for _ in eqns(closed.jaxpr))


def primitives(closed) -> set[str]:
  return {eqn.primitive.name for eqn in eqns(closed.jaxpr)}


def traced_functions(closed, packages=()) -> list[Function]:
  """The candidate's functions on the Python stack of any equation of a traced jaxpr.

  packages: import names of the candidate's packages, counted as its code even where they are
  installed in site-packages (a wheel); other installed code is not the candidate's.
  """
  roots = package_dirs(packages)
  seen: dict = {}
  for eqn in eqns(closed.jaxpr):
    tb = eqn.source_info.traceback
    if tb is None:
      continue
    for fr in tb.frames:
      key = (fr.file_name, fr.function_name, fr.line_num)
      if key in seen or not _is_candidate_file(fr.file_name, roots):
        continue
      node = _enclosing(fr.file_name, fr.line_num)
      seen[key] = None if node is None else Function(fr.file_name, fr.function_name, node)
  out = {}
  for f in seen.values():
    if f is not None:
      out[(f.file, f.node.lineno)] = f
  return sorted(out.values(), key=lambda f: (f.file, f.node.lineno))


def module_asts(names) -> dict[str, ast.AST]:
  """{file: AST} of modules, and of every module of a package, by import name."""
  out = {}
  for name in names:
    mod = importlib.import_module(name)
    files = [mod.__file__]
    if hasattr(mod, "__path__"):
      for info in pkgutil.walk_packages(mod.__path__, prefix=name + "."):
        spec = importlib.util.find_spec(info.name)
        if spec and spec.origin and spec.origin.endswith(".py"):
          files.append(spec.origin)
    for f in files:
      out[f] = _tree(f)
  return out


# ---------------------------------------------------------------------------------------------
# Patterns, one per checklist item. Each returns the matching nodes of a tree.


def call_name(node) -> str:
  """ "f" or "mod.f" for a call node; "" for anything else."""
  if not isinstance(node, ast.Call):
    return ""
  f = node.func
  if isinstance(f, ast.Name):
    return f.id
  if isinstance(f, ast.Attribute):
    base = f.value.id if isinstance(f.value, ast.Name) else "?"
    return f"{base}.{f.attr}"
  return ""


CLOCKS = {
  "time.time",
  "time.perf_counter",
  "time.monotonic",
  "time.process_time",
  "datetime.now",
  "time.time_ns",
}


def clock_calls(tree: ast.AST) -> list[ast.AST]:
  return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and call_name(n) in CLOCKS]


def float_calls(tree: ast.AST) -> list[ast.AST]:
  return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and call_name(n) == "float"]


def try_blocks(tree: ast.AST) -> list[ast.AST]:
  return [n for n in ast.walk(tree) if isinstance(n, ast.Try | ast.TryStar)]


def builtin_sum_calls(tree: ast.AST) -> list[ast.AST]:
  return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and call_name(n) == "sum"]


def impl_accesses(tree: ast.AST) -> list[ast.AST]:
  return [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "_impl"]


def print_calls(tree: ast.AST) -> list[ast.AST]:
  return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and call_name(n) == "print"]


def append_calls(tree: ast.AST) -> list[ast.AST]:
  return [
    n
    for n in ast.walk(tree)
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "append"
  ]


PATTERNS = {
  "2": clock_calls,
  "3": float_calls,
  "4": try_blocks,
  "5": builtin_sum_calls,
  "6": impl_accesses,
  "7": print_calls,
  "8": append_calls,
}


def find_in_functions(functions, pattern) -> list[str]:
  """'file:function: source' of every match of pattern in the functions' source."""
  hits = []
  for f in functions:
    for node in pattern(f.node):
      hits.append(f"{f}: {ast.unparse(node)[:70]}")
  return hits


def find_in_trees(trees: dict, pattern) -> list[str]:
  hits = []
  for file, tree in trees.items():
    for node in pattern(tree):
      hits.append(f"{Path(file).name}:{node.lineno}: {ast.unparse(node)[:70]}")
  return hits


def legacy_loop(tree: ast.AST) -> ast.For:
  """The legacy's frame loop: the `for t in range(...)` statement."""
  for node in ast.walk(tree):
    if (
      isinstance(node, ast.For)
      and isinstance(node.iter, ast.Call)
      and call_name(node.iter) == "range"
    ):
      return node
  raise AssertionError("no `for ... in range(...)` loop in the legacy source")

"""What a candidate runs while it is traced: behaviour and source together, for the checklist.

`profile(fn, args, packages)` traces fn with jax.make_jaxpr under sys.setprofile and records
every call of the candidate's own Python functions (jaxid_parity.source_checks says what is
candidate code), who called whom, and every built-in function they call. A function is *traced
code* when it is on the stack of an equation of the jaxpr (source_checks.traced_functions), or
when it is called, directly or through other candidate functions, from the innermost candidate
function of an equation: a helper that emits no equation itself (returns `d._impl.M`, reads a
clock, appends to a list) is traced code when the frame that uses its result is. Argument
checks that run before any equation (jaxid's options) are not.

On traced code the checks resolve names against the function's globals (`from time import
perf_counter as now`, `builtins.sum`, `to_float = float`), read string constants
(`getattr(d, "_impl")`, `attrgetter("_impl.M")`), see built-in calls at run time (a local alias
`s = sum`) and read the jaxpr's host callbacks (jax.pure_callback, io_callback, debug.callback)
with their targets. Each `hits_<item>` returns 'where: what' strings, empty when clean.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import dataclasses
import datetime
import functools
import math
import pprint
import sys
import time
import types
from pathlib import Path

import jax

from jaxid_parity import source_checks as sc

CALLBACKS = {"pure_callback", "io_callback", "debug_callback", "callback"}
SIDE_EFFECTS = {"io_callback", "debug_callback", "callback"}  # pure_callback is declared pure
CLOCKS = [
  time.time, time.time_ns, time.perf_counter, time.perf_counter_ns, time.monotonic,
  time.monotonic_ns, time.process_time, time.process_time_ns, time.thread_time,
  datetime.datetime.now, datetime.datetime.utcnow, datetime.datetime.today,
]  # fmt: skip
SUMS = [builtins.sum, math.fsum]
PRINTS = [builtins.print, pprint.pprint]
MUTATORS = {"append", "extend", "insert"}


def ident(obj):
  """A comparable identity: bound class methods (datetime.now) compare by class and name."""
  owner = getattr(obj, "__self__", None)
  if isinstance(owner, type) and isinstance(obj, types.BuiltinMethodType):
    return (owner, obj.__name__)
  return id(obj)


def _is(obj, targets) -> bool:
  return obj is not None and ident(obj) in {ident(t) for t in targets}


@dataclasses.dataclass(eq=False)
class Ran:
  """A candidate function run while tracing: its AST and the globals its names resolve in."""

  file: str
  name: str
  node: ast.AST
  globals: dict

  def __str__(self) -> str:
    return f"{Path(self.file).name}:{self.name}"


@dataclasses.dataclass
class Profile:
  jaxpr: object
  functions: list[Ran]  # traced code, as defined above
  c_calls: list[tuple[str, object]]  # (where, built-in) called from traced code
  callbacks: list[tuple[str, object]]  # (primitive, target function) of the jaxpr


def _node(code: types.CodeType) -> ast.AST | None:
  tree = sc._tree(code.co_filename)
  first = code.co_firstlineno
  for n in ast.walk(tree):
    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
      starts = [n.lineno, *(d.lineno for d in getattr(n, "decorator_list", ()))]
      if first in starts and (code.co_name == getattr(n, "name", "<lambda>")):
        return n
  return sc._enclosing(code.co_filename, first)  # comprehensions: the enclosing function


def _callback_target(eqn):
  cb = eqn.params.get("callback")
  fn = getattr(cb, "callback_func", None)
  if fn is None and cb is not None:  # debug_callback: a closure over the user's function
    cells = [c.cell_contents for c in (getattr(cb, "__closure__", None) or ())]
    fn = next((c for c in cells if callable(c) and not isinstance(c, type)), cb)
  while isinstance(fn, functools.partial):
    fn = fn.func
  return fn


def profile(fn, args, packages=()) -> Profile:
  """Trace fn(*args) with make_jaxpr, recording the candidate's calls (see the module)."""
  roots = sc.package_dirs(packages)
  mine: dict = {}
  ran: dict = {}  # code -> globals
  edges: dict = {}  # caller code -> callee codes
  c_calls: list = []

  def candidate(code) -> bool:
    hit = mine.get(code)
    if hit is None:
      hit = mine[code] = sc._is_candidate_file(code.co_filename, roots)
    return hit

  def hook(frame, event, arg):
    code = frame.f_code
    if event == "call" and candidate(code):
      ran.setdefault(code, frame.f_globals)
      up = frame.f_back
      while up is not None and not candidate(up.f_code):
        up = up.f_back
      if up is not None:
        edges.setdefault(up.f_code, set()).add(code)
    elif event == "c_call" and candidate(code):
      c_calls.append((code, f"{Path(code.co_filename).name}:{code.co_name}:{frame.f_lineno}", arg))

  old = sys.getprofile()
  sys.setprofile(hook)
  try:
    closed = jax.make_jaxpr(fn)(*args)
  finally:
    sys.setprofile(old)
  on_stack, innermost = set(), set()
  callbacks = []
  for eqn in sc.eqns(closed.jaxpr):
    if eqn.primitive.name in CALLBACKS:
      callbacks.append((eqn.primitive.name, _callback_target(eqn)))
    tb = eqn.source_info.traceback
    frames = [f for f in (tb.frames if tb else ()) if sc._is_candidate_file(f.file_name, roots)]
    keys = [(f.file_name, f.function_name, f.line_num) for f in frames]
    on_stack.update(keys)
    innermost.update(keys[:1])

  lines: dict = {}

  def spans(code, key) -> bool:
    if code not in lines:
      lines[code] = {ln for _, _, ln in code.co_lines() if ln is not None}
    return code.co_filename == key[0] and key[2] in lines[code]

  seeds = {c for c in ran if any(spans(c, k) for k in innermost)}
  traced, todo = set(seeds), list(seeds)
  while todo:
    for callee in edges.get(todo.pop(), ()):
      if callee not in traced:
        traced.add(callee)
        todo.append(callee)
  traced |= {c for c in ran if any(spans(c, k) for k in on_stack)}
  functions = []
  for code in sorted(traced, key=lambda c: (c.co_filename, c.co_firstlineno)):
    node = _node(code)
    if node is not None:
      functions.append(Ran(code.co_filename, code.co_name, node, ran[code]))
  calls = [(where, fn) for code, where, fn in c_calls if code in traced]
  return Profile(closed, functions, calls, callbacks)


def resolve(expr: ast.AST, glb: dict):
  """The object a name or dotted name refers to in a function's globals (None if unknown)."""
  if isinstance(expr, ast.Name):
    if expr.id in glb:
      return glb[expr.id]
    return getattr(builtins, expr.id, None)
  if isinstance(expr, ast.Attribute):
    base = resolve(expr.value, glb)
    if isinstance(base, types.ModuleType | type):
      return getattr(base, expr.attr, None)
  return None


def _resolved_calls(p: Profile, targets) -> list[str]:
  hits = []
  for f in p.functions:
    for n in ast.walk(f.node):
      if isinstance(n, ast.Call) and _is(resolve(n.func, f.globals), targets):
        hits.append(f"{f}: {ast.unparse(n)[:70]}")
  return hits


def _runtime_calls(p: Profile, targets) -> list[str]:
  return [f"{where}: calls {getattr(fn, '__qualname__', fn)}" for where, fn in p.c_calls
          if _is(fn, targets)]  # fmt: skip


def hits_2(p: Profile) -> list[str]:
  """Clocks: called by any name from traced code, or as a host callback."""
  cbs = [f"{prim} of {t.__qualname__}" for prim, t in p.callbacks if _is(t, CLOCKS)]
  return _resolved_calls(p, CLOCKS) + _runtime_calls(p, CLOCKS) + cbs


def hits_3(p: Profile) -> list[str]:
  """float() by any name, and .item() / .tolist() / .__float__() (a value to Python)."""
  out = _resolved_calls(p, [float])
  for f in p.functions:
    for n in ast.walk(f.node):
      if (
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in {"item", "tolist", "__float__"}
      ):
        out.append(f"{f}: {ast.unparse(n)[:70]}")
  return out


def hits_4(p: Profile) -> list[str]:
  """try/except (try*, too) and contextlib.suppress."""
  out = sc.find_in_functions(p.functions, sc.try_blocks)
  return out + _resolved_calls(p, [contextlib.suppress])


def hits_5(p: Profile) -> list[str]:
  """Python's sum (or math.fsum) by any name, seen in the source or called at run time."""
  return _resolved_calls(p, SUMS) + _runtime_calls(p, SUMS)


def hits_6(p: Profile) -> list[str]:
  """`_impl` as an attribute or in a string constant (getattr, attrgetter, vars()[...])."""
  out = []
  for f in p.functions:
    for n in ast.walk(f.node):
      attr = isinstance(n, ast.Attribute) and n.attr == "_impl"
      const = isinstance(n, ast.Constant) and isinstance(n.value, str)
      if attr or (const and "_impl" in n.value.split(".")):
        out.append(f"{f}: {ast.unparse(n)[:70]}")
  return out


def hits_7(p: Profile) -> list[str]:
  """print by any name; host callbacks with side effects (debug.callback, io_callback)."""
  cbs = [
    f"{prim} of {getattr(t, '__qualname__', t)}" for prim, t in p.callbacks if prim in SIDE_EFFECTS
  ]
  return _resolved_calls(p, PRINTS) + _runtime_calls(p, PRINTS) + cbs


def hits_8(p: Profile) -> list[str]:
  """list.append / extend / insert: in the source, or called at run time."""
  out = sc.find_in_functions(p.functions, sc.append_calls)
  for where, fn in p.c_calls:
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, list) and getattr(fn, "__name__", "") in MUTATORS:
      out.append(f"{where}: list.{fn.__name__}")
  return out


HITS = {"2": hits_2, "3": hits_3, "4": hits_4, "5": hits_5, "6": hits_6, "7": hits_7, "8": hits_8}

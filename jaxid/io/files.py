"""Output files: written atomically, never over an input, never over a file without force."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence

from jaxid.errors import InputError


def _umask() -> int:
  mask = os.umask(0)
  os.umask(mask)
  return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
  """A temporary path next to path; renamed onto path (os.replace) when the block succeeds,
  removed when it raises, so path is either untouched or complete."""
  path = os.fspath(path)
  folder = os.path.dirname(os.path.abspath(path))
  fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
  os.close(fd)
  try:
    yield tmp
    os.chmod(tmp, 0o666 & ~_umask())  # as open() would create it, not mkstemp's 0600
    os.replace(tmp, path)
  except BaseException:
    with contextlib.suppress(OSError):
      os.remove(tmp)
    raise


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
  """Whether two paths name the same file (links and relative paths resolved)."""
  a, b = os.fspath(a), os.fspath(b)
  if os.path.exists(a) and os.path.exists(b):
    return os.path.samefile(a, b)
  return os.path.realpath(a) == os.path.realpath(b)


Named = Sequence[tuple[str, "str | os.PathLike | None"]]


def check_outputs(outputs: Named, inputs: Named, force: bool = False) -> None:
  """InputError (one line) when an output is also an input, two outputs are one file, an
  output exists and not force, or an output's folder is missing; (argument, path | None) pairs."""
  outs = [(k, os.fspath(v)) for k, v in outputs if v]
  ins = [(k, os.fspath(v)) for k, v in inputs if v]
  for i, (k, path) in enumerate(outs):
    for k2, path2 in ins + outs[:i]:
      if same_file(path, path2):
        raise InputError(
          f"{k} {path} is the same file as {k2} {path2}; write the output elsewhere."
        )
  for k, path in outs:
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
      raise InputError(f"{k} {path}: is a directory; name an output file.")
    if not os.path.isdir(folder):
      raise InputError(f"{k} {path}: the directory {folder} does not exist.")
    if os.path.exists(path) and not force:
      raise InputError(f"{k} {path}: the file exists; pass --force to replace it.")

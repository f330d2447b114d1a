"""Code in the docs runs: every ```python block of README.md and docs/*.md, in order per page.

Blocks meant as illustration only are fenced ```py and are not run.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks(page):
  return BLOCK.findall(page.read_text())


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p)], ids=lambda p: p.name)
def test_page_code_runs(page):
  scope = {"__name__": f"docs_{page.stem}"}
  for i, code in enumerate(blocks(page)):
    try:
      exec(compile(code, f"{page.name}[block {i}]", "exec"), scope)
    except Exception as e:  # report which page and block
      raise AssertionError(f"{page.name} block {i} failed: {e!r}") from e


CITED = re.compile(r"`([^`]+)` \(L(\d+)\)")


def test_migration_quotes_legacy_lines():
  """docs/migration.md quotes legacy/MJX_RunID.py by line: each quote is on the cited line."""
  lines = (ROOT / "legacy" / "MJX_RunID.py").read_text().splitlines()
  cited = CITED.findall((ROOT / "docs" / "migration.md").read_text())
  assert len(cited) >= 10
  for code, n in cited:
    assert code in lines[int(n) - 1], f"L{n} is {lines[int(n) - 1].strip()!r}, not {code!r}"

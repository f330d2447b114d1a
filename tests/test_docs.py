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

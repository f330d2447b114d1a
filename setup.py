"""Packages: every folder under jaxid/ and jaxid_parity/, plus the legacy/ folder as jaxid_legacy.

Everything else is in pyproject.toml. `[tool.setuptools.packages.find]` cannot add a package
whose folder name differs from its import name, so the union is formed here. Namespace discovery
ships a folder without __init__.py too (a data folder such as jaxid/models): tests/test_packaging.py
checks that the wheel holds every file of the source tree.
"""

from setuptools import find_namespace_packages, setup

TREES = ["jaxid", "jaxid.*", "jaxid_parity", "jaxid_parity.*"]

setup(packages=[*find_namespace_packages(include=TREES, exclude=["*__pycache__*"]), "jaxid_legacy"])

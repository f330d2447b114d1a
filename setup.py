"""Package list: discovered jaxid*/jaxid_parity* packages plus the legacy/ folder as jaxid_legacy.

pyproject.toml holds everything else; setuptools' `packages.find` cannot add a package whose
folder name differs from its import name, so the union is formed here.
"""

from setuptools import find_packages, setup

setup(
  packages=[
    *find_packages(include=["jaxid", "jaxid.*", "jaxid_parity", "jaxid_parity.*"]),
    "jaxid_legacy",
  ]
)

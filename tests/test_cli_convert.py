"""`jaxid convert model.osim -o model.xml`: the MJCF twin written once, checked before writing."""

from __future__ import annotations

from pathlib import Path

import mujoco
import pytest

from jaxid import cli
from jaxid.models.osim import convert
from tests import test_osim_models as om


@pytest.fixture(scope="module")
def osim_file(tmp_path_factory):
  return om.save(om.leg_model(), tmp_path_factory.mktemp("osim") / "leg.osim")


def test_convert_writes_the_twin(osim_file, tmp_path, capsys):
  out = tmp_path / "leg.xml"
  before = Path(osim_file).read_bytes()
  assert cli.main(["convert", osim_file, "-o", str(out)]) == 0
  conv = convert(osim_file)
  assert out.read_text() == conv.xml
  mj = mujoco.MjModel.from_xml_path(str(out))
  assert [mj.body(i).name for i in range(1, mj.nbody)] == list(conv.bodies)
  assert f"{len(conv.bodies)} bodies" in capsys.readouterr().out
  assert Path(osim_file).read_bytes() == before  # the input is untouched


def test_convert_refuses_to_overwrite_without_force(osim_file, tmp_path, capsys):
  out = tmp_path / "leg.xml"
  out.write_text("keep me")
  assert cli.main(["convert", osim_file, "-o", str(out)]) == 2
  err = capsys.readouterr().err.strip()
  assert err.count("\n") == 0
  assert "--out" in err
  assert "--force" in err
  assert out.read_text() == "keep me"
  assert cli.main(["convert", osim_file, "-o", str(out), "--force"]) == 0
  assert out.read_text() == convert(osim_file).xml


@pytest.mark.parametrize("name", ["leg.xml", "missing.osim"])
def test_convert_refuses_what_is_not_an_osim_file(tmp_path, capsys, name):
  src = tmp_path / name
  if name.endswith(".xml"):
    src.write_text("<mujoco/>")
  out = tmp_path / "out.xml"
  assert cli.main(["convert", str(src), "-o", str(out)]) == 2
  err = capsys.readouterr().err.strip()
  assert err.startswith("jaxid: error: ")
  assert str(src) in err
  assert err.count("\n") == 0
  assert not out.exists()

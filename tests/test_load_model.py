"""jaxid.load_model refuses what MuJoCo cannot load with one line naming the argument and file."""

import pytest

import jaxid
from jaxid import models


def _one_line(exc: pytest.ExceptionInfo) -> str:
  msg = str(exc.value)
  assert "\n" not in msg
  assert msg.startswith("name_or_path: ")
  return msg


@pytest.mark.parametrize(
  ("name", "content"),
  [
    ("empty.xml", ""),
    ("garbage.xml", "\x00\x01 not xml at all <<<"),
    ("page.xml", "<html><body>not a model</body></html>"),
    ("broken.xml", "<mujoco><worldbody><body></worldbody></mujoco>"),
  ],
)
def test_unloadable_files_raise_input_error_naming_the_file(tmp_path, name, content):
  path = tmp_path / name
  path.write_text(content)
  with pytest.raises(jaxid.InputError) as exc:
    jaxid.load_model(path)
  assert str(path) in _one_line(exc)
  assert path.read_text() == content  # the file is left alone


def test_a_directory_or_a_missing_path_names_it(tmp_path):
  with pytest.raises(jaxid.InputError, match="is a directory") as exc:
    jaxid.load_model(tmp_path)
  assert str(tmp_path) in _one_line(exc)
  with pytest.raises(jaxid.InputError, match="which is neither") as exc:
    jaxid.load_model(tmp_path / "missing.xml")
  assert "gait_lowerbody" in _one_line(exc)


@pytest.mark.parametrize("value", [None, 42, b"gait_lowerbody", ["gait_lowerbody"]])
def test_non_paths_raise_input_error_naming_the_type(value):
  with pytest.raises(jaxid.InputError, match=type(value).__name__) as exc:
    jaxid.load_model(value)
  _one_line(exc)


def test_names_and_paths_load():
  assert models.NAMES == ("gait_lowerbody", "myolegs")
  by_name = models.load_mj_model("gait_lowerbody")
  by_path = models.load_mj_model(models.bundled_path("gait_lowerbody"))
  assert by_name.nv == by_path.nv == 20
  assert models.total_mass(by_name) == pytest.approx(75.0, abs=0.5)

"""OpenSim storage files (.mot, .sto): exact round trips, old headers, one-line errors."""

import numpy as np
import pytest

import jaxid
from jaxid.io import storage


def test_table_round_trip_is_exact(tmp_path):
  rng = np.random.default_rng(0)
  table = storage.Table(
    ["a", "knee_angle_r", "c"],
    np.arange(7) * 0.01,
    rng.normal(size=(7, 3)) * 10.0 ** rng.integers(-8, 8, size=(7, 3)),
    "Coordinates",
    True,
    {"DataType": "double"},
  )
  for ext in ("mot", "sto"):
    path = tmp_path / f"t.{ext}"
    storage.write_table(path, table)
    back = storage.read_table(path)
    assert back.labels == table.labels
    assert back.name == "Coordinates"
    assert back.in_degrees is True
    assert back.metadata["DataType"] == "double"
    assert back.metadata["nRows"] == "7"
    assert back.metadata["nColumns"] == "4"
    np.testing.assert_array_equal(back.time, table.time)
    np.testing.assert_array_equal(back.data, table.data)  # float64 exact
  text = (tmp_path / "t.mot").read_text().splitlines()
  assert text[:6] == [
    "Coordinates",
    "version=1",
    "nRows=7",
    "nColumns=4",
    "inDegrees=yes",
    "DataType=double",
  ]
  assert text[6] == "endheader"
  assert text[7].split("\t") == ["time", "a", "knee_angle_r", "c"]


def test_reads_storage_style_and_simm_headers(tmp_path):
  """OpenSim's Storage writes fixed-width space-padded columns; SIMM headers use datarows."""
  p = tmp_path / "old.mot"
  p.write_text(
    "name old\ndatacolumns 3\ndatarows 2\nrange 0 0.01\nendheader\n"
    "time knee_angle_r hip_flexion_r\n      0.00000000\t      1.5\t 2\n"
    "      0.01000000\t     -1.5e-1\t 3\n"
  )
  t = storage.read_table(p)
  assert t.labels == ["knee_angle_r", "hip_flexion_r"]
  assert t.in_degrees is None
  np.testing.assert_array_equal(t.data, [[1.5, 2.0], [-0.15, 3.0]])


@pytest.mark.parametrize(
  ("text", "match"),
  [
    ("a\nnRows=1\ntime\tx\n0\t1\n", "no 'endheader'"),
    ("a\nendheader\ntime\tx\n0\t1\t2\n", "line 4 has 3 values for 2 columns"),
    ("a\nendheader\ntime\tx\n0\tone\n", "not a number"),
    ("a\nnRows=3\nendheader\ntime\tx\n0\t1\n", "nRows=3 but the file has 1 rows"),
    ("a\nendheader\nframe\tx\n0\t1\n", "first column must be 'time'"),
    (
      "a\nendheader\ntime\tx\n0\t1\n0.01\tnan\n0.02\tNaN\n",
      r"2 rows hold NaN or Inf \(first at time 0.01 s, row 2; columns \['x'\]\)",
    ),
    ("a\ninDegrees=maybe\nendheader\ntime\tx\n0\t1\n", "inDegrees=maybe is neither yes nor no"),
    (
      "a\nendheader\ntime\t\tx\n0\t1\t2\n",
      r"line 3 \(the column labels\) has no label for column 2",
    ),
  ],
)
def test_bad_files_give_one_clear_error(tmp_path, text, match):
  p = tmp_path / "bad.mot"
  p.write_text(text)
  with pytest.raises(jaxid.InputError, match=match) as e:
    storage.read_table(p)
  assert str(p) in str(e.value)
  assert "\n" not in str(e.value)


def test_missing_columns_are_named():
  t = storage.Table(["a", "b"], [0.0, 0.01], np.zeros((2, 2)), path="x.mot")
  with pytest.raises(jaxid.InputError, match=r"x.mot: missing columns \['c', 'd'\]"):
    t.columns(["a", "c", "d"])


def test_trailing_tab_on_the_label_line_adds_no_column(tmp_path):
  p = tmp_path / "t.mot"
  p.write_text("a\ninDegrees=no\nendheader\ntime\tx\ty\t\n0\t1\t2\n0.01\t3\t4\t\n")
  t = storage.read_table(p)
  assert t.labels == ["x", "y"]
  np.testing.assert_array_equal(t.data, [[1.0, 2.0], [3.0, 4.0]])

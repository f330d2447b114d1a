"""The command line keeps data: no output over an input, no overwrite without --force, every
check before the first write (issue 17, items 1, 8 and 12). No MJX compilation: each case is
refused before inverse dynamics runs."""

import contextlib
import io
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jaxid import cli
from jaxid.io import files
from jaxid.io import trial as trial_io


@pytest.fixture(scope="module")
def trial_dir(tmp_path_factory):
  out = tmp_path_factory.mktemp("trial")
  trial_io.write_sample(out, n_frames=40)
  return out


def _snapshot(folder):
  return {p: p.read_bytes() for p in sorted(folder.iterdir())}


def _refused(argv) -> str:
  """Run the CLI; assert exit 2 with one line on stderr; that line."""
  err = io.StringIO()
  with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    rc = cli.main(argv)
  text = err.getvalue()
  assert rc == 2, text
  lines = [ln for ln in text.splitlines() if ln.startswith("jaxid:")]
  assert len(lines) == 1, text
  assert text.count("\n") == 1, text
  return lines[0]


def _run(d, **over):
  args = {
    "--coordinates": d / "ik.mot",
    "--grf": d / "grf.mot",
    "--external-loads": d / "loads.xml",
    "--out": d / "id.sto",
    "--cutoff": "-1",
  }
  args.update(over)
  argv = ["run", "--quiet"]
  for k, v in args.items():
    if v is not None:
      argv += [k] if v == "" else [k, str(v)]
  return argv


def _spellings(path, tmp):
  """The same file named four ways: as is, relative, through '..', through a symlink."""
  link = tmp / f"link_{path.name}"
  if not link.exists():
    link.symlink_to(path)
  rel = os.path.relpath(path)
  dotdot = path.parent / ".." / path.parent.name / path.name
  return [path, rel, dotdot, link]


@given(which=st.sampled_from(["--coordinates", "--grf", "--external-loads"]), how=st.integers(0, 3))
def test_out_over_an_input_is_refused(trial_dir, tmp_path_factory, which, how):
  before = _snapshot(trial_dir)
  target = {"--coordinates": "ik.mot", "--grf": "grf.mot", "--external-loads": "loads.xml"}[which]
  out = _spellings(trial_dir / target, tmp_path_factory.getbasetemp())[how]
  line = _refused(_run(trial_dir, **{"--out": out}))
  assert f"--out {out} is the same file as {which} " in line, line
  assert _snapshot(trial_dir) == before  # inputs byte-identical, nothing new


def test_plot_over_an_input_or_the_out_file_is_refused(trial_dir, tmp_path):
  line = _refused(_run(trial_dir, **{"--out": tmp_path / "a.sto", "--plot": tmp_path / "a.sto"}))
  assert f"--plot {tmp_path / 'a.sto'} is the same file as --out" in line, line
  line = _refused(_run(trial_dir, **{"--out": tmp_path / "a.sto", "--plot": trial_dir / "ik.mot"}))
  assert "same file as --coordinates" in line, line
  assert not (tmp_path / "a.sto").exists()


def test_out_over_the_datafile_of_the_external_loads_is_refused(trial_dir):
  """Without --grf the GRF is loads.xml's <datafile>: the output may not replace it either."""
  before = _snapshot(trial_dir)
  line = _refused(_run(trial_dir, **{"--grf": None, "--out": trial_dir / "grf.mot", "--force": ""}))
  assert f"--out {trial_dir / 'grf.mot'} is the same file as the GRF file" in line, line
  assert _snapshot(trial_dir) == before


def test_existing_output_needs_force(trial_dir, tmp_path):
  out = tmp_path / "id.sto"
  out.write_text("MY REAL RESULTS")
  line = _refused(_run(trial_dir, **{"--out": out}))
  assert line == f"jaxid: error: --out {out}: the file exists; pass --force to replace it."
  assert out.read_text() == "MY REAL RESULTS"
  png = tmp_path / "id.png"
  png.write_text("MY FIGURE")
  line = _refused(_run(trial_dir, **{"--out": tmp_path / "new.sto", "--plot": png}))
  assert f"--plot {png}: the file exists; pass --force" in line
  assert png.read_text() == "MY FIGURE"
  assert not (tmp_path / "new.sto").exists()


@pytest.mark.parametrize("command", ["sample", "demo"])
def test_sample_and_demo_do_not_overwrite(tmp_path, command):
  names = ("ik.mot", "grf.mot", "loads.xml") + (("id.sto", "id.png") if command == "demo" else ())
  for name in names:
    d = tmp_path / name.replace(".", "_")
    d.mkdir()
    (d / name).write_text("MY REAL IK DATA")
    line = _refused([command, "--out-dir", str(d)])
    assert (
      line == f"jaxid: error: --out-dir {d / name}: the file exists; pass --force to replace it."
    )
    assert [p.name for p in d.iterdir()] == [name]
    assert (d / name).read_text() == "MY REAL IK DATA"
  d = tmp_path / "ik_mot"
  assert cli.main(["sample", "--out-dir", str(d), "--frames", "20", "--force"]) == 0
  assert (d / "ik.mot").read_text().startswith("Coordinates\n")


def test_out_dir_that_is_a_file(tmp_path):
  f = tmp_path / "hostname"
  f.write_text("x")
  line = _refused(["sample", "--out-dir", str(f)])
  assert line == f"jaxid: error: --out-dir {f}: exists and is not a directory."


@pytest.mark.parametrize(
  ("over", "match"),
  [
    (
      {"--plot": "{tmp}/id.txt"},
      "--plot {tmp}/id.txt: matplotlib cannot write .txt files; use one",
    ),
    ({"--plot": "{tmp}/fig.sto"}, "--plot {tmp}/fig.sto: matplotlib cannot write .sto files"),
    ({"--plot": "{tmp}/id"}, "matplotlib cannot write a file without an extension"),
    ({"--plot": "{tmp}/no/id.png"}, "--plot {tmp}/no/id.png: the directory {tmp}/no does not"),
    ({"--out": "{tmp}/no/id.sto"}, "--out {tmp}/no/id.sto: the directory {tmp}/no does not"),
    ({"--out": "{tmp}"}, "--out {tmp}: is a directory"),
    ({"--mass": "-70"}, "--mass: expected a positive body mass in kg, got -70."),
    ({"--mass": "nan"}, "--mass: expected a positive body mass in kg, got nan."),
    ({"--mass": "0"}, "--mass: expected a positive body mass in kg, got 0."),
    ({"--mass": "inf"}, "--mass: expected a positive body mass in kg, got inf."),
    ({"--cutoff": "nan"}, "--cutoff: expected a frequency in Hz > 0, or -1 for none; got nan."),
    ({"--cutoff": "0"}, "--cutoff: expected a frequency in Hz > 0, or -1 for none; got 0."),
    ({"--cutoff": "-5"}, "--cutoff: expected a frequency in Hz > 0, or -1 for none; got -5."),
    ({"--cutoff": "1e-9"}, "--cutoff: 1e-09 Hz is below one cycle over the trial (0.39 s"),
  ],
)
def test_bad_arguments_write_nothing(trial_dir, tmp_path, over, match):
  before = _snapshot(trial_dir)
  over = {k: v.format(tmp=tmp_path) for k, v in over.items()}
  line = _refused(_run(trial_dir, **{"--out": tmp_path / "id.sto", **over}))
  assert match.format(tmp=tmp_path) in line, line
  assert list(tmp_path.iterdir()) == []
  assert _snapshot(trial_dir) == before


def test_atomic_path_replaces_whole_or_not_at_all(tmp_path):
  target = tmp_path / "out.sto"
  target.write_text("old")

  def fail():
    with files.atomic_path(target) as tmp:
      with open(tmp, "w") as f:
        f.write("half")
      raise RuntimeError("disk full")

  with pytest.raises(RuntimeError, match="disk full"):
    fail()
  assert target.read_text() == "old"
  assert [p.name for p in tmp_path.iterdir()] == ["out.sto"]
  with files.atomic_path(target) as tmp, open(tmp, "w") as f:
    f.write("new")
  assert target.read_text() == "new"
  assert [p.name for p in tmp_path.iterdir()] == ["out.sto"]
  mask = os.umask(0)
  os.umask(mask)
  assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # as open() creates, not 0600


def _ok(argv) -> tuple[str, str]:
  out, err = io.StringIO(), io.StringIO()
  with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
    rc = cli.main(argv)
  assert rc == 0, err.getvalue()
  return out.getvalue(), err.getvalue()


def test_dry_run_reports_and_writes_nothing(trial_dir, tmp_path):
  before = _snapshot(trial_dir)
  out, _ = _ok(
    [*_run(trial_dir, **{"--out": tmp_path / "id.sto", "--plot": tmp_path / "id.png"}), "--dry-run"]
  )
  lines = out.splitlines()
  assert lines[0].startswith("model: gait_lowerbody (nq 21, nv 20), mass ")
  assert lines[0].endswith(" kg (the model's)")
  assert lines[1] == (
    f"coordinates: {trial_dir / 'ik.mot'}, 40 frames at 100 Hz (0..0.39 s), 20 coordinates,"
    " no filter"
  )
  assert lines[2] == f"GRF: {trial_dir / 'grf.mot'}"
  assert lines[3].startswith("  calcn_l: ")
  assert "stance frames (vertical GRF > 20 N), peak |F|" in lines[3]
  assert lines[4].startswith("  calcn_r: 0 stance frames")  # right foot swings in frames 0..39
  assert lines[5:] == [
    "  other bodies: none",
    "compute: float32, outputs joint_torques and residuals",
    f"would write: {tmp_path / 'id.sto'}, {tmp_path / 'id.png'}",
  ]
  assert list(tmp_path.iterdir()) == []
  assert _snapshot(trial_dir) == before


def test_trim_is_noted(trial_dir, tmp_path):
  from jaxid.io import storage

  late = storage.read_table(trial_dir / "grf.mot")
  late.time = late.time + 0.0005
  storage.write_table(tmp_path / "late.mot", late)
  argv = _run(trial_dir, **{"--grf": tmp_path / "late.mot", "--out": tmp_path / "id.sto"})
  line = _refused([*argv, "--resample-grf"])
  assert "does not cover the coordinates' (40 rows, 0..0.39 s, 100 Hz); pass --trim" in line
  out, err = _ok([*argv, "--resample-grf", "--trim", "--dry-run"])
  assert err == (
    f"jaxid: note: --trim kept the 39 frames 0.01..0.39 s of {trial_dir / 'ik.mot'} inside the"
    " GRF's time range (dropped 1 at the start, 0 at the end).\n"
  )
  assert f"GRF: {tmp_path / 'late.mot'} (resampled)" in out
  assert "note: trimmed to the GRF's time range, dropped (1, 0) frames (start, end)" in out


@pytest.mark.parametrize("frames", ["1", "2", "3"])
def test_sample_with_too_few_frames_writes_nothing(tmp_path, frames):
  line = _refused(["sample", "--out-dir", str(tmp_path / "s"), "--frames", frames])
  assert line.startswith(f"jaxid: error: sample trial of {frames} frames: ")
  assert not (tmp_path / "s").exists()

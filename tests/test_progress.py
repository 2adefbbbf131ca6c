"""Progress bars: on a person's terminal, never in piped output, logs or Airflow tasks; and the
long commands use them. ``crosswarn run`` prints no library warnings."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios

import pytest

from pipeline.cli import main
from pipeline.progress import Stage, enabled, progress
from tests import test_cli
from tests.test_cli import _run

#: The same complete ICON-D2 mirror (293 files) the CLI tests run.
mirror = test_cli.mirror


def _postfixes(err: str, desc: str) -> list[str]:
    """The step names a Stage bar ``desc`` showed, in order, once each."""
    pattern = re.compile(rf"{re.escape(desc)}: .*, ([\w ]+)\]\s*$")
    return list(dict.fromkeys(m.group(1) for r in err.split("\r") if (m := pattern.match(r))))


@pytest.fixture(autouse=True)
def _no_progress_settings(monkeypatch):
    monkeypatch.delenv("CROSSWARN_PROGRESS", raising=False)
    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID", raising=False)


@pytest.fixture
def terminal():
    """A real pseudo-terminal of 24 x 80 characters: the stream a program writes to, and the
    other end to read."""
    reader, writer = os.openpty()
    fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    with open(writer, "w", buffering=1) as stream:
        yield stream, reader
    os.close(reader)


def test_bars_on_a_terminal_unless_switched_off_or_in_airflow(terminal, monkeypatch):
    stream, reader = terminal
    monkeypatch.setattr(sys, "stderr", stream)  # here: pytest resets stderr between phases
    assert enabled()
    assert list(progress(range(3), desc="counting")) == [0, 1, 2]
    stream.flush()
    assert select.select([reader], [], [], 5)[0], "nothing written to the terminal"
    assert "counting:" in os.read(reader, 4096).decode()
    monkeypatch.setenv("CROSSWARN_PROGRESS", "0")
    assert not enabled()
    monkeypatch.setenv("CROSSWARN_PROGRESS", "1")
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "crosswarn_dwd_icon_d2")  # inside an Airflow task
    assert not enabled()


def test_no_bars_when_stderr_is_piped_unless_asked(monkeypatch, capsys):
    assert not enabled()  # pytest's capture is no terminal
    assert list(progress(iter("abc"), desc="letters")) == ["a", "b", "c"]
    with Stage("stages", ["one", "two"]) as stage:
        stage.step("one")
        stage.step("two")
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("CROSSWARN_PROGRESS", "1")
    assert enabled()
    with Stage("stages", ["one", "two"]) as stage:
        stage.step("one")
        stage.step("two")
    err = capsys.readouterr().err
    assert _postfixes(err, "stages") == ["one", "two"]
    assert any(
        re.search(r"\| 1/2 \[.*, two\]", r) for r in err.split("\r")
    )  # "one" done, "two" under way


def test_crosswarn_run_shows_its_stages_and_files_when_asked(mirror, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CROSSWARN_PROGRESS", "1")
    assert main(_run(mirror, tmp_path)) == 0
    captured = capsys.readouterr()
    stages = _postfixes(captured.err, "dwd-icon-d2 2026011500")
    assert stages == ["fetch_and_statistics", "assess", "publish", "consult", "bulletins"]
    renders = captured.err.split("\r")
    assert any(re.match(r"fetch: +\d+%\|.*\| \d+/293 \[", r) for r in renders)  # per file
    assert "\r" not in captured.out and "warning events" in captured.out


def test_crosswarn_run_prints_no_warnings_and_no_bars_when_piped(mirror, tmp_path):
    """In a fresh interpreter, showing even the warnings Python hides by default."""
    env = os.environ | {"PYTHONWARNINGS": "default"}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *_run(mirror, tmp_path)],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not re.search(r"\w+Warning\b", result.stderr), result.stderr
    assert "\r" not in result.stderr and "%|" not in result.stderr
    assert "warning events" in result.stdout


def test_hindcast_shows_its_steps(shared_data, monkeypatch, capsys):
    import io

    from pipeline.settings import Settings
    from pipeline.verification.hindcast import run_hindcast

    monkeypatch.setenv("CROSSWARN_PROGRESS", "1")
    assert (
        run_hindcast(Settings(), json_lines=True, out=io.StringIO(), shared_data=shared_data) == 0
    )
    steps = _postfixes(capsys.readouterr().err, "hindcast")
    assert steps == ["regions", "observations", "official", "levels", "compare"]


def test_the_eps_scenario_counts_its_files(tmp_path, monkeypatch, capsys):
    """Two members, three steps of gusts: three files, one task each."""
    from pipeline.tools.scenario_eps import write_eps_scenario

    monkeypatch.setenv("CROSSWARN_PROGRESS", "1")
    write_eps_scenario(tmp_path, members=2, steps=range(3), params=("vmax_10m",), n_cells=300)
    err = capsys.readouterr().err
    assert re.search(r"EPS scenario: +\d+%\|.*\| \d/3 \[", err)

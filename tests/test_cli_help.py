"""``crosswarn --version`` and ``crosswarn run --help``: what a newcomer asks first."""

from __future__ import annotations

import inspect
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.sources import SOURCES

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_the_distributions(capsys):
    expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"crosswarn {expected}\n"


def test_run_help_lists_every_source_with_its_description(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--help"])  # no source and no --run needed for the help
    assert exit_.value.code == 0
    help_text = capsys.readouterr().out
    listed = help_text.split("\nsources:\n", 1)[1]
    entries = [line.split()[0] for line in listed.splitlines() if line.startswith("  ") and
               not line.startswith("   ")]  # fmt: skip
    assert entries == list(SOURCES)  # one entry per registered source, in the registry's order
    flat = " ".join(listed.split())
    for source_id, source in SOURCES.items():
        first_paragraph = " ".join(inspect.getdoc(source).split("\n\n")[0].split())
        assert f"{source_id} {first_paragraph}" in flat
    assert "DWD ICON-D2-EPS, 20 members" in flat and "ECMWF ENS: control and 50" in flat
    assert "--run RUN" in help_text


def test_the_parser_imports_no_source():
    """Listing the sources imports them (xarray, dask: seconds); only ``run --help`` may."""
    code = (
        "import sys, pipeline.cli; pipeline.cli.build_parser(); "
        "print('pipeline.sources' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_run_help_lists_the_sources_without_importing_them():
    """The sources' descriptions are read from their modules: ``run --help`` starts fast."""
    code = (
        "import sys, pipeline.cli\n"
        "try:\n    pipeline.cli.main(['run', '--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pipeline.sources.dwd', 'xarray', 'dask') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"
    assert "dwd-icon-d2-eps" in out.stdout


def test_the_version_is_looked_up_only_when_asked(monkeypatch, capsys):
    # Looking the version up scans the installed distributions: every command paid it at start.
    import importlib.metadata

    def refuse(name):
        raise AssertionError(f"version({name!r}) looked up for a command that did not ask")

    monkeypatch.setattr(importlib.metadata, "version", refuse)
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--help"])
    assert exit_.value.code == 0
    capsys.readouterr()
    with pytest.raises(AssertionError, match="looked up"):
        main(["--version"])

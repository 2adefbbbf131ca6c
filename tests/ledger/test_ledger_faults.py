"""The ledger is the record of what was sent: a ledger that lost it is refused, and database
faults are one line. Runs go through ``crosswarn run`` on a DWD-shaped file mirror."""

from __future__ import annotations

import shutil

import pytest

from pipeline.cli import main
from pipeline.sources.dwd import IconD2
from tests.sources.dwd_tree import write_run

RUN = "2026011500"


@pytest.fixture
def setup(tmp_path, monkeypatch):
    root = tmp_path / "www"
    write_run(root, IconD2(f"file://{root}/weather/nwp"), RUN,
              list(IconD2.default_params), list(range(49)))  # fmt: skip
    for name in ("work", "cache"):
        monkeypatch.setenv(f"CROSSWARN_{name.upper()}_DIR", str(tmp_path / name))
    args = ["run", "dwd-icon-d2", "--run", RUN, "--base-url", f"file://{root}/weather/nwp",
            "--archive", str(tmp_path / "archive"), "--out", str(tmp_path / "out")]  # fmt: skip
    return tmp_path, args


def test_a_deleted_ledger_is_refused_until_restored(setup, capsys):
    tmp_path, args = setup
    assert main(args) == 0
    out = tmp_path / "out" / "dwd-icon-d2" / RUN
    before = (out / "manifest.json").read_bytes()
    sent = len(list((tmp_path / "out" / "outbox").glob("*.xml")))
    assert sent > 0
    ledger = tmp_path / "work" / "ledger.sqlite"
    backup = tmp_path / "ledger-backup.sqlite"
    shutil.copyfile(ledger, backup)
    ledger.unlink()  # lost between runs
    capsys.readouterr()

    assert main(args) == 2  # a new empty ledger would send every live warning again
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"does not know {sent} message(s) in the outbox" in err and "Restore" in err
    assert (out / "manifest.json").read_bytes() == before
    assert len(list((tmp_path / "out" / "outbox").glob("*.xml"))) == sent  # nothing new sent

    check = ["ledger", "check", "--out", str(tmp_path / "out")]
    assert main(check) == 1
    assert f"{sent} message(s) in the outbox unknown to the ledger" in capsys.readouterr().out

    shutil.copyfile(backup, ledger)  # restored
    assert main(check) == 0
    assert main(args) == 0
    # the run's own decisions again, identical files, and no message sent anew
    assert (out / "manifest.json").read_bytes() == before
    assert len(list((tmp_path / "out" / "outbox").glob("*.xml"))) == sent


def test_a_ledger_that_is_not_a_database_is_one_line(setup, capsys):
    tmp_path, _ = setup
    ledger = tmp_path / "work" / "ledger.sqlite"
    ledger.parent.mkdir(parents=True)
    ledger.write_bytes(b"this is not a database" * 100)
    assert main(["ledger", "check", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith("crosswarn: error: ledger sqlite:///") and "not a database" in err

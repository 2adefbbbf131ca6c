"""Files written in batches keep the one-file guarantees: every file is fsynced before it is
renamed into place (and before a staged run is swapped in), a failure leaves no temporary file,
and the outbox never overwrites a file with other content."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import InvalidDataError
from pipeline.files import fsync_all, json_by_line, write_all_atomic, write_synced_all
from pipeline.publishing.outbox import Outbox
from pipeline.publishing.staging import StagedOutput


def test_write_all_atomic_fsyncs_every_file_before_the_first_rename(tmp_path, journal):
    files = {tmp_path / "a" / f"{i:03d}.xml": f"<alert n='{i}'/>".encode() for i in range(40)}
    write_all_atomic(files)
    assert {p: p.read_bytes() for p in files} == files
    synced = [name for kind, name in journal if kind == "fsync"]
    renamed = [name for kind, name in journal if kind == "rename"]
    assert len(synced) == 40 and all(".tmp-" in name for name in synced)  # the temporary files
    assert sorted(renamed) == sorted(p.name for p in files)
    first_rename = next(i for i, (kind, _) in enumerate(journal) if kind == "rename")
    assert all(kind == "fsync" for kind, _ in journal[:first_rename])
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in files)


def test_write_all_atomic_failing_leaves_no_temporary_file_and_no_target(tmp_path):
    (tmp_path / "blocked").write_bytes(b"a file where a folder should be")
    files = {tmp_path / "ok.xml": b"<a/>", tmp_path / "blocked" / "b.xml": b"<b/>"}
    with pytest.raises(OSError):
        write_all_atomic(files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked"]


def test_fsync_all_raises_for_a_file_that_is_not_there(tmp_path):
    (tmp_path / "here").write_bytes(b"x")
    with pytest.raises(FileNotFoundError):
        fsync_all([tmp_path / "here", tmp_path / "gone"])


def test_write_synced_all_writes_and_fsyncs_each_file_once(tmp_path, journal):
    files = {tmp_path / f"{i:03d}.xml": f"<alert n='{i}'/>".encode() * (i + 1) for i in range(40)}
    write_synced_all(files)
    assert {p: p.read_bytes() for p in files} == files
    synced = sorted(name for kind, name in journal if kind == "fsync")
    assert synced == sorted(p.name for p in files)


def test_write_synced_all_raises_for_a_file_it_cannot_write(tmp_path):
    (tmp_path / "blocked").write_bytes(b"a file where a folder should be")
    with pytest.raises(NotADirectoryError):
        write_synced_all({tmp_path / "ok.xml": b"<a/>", tmp_path / "blocked" / "b.xml": b"<b/>"})


def test_outbox_put_all_writes_new_files_and_keeps_identical_ones(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    outbox.put("a.xml", b"<a/>")
    before = (tmp_path / "outbox" / "a.xml").stat().st_mtime_ns
    outbox.put_all({"a.xml": b"<a/>", "b.xml": b"<b/>"})
    assert (tmp_path / "outbox" / "b.xml").read_bytes() == b"<b/>"
    assert (tmp_path / "outbox" / "a.xml").stat().st_mtime_ns == before  # not written again


def test_outbox_put_all_refuses_other_content_and_writes_nothing(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    outbox.put("a.xml", b"<a/>")
    with pytest.raises(InvalidDataError, match=r"a\.xml: already in the outbox with other"):
        outbox.put_all({"new.xml": b"<new/>", "a.xml": b"<changed/>"})
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == ["a.xml"]
    assert (tmp_path / "outbox" / "a.xml").read_bytes() == b"<a/>"


def test_a_staged_run_is_swapped_in_only_after_every_file_is_fsynced(tmp_path, journal):
    final = tmp_path / "out" / "run"
    with StagedOutput(final) as staged:
        for i in range(30):
            staged.write(f"cap/{i:02d}.xml", b"<alert/>")
        staged.commit()
    synced = {name for kind, name in journal if kind == "fsync"}
    assert synced == {f"{i:02d}.xml" for i in range(30)} | {"manifest.json"}
    assert journal[-1] == ("rename", "run")  # the swap, last


def test_json_by_line_reads_back_as_written_one_item_per_line():
    data = {
        "run": "2026011500",
        "events": [{"region": "BE003", "name": "Liège", "level": 2}, {"region": "NL014"}],
        "levels": {"wind": {"BE003": 2}, "rain": {}},
        "empty": [],
        "count": 2,
    }
    text = json_by_line(data)
    assert json.loads(text) == data
    assert text.splitlines() == [
        "{",
        ' "count": 2,',
        ' "empty": [],',
        ' "events": [',
        '  {"level": 2, "name": "Liège", "region": "BE003"},',
        '  {"region": "NL014"}',
        " ],",
        ' "levels": {',
        '  "rain": {},',
        '  "wind": {"BE003": 2}',
        " },",
        ' "run": "2026011500"',
        "}",
    ]

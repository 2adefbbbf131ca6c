"""Staged run outputs swapped in atomically, and the atomic file write they rely on."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from pipeline.files import atomic_path, write_bytes_atomic, write_json_atomic
from pipeline.publishing import staging
from pipeline.publishing.staging import StagedOutput


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _earlier_run(tmp_path: Path) -> Path:
    final = tmp_path / "out" / "dwd-icon-d2" / "2026011500"
    final.mkdir(parents=True)
    (final / "old.xml").write_bytes(b"<old/>")
    (final / "manifest.json").write_text('{"files": []}\n')
    return final


def test_commit_replaces_the_earlier_directory_and_writes_a_manifest(tmp_path):
    final = _earlier_run(tmp_path)
    alert = b"<alert>\xc3\xa9</alert>\n"
    png = bytes(range(256)) * 3
    with StagedOutput(final) as staged:
        assert staged.write("a.xml", alert) == final / "a.xml"
        staged.path("maps/b.png").write_bytes(png)
        staged.write("empty.txt", b"")
        assert not (final / "a.xml").exists()  # nothing visible before the commit
        assert staged.commit() == final

    files = _tree(final)
    assert set(files) == {"a.xml", "maps/b.png", "empty.txt", "manifest.json"}
    assert files["a.xml"] == alert
    assert files["maps/b.png"] == png
    manifest = json.loads(files["manifest.json"])
    assert manifest == {
        "files": [
            {"path": "a.xml", "size": len(alert), "sha256": hashlib.sha256(alert).hexdigest()},
            {
                "path": "empty.txt",
                "size": 0,
                # the SHA-256 of no bytes
                "sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            },
            {"path": "maps/b.png", "size": 768, "sha256": hashlib.sha256(png).hexdigest()},
        ]
    }
    # Only the final directory is left beside it: no staging or old directories.
    assert sorted(p.name for p in final.parent.iterdir()) == ["2026011500"]


def test_commit_without_an_earlier_directory(tmp_path):
    final = tmp_path / "out" / "knmi" / "2026011506"
    with StagedOutput(final) as staged:
        staged.write("x.json", b"{}")
        staged.commit()
    assert _tree(final)["x.json"] == b"{}"
    assert sorted(p.name for p in final.parent.iterdir()) == ["2026011506"]


def test_an_exception_inside_leaves_the_earlier_directory_untouched(tmp_path):
    final = _earlier_run(tmp_path)
    before = _tree(final)
    with pytest.raises(RuntimeError, match="validation failed"), StagedOutput(final) as staged:
        staged.write("a.xml", b"<half/>")
        staged.write("old.xml", b"<replaced/>")
        raise RuntimeError("validation failed")
    assert _tree(final) == before
    assert sorted(p.name for p in final.parent.iterdir()) == ["2026011500"]


def test_files_written_while_the_rest_renders_are_fsynced_and_described(tmp_path, journal):
    final = _earlier_run(tmp_path)
    messages = {f"{i:03d}.xml": f"<alert n='{i}'/>".encode() for i in range(25)}
    with StagedOutput(final) as staged:
        with staged.writing_synced("cap") as cap:
            for name, data in messages.items():
                cap(name, data)
        assert sorted(name for kind, name in journal if kind == "fsync") == sorted(messages)
        assert {n: p.read_bytes() for n, p in cap.staged.items()} == messages  # on disk now
        staged.commit()
    assert _tree(final) == {"manifest.json": (final / "manifest.json").read_bytes()} | {
        f"cap/{name}": data for name, data in messages.items()
    }
    described = {f["path"]: f["sha256"] for f in json.loads(_tree(final)["manifest.json"])["files"]}
    assert described == {f"cap/{n}": hashlib.sha256(d).hexdigest() for n, d in messages.items()}
    # fsynced once: the commit fsyncs only its manifest
    assert sorted(name for kind, name in journal if kind == "fsync") == sorted(
        [*messages, "manifest.json"]
    )


def test_an_error_while_files_are_being_written_keeps_the_earlier_directory(tmp_path):
    final = _earlier_run(tmp_path)
    before = _tree(final)
    staged = StagedOutput(final)
    with (
        pytest.raises(ValueError, match="message 7 is invalid"),
        staged,
        staged.writing_synced("cap") as cap,
    ):
        for i in range(20):
            if i == 7:
                raise ValueError("message 7 is invalid")  # the caller's error, not masked
            cap(f"{i}.xml", b"<alert/>")
    assert _tree(final) == before
    assert sorted(p.name for p in final.parent.iterdir()) == ["2026011500"]  # no staging left


def test_a_file_that_cannot_be_written_fails_the_folder(tmp_path):
    final = tmp_path / "out" / "run"
    with pytest.raises(IsADirectoryError), StagedOutput(final) as staged:
        staged.path("cap/b.xml").mkdir()  # where the file should go
        with staged.writing_synced("cap") as cap:
            cap("a.xml", b"<a/>")
            cap("b.xml", b"<b/>")
    assert not final.exists()


def test_leaving_without_commit_or_error_publishes_nothing(tmp_path):
    final = _earlier_run(tmp_path)
    before = _tree(final)
    with StagedOutput(final) as staged:
        staged.write("a.xml", b"<x/>")
    assert _tree(final) == before


def test_a_stale_staging_directory_is_cleared(tmp_path):
    final = _earlier_run(tmp_path)
    first = StagedOutput(final)
    first.write("leftover.xml", b"<crash/>")  # a crashed attempt of this process left this
    second = StagedOutput(final)
    second.write("new.xml", b"<new/>")
    second.commit()
    assert set(_tree(final)) == {"new.xml", "manifest.json"}


def test_a_stale_old_directory_does_not_block_the_commit(tmp_path):
    final = _earlier_run(tmp_path)
    stale = final.with_name(f".{final.name}.old-{os.getpid()}")
    stale.mkdir()
    (stale / "old.xml").write_bytes(b"<from a crashed commit/>")
    with StagedOutput(final) as staged:
        staged.write("new.xml", b"<new/>")
        staged.commit()
    assert set(_tree(final)) == {"new.xml", "manifest.json"}


def test_the_run_directory_is_never_missing_during_the_swap(tmp_path, monkeypatch):
    """Every rename during the commit is watched: the run's directory exists before and after
    each one (the swap is one atomic exchange)."""
    final = _earlier_run(tmp_path)
    seen = []
    real_replace, real_exchange = os.replace, staging.exchange

    def watched_exchange(a, b):
        seen.append(final.exists())
        done = real_exchange(a, b)
        seen.append(final.exists())
        return done

    monkeypatch.setattr(staging, "exchange", watched_exchange)
    monkeypatch.setattr(staging.os, "replace", lambda a, b: (seen.append(final.exists()),
                                                             real_replace(a, b)))  # fmt: skip
    with StagedOutput(final) as staged:
        staged.write("new.xml", b"<new/>")
        staged.commit()
    assert seen == [True, True]  # one exchange, no plain rename
    assert set(_tree(final)) == {"new.xml", "manifest.json"}
    assert sorted(p.name for p in final.parent.iterdir()) == ["2026011500"]


def test_a_kill_between_the_two_renames_is_recovered_by_the_next_publication(tmp_path):
    """Where no atomic exchange exists, a process killed after parking the earlier version
    leaves the run's directory missing: the next publication of the run restores it first, and
    its failure then leaves the earlier version in place."""
    final = _earlier_run(tmp_path)
    before = _tree(final)
    os.replace(final, final.with_name(f".{final.name}.old-0123456789abcdef"))  # the kill
    assert not final.exists()
    with pytest.raises(RuntimeError), StagedOutput(final):
        assert _tree(final) == before  # restored as soon as the next publication starts
        raise RuntimeError("this attempt fails too")
    assert _tree(final) == before
    assert sorted(p.name for p in final.parent.iterdir()) == ["2026011500"]


def test_abort_removes_the_staging_directory(tmp_path):
    final = tmp_path / "out" / "run"
    staged = StagedOutput(final)
    staged.write("a", b"1")
    staged.abort()
    assert list((tmp_path / "out").iterdir()) == []


# --- atomic_path (pipeline/files.py) ------------------------------------------------------------


def test_atomic_path_writes_the_target_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "deep" / "dir" / "weights.npz"
    with atomic_path(target, keep_suffix=True) as tmp:
        assert tmp.parent == target.parent
        assert tmp.name.startswith(".weights.tmp-") and tmp.suffix == ".npz"
        tmp.write_bytes(b"data")
        assert not target.exists()
    assert target.read_bytes() == b"data"
    assert [p.name for p in target.parent.iterdir()] == ["weights.npz"]


def test_atomic_path_after_a_failure_keeps_the_old_target_and_no_temporary_file(tmp_path):
    target = tmp_path / "state.json"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="boom"), atomic_path(target) as tmp:
        tmp.write_bytes(b"half-wri")
        raise ValueError("boom")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_atomic_path_failure_before_anything_is_written(tmp_path):
    target = tmp_path / "never.bin"
    with pytest.raises(KeyError), atomic_path(target):
        raise KeyError("x")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_when_nothing_was_written_raises_and_leaves_nothing(tmp_path):
    target = tmp_path / "missing.bin"
    with pytest.raises(FileNotFoundError), atomic_path(target):
        pass
    assert list(tmp_path.iterdir()) == []


def test_write_helpers(tmp_path):
    write_bytes_atomic(tmp_path / "b.bin", b"\x00\x01")
    write_json_atomic(tmp_path / "j.json", {"z": 1, "a": "é"})
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "j.json").read_bytes() == '{\n "a": "é",\n "z": 1\n}\n'.encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.bin", "j.json"]

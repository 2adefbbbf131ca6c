"""The outbox takes a staged run's CAP messages as hard links once they are on disk: each
message is written and fsynced once, yet the outbox keeps its guarantees -- complete files
only, never overwritten, nothing written when one name holds other content -- and the run's
files and the outbox's stay apart when either is replaced."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest

from pipeline.errors import InvalidDataError
from pipeline.publishing.outbox import Outbox
from pipeline.publishing.staging import StagedOutput

MESSAGES = {f"2.49.0.0.0.0.CROSSWARN.s.2026011500.{i:02d}.xml": f"<alert n='{i}'/>\n".encode()
            for i in range(12)}  # fmt: skip


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _synced(staged: StagedOutput, messages: dict[str, bytes]) -> dict[str, Path]:
    """``messages`` staged in cap/ and fsynced as the publish stage does: their staged paths."""
    with staged.writing_synced("cap") as cap:
        for name, data in messages.items():
            cap(name, data)
    return cap.staged


def _manifest(final: Path) -> dict[str, tuple[int, str]]:
    files = json.loads((final / "manifest.json").read_text())["files"]
    return {f["path"]: (f["size"], f["sha256"]) for f in files}


def test_messages_are_fsynced_before_the_outbox_links_them_and_not_again(tmp_path, journal):
    final = tmp_path / "out" / "s" / "2026011500"
    outbox = Outbox(tmp_path / "out" / "outbox")
    with StagedOutput(final) as staged:
        outbox.put_all(MESSAGES, on_disk=_synced(staged, MESSAGES))
        staged.write("summary.json", b"{}\n")
        staged.commit()

    linked = [i for i, (kind, _) in enumerate(journal) if kind == "link"]
    assert sorted(journal[i][1] for i in linked) == sorted(MESSAGES)
    assert {name for kind, name in journal[: linked[0]] if kind == "fsync"} == set(MESSAGES)
    after = [name for kind, name in journal[linked[-1] :] if kind == "fsync"]
    assert sorted(after) == ["manifest.json", "summary.json"]  # the messages once only
    for name, data in MESSAGES.items():
        assert (outbox.root / name).read_bytes() == (final / "cap" / name).read_bytes() == data
        assert os.path.samefile(outbox.root / name, final / "cap" / name)  # one file, 2 names
    assert _manifest(final) == {
        "summary.json": (3, _sha(b"{}\n")),
        **{f"cap/{name}": (len(data), _sha(data)) for name, data in MESSAGES.items()},
    }
    assert sorted(p.name for p in final.parent.iterdir()) == ["2026011500"]


def test_what_the_outbox_holds_stays_and_other_content_stops_every_link(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    outbox.put("a.xml", b"<a/>")
    kept = (outbox.root / "a.xml").stat()
    staged = tmp_path / "staged"
    staged.mkdir()
    for name, data in {"a.xml": b"<a/>", "b.xml": b"<b/>", "c.xml": b"<c/>"}.items():
        (staged / name).write_bytes(data)
    on_disk = {name: staged / name for name in ("a.xml", "b.xml", "c.xml")}

    outbox.put_all({"a.xml": b"<a/>", "b.xml": b"<b/>"}, on_disk=on_disk)
    assert (outbox.root / "a.xml").stat().st_ino == kept.st_ino  # left as it was
    assert os.path.samefile(outbox.root / "b.xml", staged / "b.xml")

    with pytest.raises(InvalidDataError, match=r"b\.xml: already in the outbox with other"):
        outbox.put_all({"c.xml": b"<c/>", "b.xml": b"<changed/>"}, on_disk=on_disk)
    assert sorted(p.name for p in outbox.root.iterdir()) == ["a.xml", "b.xml"]  # no c.xml


def test_where_the_volume_cannot_link_the_outbox_writes_copies(tmp_path, monkeypatch):
    def cannot(src, dst) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link", str(dst))

    monkeypatch.setattr(os, "link", cannot)
    final = tmp_path / "out" / "s" / "2026011500"
    outbox = Outbox(tmp_path / "elsewhere" / "outbox")  # its folder not made yet
    with StagedOutput(final) as staged:
        outbox.put_all(MESSAGES, on_disk=_synced(staged, MESSAGES))
        staged.commit()
    assert sorted(p.name for p in outbox.root.iterdir()) == sorted(MESSAGES)  # no leftovers
    for name, data in MESSAGES.items():
        assert (outbox.root / name).read_bytes() == data
        assert not os.path.samefile(outbox.root / name, final / "cap" / name)


def test_a_staged_file_the_outbox_links_is_replaced_never_rewritten(tmp_path):
    final = tmp_path / "out" / "s" / "2026011500"
    outbox = Outbox(tmp_path / "out" / "outbox")
    with StagedOutput(final) as staged:
        first = {"a.xml": b"<first/>"}
        outbox.put_all(first, on_disk=_synced(staged, first))
        staged.write("cap/a.xml", b"<second/>")
        staged.commit()
    assert (outbox.root / "a.xml").read_bytes() == b"<first/>"
    assert (final / "cap" / "a.xml").read_bytes() == b"<second/>"
    assert _manifest(final)["cap/a.xml"] == (9, _sha(b"<second/>"))


def test_the_manifest_describes_a_file_rewritten_through_its_path(tmp_path):
    final = tmp_path / "out" / "s" / "2026011500"
    with StagedOutput(final) as staged:
        staged.write("a.json", b"{}")
        staged.path("a.json").write_bytes(b'{"b": 1}')
        staged.commit()
    assert _manifest(final) == {"a.json": (8, _sha(b'{"b": 1}'))}

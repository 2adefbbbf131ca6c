"""Each file is decompressed once per run: the download verifies it while decompressing and keeps
the decompressed GRIB for the statistics; the manifest keeps the digest of the bytes as served."""

from __future__ import annotations

import bz2
import hashlib
import json
import os

import pytest

from pipeline.errors import InvalidDataError
from pipeline.sources.dwd import IconD2
from pipeline.sources.grib import decode_fields, decompressed_path, read_bytes
from pipeline.sources.quarantine import quarantined
from tests.sources.dwd_tree import SMALL_GRID, base_url, value, write_file, write_run

RUN = "2026011500"


@pytest.fixture
def source(loopback, tmp_path) -> IconD2:
    return IconD2(base_url(loopback.url), cache_dir=tmp_path / "cache", backoff_s=0.01)


def test_the_download_keeps_the_decompressed_grib_and_the_served_digest(source, loopback, tmp_path):
    served = write_run(loopback.root, source, RUN, ["vmax_10m"], [0, 1])
    archive = tmp_path / "archive"
    run_dir = source.fetch(RUN, archive, params=["vmax_10m"], steps=[0, 1])
    manifest = {r["path"]: r for r in json.loads((run_dir / "manifest.json").read_text())["files"]}
    for step, original in zip([0, 1], served, strict=True):
        archived = source.archive_path(archive, RUN, "vmax_10m", step)
        raw = original.read_bytes()
        assert archived.read_bytes() == raw  # the archive keeps the file as served
        assert decompressed_path(archived).read_bytes() == bz2.decompress(raw)
        record = manifest[str(archived.relative_to(run_dir))]
        assert record["sha256"] == hashlib.sha256(raw).hexdigest()
        assert record["size"] == len(raw)
    # The statistics read the copy: its values are the file's (10 + step m/s, hand-chosen).
    ds = source.open(RUN, archive, params=["vmax_10m"], steps=[0, 1]).compute()
    assert float(ds.wind_gust.values[0, 0, 0, 0]) == value("vmax_10m", 1, 0) == 11.0


def test_the_copy_is_read_instead_of_decompressing_again(tmp_path):
    """Proved by a copy that differs from the file: read_bytes returns the copy."""
    root = tmp_path / "mirror"
    source = IconD2(base_url(root.as_uri()))
    path = write_file(root, source, RUN, "vmax_10m", 3, grid=SMALL_GRID)
    other = write_file(root, source, RUN, "vmax_10m", 7, grid=SMALL_GRID)
    copy = decompressed_path(path)
    copy.parent.mkdir(parents=True)
    copy.write_bytes(bz2.decompress(other.read_bytes()))
    assert decode_fields(path)[0].values[0, 0] == value("vmax_10m", 7, 0)


def test_a_file_replaced_after_its_copy_is_decompressed_again(tmp_path):
    root = tmp_path / "mirror"
    source = IconD2(base_url(root.as_uri()))
    path = write_file(root, source, RUN, "vmax_10m", 3, grid=SMALL_GRID)
    copy = decompressed_path(path)
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"stale")
    newer = copy.stat().st_mtime_ns + 1_000_000
    os.utime(path, ns=(newer, newer))  # the file is newer than its copy by 1 ms
    assert read_bytes(path) == bz2.decompress(path.read_bytes())
    os.utime(copy, ns=(newer, newer))  # the same time: the copy is as new as the file
    assert read_bytes(path) == b"stale"


def test_a_corrupt_download_leaves_neither_file_nor_copy(source, loopback, tmp_path):
    (served,) = write_run(loopback.root, source, RUN, ["vmax_10m"], [0])
    data = bytearray(served.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    served.write_bytes(bytes(data))
    archive = tmp_path / "archive"
    with pytest.raises(InvalidDataError, match=r"icon-d2.*corrupt or truncated bz2"):
        source.fetch(RUN, archive, params=["vmax_10m"], steps=[0])
    assert [p for p in archive.rglob("*") if p.is_file()] == []


def test_quarantine_takes_the_copy_away_too(source, loopback, tmp_path):
    write_run(loopback.root, source, RUN, ["vmax_10m"], [0])
    archive = tmp_path / "archive"
    source.fetch(RUN, archive, params=["vmax_10m"], steps=[0])
    archived = source.archive_path(archive, RUN, "vmax_10m", 0)
    assert decompressed_path(archived).exists()
    with pytest.raises(InvalidDataError, match="moved to"), quarantined(archive, archived):
        raise InvalidDataError(f"{archived}: bad")
    assert not archived.exists() and not decompressed_path(archived).exists()

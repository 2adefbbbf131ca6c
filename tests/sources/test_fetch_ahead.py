"""Fetching a run's first files ahead (``crosswarn run`` starts them while it loads): over real
HTTP, every file is still requested once and decompressed once, whoever asks first; a failure
ahead is the failure of the file's own read; and what is fetched ahead is bounded."""

from __future__ import annotations

import bz2
import hashlib
import json
import os
import re
import subprocess
import sys

import pytest

from pipeline.errors import DataNotYetAvailable, InvalidDataError
from pipeline.sources import download
from pipeline.sources.dwd import IconD2
from pipeline.sources.streamed import StreamedFetch, first_reads, unread
from tests.sources.dwd_tree import base_url, write_run

RUN = "2026011500"
STEPS = list(range(49))  # the file tables need the run's whole step table


@pytest.fixture
def source(loopback, tmp_path) -> IconD2:
    return IconD2(base_url(loopback.url), cache_dir=tmp_path / "cache", backoff_s=0.01)


@pytest.fixture
def served(source, loopback):
    return write_run(loopback.root, source, RUN, ["vmax_10m", "tot_prec"], [0, 1, 2, 3])


def _path(source, archive, param, step):
    return source.archive_path(archive, RUN, param, step)


def _finish(fetching: StreamedFetch) -> None:
    """Wait until the threads fetching ahead are done (their list of files, or budget, ends)."""
    for thread in fetching._threads:
        thread.join()


def _requests_of(loopback, path) -> int:
    return sum(request.endswith(path.name) for request in loopback.requests)


def _grib(path) -> bytes:
    """The GRIB in a bz2 file, decompressed apart from the decompressions counted."""
    return bz2.BZ2Decompressor().decompress(path.read_bytes())


def test_files_fetched_ahead_are_read_without_a_second_request_or_decompression(
    source, loopback, served, tmp_path, decompressions
):
    archive = tmp_path / "archive"
    ahead = [_path(source, archive, "tot_prec", s) for s in (0, 1, 2)]
    later = _path(source, archive, "tot_prec", 3)  # not fetched ahead: its read fetches it
    with StreamedFetch(source, RUN, archive) as fetching:
        fetching.ahead(ahead, workers=2)
        _finish(fetching)
        assert len(decompressions) == 3 and len(loopback.requests) == 3
        read = {path: fetching.read(path) for path in [*ahead, later]}
    assert len(decompressions) == 4 and len(loopback.requests) == 4
    by_name = {path.name: path for path in served}
    for path in [*ahead, later]:
        assert _requests_of(loopback, path) == 1
        assert path.read_bytes() == by_name[path.name].read_bytes()  # archived as served
        assert read[path] == _grib(path)
        assert fetching.records[path].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_read_first_is_not_fetched_ahead_again(source, loopback, served, tmp_path):
    archive = tmp_path / "archive"
    first, second = (_path(source, archive, "vmax_10m", s) for s in (1, 2))
    with StreamedFetch(source, RUN, archive) as fetching:
        assert fetching.read(first) == _grib(first)
        fetching.ahead([first, second], workers=1)
        _finish(fetching)
        assert fetching.read(second) == _grib(second)
    assert _requests_of(loopback, first) == _requests_of(loopback, second) == 1


def test_fetching_ahead_stops_at_its_budget_and_when_told(source, loopback, served, tmp_path):
    archive = tmp_path / "archive"
    files = [_path(source, archive, "tot_prec", s) for s in (0, 1, 2, 3)]
    size = len(_grib_of_served(served, files[0]))  # every file of the run has this size
    with StreamedFetch(source, RUN, archive) as fetching:
        fetching.ahead(files, workers=1, max_bytes=2 * size)  # exactly two files' worth
        _finish(fetching)
        assert len(loopback.requests) == 2
    with StreamedFetch(source, RUN, tmp_path / "other") as fetching:
        fetching.stop_ahead()
        fetching.ahead(files, workers=1)
        _finish(fetching)
    assert len(loopback.requests) == 2


def _grib_of_served(served, archived) -> bytes:
    return _grib(next(p for p in served if p.name == archived.name))


def test_a_failure_ahead_is_raised_by_that_files_read(source, loopback, served, tmp_path):
    archive = tmp_path / "archive"
    corrupt, fine = (_path(source, archive, "tot_prec", s) for s in (1, 2))
    for path in served:
        if path.name == corrupt.name:
            path.write_bytes(path.read_bytes()[:-100])  # a truncated bz2 stream on the server
    with StreamedFetch(source, RUN, archive) as fetching:
        fetching.ahead([corrupt, fine], workers=1)
        _finish(fetching)
        with pytest.raises(InvalidDataError, match=rf"{corrupt.name}: corrupt or truncated bz2"):
            fetching.read(corrupt)
        # The threads left the rest to the readers; the good file is fetched when read.
        assert fetching.read(fine) == _grib(fine)
    assert not corrupt.exists()  # never archived
    assert _requests_of(loopback, corrupt) == 4  # the download's four attempts, once


def test_a_file_not_published_yet_ahead_is_reported_by_its_read(source, loopback, tmp_path):
    archive = tmp_path / "archive"
    missing = _path(source, archive, "tot_prec", 5)
    with StreamedFetch(source, RUN, archive) as fetching:
        fetching.ahead([missing], workers=1)
        _finish(fetching)
        with pytest.raises(DataNotYetAvailable, match="HTTP 404"):
            fetching.read(missing)


def test_the_first_reads_are_each_variables_first_file_then_the_accumulations(tmp_path):
    source = IconD2(base_url("http://127.0.0.1:9"))
    archive = tmp_path / "archive"
    order = first_reads(source, RUN, archive)
    names = [re.search(r"_(\d{3})_2d_(\w+)\.grib2", p.name).groups() for p in order]
    # The default variables' first needed files (accumulations from +0 h, the others from
    # +1 h, ww has no +0 h file), in the order the statistics plan their parts.
    firsts = [("000" if p in {"tot_prec", "snow_gsp", "snow_con"} else "001", p)
              for p in source.default_params]  # fmt: skip
    assert names[: len(firsts)] == firsts
    # Then the files the archive keeps but no statistic reads: the +0 h files of the
    # instantaneous variables (gust and temperature; ww has none).
    unread_files = [("000", "vmax_10m"), ("000", "t_2m")]
    kept_only = set(unread(source, RUN, archive))
    assert [n for p, n in zip(order, names, strict=True) if p in kept_only] == unread_files
    assert names[len(firsts) : len(firsts) + 2] == unread_files
    names = names[: len(firsts)] + names[len(firsts) + 2 :]
    # Then the accumulated variables' files by step (the computation starts with their
    # windows), then the others', each variable's by step (the others from +1 h: their +0 h
    # file, if any, holds no valid time the statistics read).
    accumulated = [p for p in source.default_params if source.table[p].kind == "accumulated"]
    others = [p for p in source.default_params if p not in accumulated]
    every = [(f"{s:03d}", p) for p in accumulated for s in range(49)]
    every += [(f"{s:03d}", p) for p in others for s in range(1, 49)]
    rest = [name for name in every if name not in firsts]
    assert names[len(firsts) :] == rest


def test_the_archive_completion_takes_the_records_of_files_just_fetched(
    source, loopback, served, tmp_path, monkeypatch
):
    """The fetch stage after a streamed run (``known``): the files already archived in this
    process are not hashed again, the others are fetched, and the manifest holds both."""
    archive = tmp_path / "archive"
    read = _path(source, archive, "tot_prec", 1)
    with StreamedFetch(source, RUN, archive) as fetching:
        fetching.read(read)
    hashed: list[str] = []
    real = download.record_file
    monkeypatch.setattr(
        download,
        "record_file",
        lambda url, dest, **kw: hashed.append(dest.name) or real(url, dest, **kw),
    )
    run_dir = source.fetch(
        RUN, archive, params=["vmax_10m", "tot_prec"], steps=[0, 1, 2, 3], known=fetching.records
    )
    assert read.name not in hashed and len(hashed) == len(served) - 1
    manifest = {
        r["path"]: r["sha256"] for r in json.loads((run_dir / "manifest.json").read_text())["files"]
    }
    for path in served:
        assert (
            manifest[f"{path.parent.name}/{path.name}"]
            == hashlib.sha256(path.read_bytes()).hexdigest()
        )
    assert _requests_of(loopback, read) == 1


def test_the_fetch_ahead_starts_before_eccodes_xarray_and_dask_load(tmp_path):
    """`crosswarn run` fetches its first files while the rest of crosswarn loads: making the
    source and its fetch imports neither the decoder (eccodes) nor xarray and dask, nor an HTTP
    client for a mirror on disk, nor the other sources' adapters (KNMI's loads eccodes)."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipeline.settings import Settings\n"
        "from pipeline.sources import make_source\n"
        "from pipeline.sources.streamed import StreamedFetch\n"
        "source = make_source('dwd-icon-d2', Settings())\n"
        f"with StreamedFetch(source, {RUN!r}, Path({str(tmp_path)!r})):\n"
        "    pass\n"
        "print(sorted(m for m in ('eccodes', 'xarray', 'dask', 'httpx', 'pipeline.sources.knmi',\n"
        "                         'pipeline.sources.ecmwf') if m in sys.modules))\n"
    )
    env = os.environ | {"CROSSWARN_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"


def test_a_mirror_on_disk_is_fetched_without_an_http_client(tmp_path):
    """Files under a ``file://`` base are copied: no HTTP client (and its TLS context) is made."""
    mirror = tmp_path / "mirror"
    source = IconD2(base_url(mirror.as_uri()), cache_dir=tmp_path / "cache")
    served = write_run(mirror, source, RUN, ["tot_prec"], [0, 1])
    archive = tmp_path / "archive"
    with StreamedFetch(source, RUN, archive) as fetching:
        data = fetching.read(_path(source, archive, "tot_prec", 1))
        assert fetching._client is None
    assert data == bz2.decompress(served[-1].read_bytes())


def test_files_no_statistic_reads_are_archived_ahead_without_keeping_their_grib(
    source, loopback, served, tmp_path
):
    """The archive's completion after the statistics then has nothing left to fetch."""
    archive = tmp_path / "archive"
    gust_at_start = _path(source, archive, "vmax_10m", 0)  # no valid time the statistics read
    first = _path(source, archive, "tot_prec", 0)
    with StreamedFetch(source, RUN, archive) as fetching:
        fetching.ahead([first, gust_at_start], workers=1, unread=[gust_at_start])
        _finish(fetching)
        assert gust_at_start.exists() and gust_at_start in fetching.records
        assert list(fetching._fetched_ahead) == [first]  # the unread file's GRIB is not held
        for step in (1, 2, 3):
            fetching.read(_path(source, archive, "vmax_10m", step))
        for step in (0, 1, 2, 3):
            fetching.read(_path(source, archive, "tot_prec", step))
    asked = len(loopback.requests)
    source.fetch(
        RUN, archive, params=["vmax_10m", "tot_prec"], steps=[0, 1, 2, 3], known=fetching.records
    )
    assert len(loopback.requests) == asked == len(served)
    assert _requests_of(loopback, gust_at_start) == 1

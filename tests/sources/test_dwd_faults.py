"""What goes wrong on DWD's server, and what crosswarn does about it; and run discovery.

Every fault ends in a clear error or a successful retry, and never leaves a partial or
unverified file in the archive: after each case, every ``.grib2.bz2`` in the archive decodes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.errors import (
    DataNotYetAvailable,
    InvalidDataError,
    RunRemoved,
    SourceUnavailable,
)
from pipeline.geo.grids import RegularGrid
from pipeline.sources.download import fetch, fetch_all
from pipeline.sources.dwd import IconD2
from pipeline.sources.grib import decode_fields
from tests.sources.dwd_tree import SMALL_GRID, base_url, write_file, write_run

RUN = "2026011500"


@pytest.fixture
def source(loopback, tmp_path) -> IconD2:
    return IconD2(base_url(loopback.url), cache_dir=tmp_path / "cache", backoff_s=0.01)


def _url_path(source: IconD2, loopback, step: int, run: str = RUN) -> str:
    return source.locate(run, "vmax_10m", step).removeprefix(loopback.url)


def _assert_archive_clean(archive: Path) -> list[Path]:
    """Only verified files: no temporary leftovers, every GRIB decodes."""
    leftovers = [p for p in archive.rglob(".*") if p.is_file()]
    assert leftovers == []
    files = sorted(archive.rglob("*.grib2.bz2"))
    for path in files:
        assert decode_fields(path)
    return files


def test_a_file_that_is_404_then_appears(source, loopback, tmp_path):
    write_run(loopback.root, source, RUN, ["vmax_10m"], [0, 1])
    archive = tmp_path / "archive"
    with pytest.raises(DataNotYetAvailable, match=r"1 of 3 files not published yet.*HTTP 404"):
        source.fetch(RUN, archive, params=["vmax_10m"], steps=[0, 1, 2])
    assert len(_assert_archive_clean(archive)) == 2
    assert not (archive / source.id / RUN / "manifest.json").exists()

    write_file(loopback.root, source, RUN, "vmax_10m", 2, grid=SMALL_GRID)
    source.fetch(RUN, archive, params=["vmax_10m"], steps=[0, 1, 2])
    assert len(_assert_archive_clean(archive)) == 3
    assert (archive / source.id / RUN / "manifest.json").exists()
    # The two files archived the first time were not downloaded again.
    assert loopback.requests.count(_url_path(source, loopback, 0)) == 1
    assert loopback.requests.count(_url_path(source, loopback, 2)) == 2


def test_500_twice_then_success(source, loopback, tmp_path):
    write_run(loopback.root, source, RUN, ["vmax_10m"], [0, 1])
    path = _url_path(source, loopback, 1)
    loopback.faults[path] = [500, 502]
    archive = tmp_path / "archive"
    source.fetch(RUN, archive, params=["vmax_10m"], steps=[0, 1])
    assert loopback.requests.count(path) == 3
    assert len(_assert_archive_clean(archive)) == 2


def test_server_failing_on_every_attempt_is_reported(source, loopback, tmp_path):
    write_run(loopback.root, source, RUN, ["vmax_10m"], [0, 1])
    path = _url_path(source, loopback, 1)
    loopback.faults[path] = [503] * 4
    archive = tmp_path / "archive"
    with pytest.raises(SourceUnavailable, match="server error HTTP 503"):
        source.fetch(RUN, archive, params=["vmax_10m"], steps=[0, 1])
    assert loopback.requests.count(path) == 4
    assert len(_assert_archive_clean(archive)) == 1


def test_connection_reset_mid_body_is_retried(source, loopback, tmp_path):
    (served,) = write_run(loopback.root, source, RUN, ["vmax_10m"], [5])
    path = _url_path(source, loopback, 5)
    loopback.faults[path] = ["reset"]
    record = fetch(source.locate(RUN, "vmax_10m", 5), tmp_path / "a" / served.name, backoff_s=0)
    assert loopback.requests.count(path) == 2
    assert (tmp_path / "a" / served.name).read_bytes() == served.read_bytes()
    assert record.size == served.stat().st_size


def test_timeout_is_retried(source, loopback, tmp_path):
    (served,) = write_run(loopback.root, source, RUN, ["vmax_10m"], [5])
    path = _url_path(source, loopback, 5)
    loopback.faults[path] = [("sleep", 1.0)]
    dest = tmp_path / "a" / served.name
    (record,) = fetch_all([(source.locate(RUN, "vmax_10m", 5), dest)], timeout_s=0.3, backoff_s=0)
    assert loopback.requests.count(path) == 2
    assert record.sha256 and dest.read_bytes() == served.read_bytes()


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_truncated_or_corrupt_bz2_is_never_archived(source, loopback, tmp_path, damage):
    (served,) = write_run(loopback.root, source, RUN, ["vmax_10m"], [0])
    data = bytearray(served.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    served.write_bytes(bytes(data))
    archive = tmp_path / "archive"
    with pytest.raises(InvalidDataError, match=r"corrupt or truncated bz2.*download it again"):
        source.fetch(RUN, archive, params=["vmax_10m"], steps=[0])
    assert _assert_archive_clean(archive) == []


def test_grib_truncated_inside_a_valid_bz2_is_never_archived(source, loopback, tmp_path):
    import bz2

    (served,) = write_run(loopback.root, source, RUN, ["vmax_10m"], [0])
    served.write_bytes(bz2.compress(bz2.decompress(served.read_bytes())[:-100]))
    archive = tmp_path / "archive"
    with pytest.raises(InvalidDataError, match="is truncated"):
        source.fetch(RUN, archive, params=["vmax_10m"], steps=[0])
    assert _assert_archive_clean(archive) == []


OTHER_GRID = RegularGrid(lat0=49.0, lon0=2.0, dlat=0.5, dlon=0.5, nlat=15, nlon=20)


def _quarantine_then_refetch(
    source, loopback, tmp_path, bad: Path, step: int, match: str, steps=(0, 1, 2)
):
    """The bad file fails with its own name, leaves the archive for the quarantine with its
    reason, and once the server serves a good file the next fetch and open succeed with the
    values of a clean run."""
    archive, steps = tmp_path / "archive", list(steps)
    source.fetch(RUN, archive, params=["vmax_10m"], steps=steps)
    archived = source.archive_path(archive, RUN, "vmax_10m", step)
    with pytest.raises(InvalidDataError, match=rf"{bad.name}: {match}.*moved to .*quarantine"):
        source.open(RUN, archive, params=["vmax_10m"], steps=steps).compute()
    assert not archived.exists()
    kept = archive / "quarantine" / archived.relative_to(archive)
    assert (
        kept.exists()
        and "fetched again" not in kept.with_name(kept.name + ".reason.txt").read_text()
    )
    write_file(loopback.root, source, RUN, "vmax_10m", step, grid=SMALL_GRID)  # server fixed
    source.fetch(RUN, archive, params=["vmax_10m"], steps=steps)
    ds = source.open(RUN, archive, params=["vmax_10m"], steps=steps).compute()
    assert ds.wind_gust.values[0, :, 0, 0].tolist() == [10.0 + s for s in steps[1:]]


def test_grib_on_the_wrong_grid_is_named_and_quarantined(source, loopback, tmp_path):
    write_run(loopback.root, source, RUN, ["vmax_10m"], [0, 1])
    bad = write_file(loopback.root, source, RUN, "vmax_10m", 2, grid=OTHER_GRID)
    _quarantine_then_refetch(source, loopback, tmp_path, bad, 2, r"grid 15 x 20 .* differs from")


def test_a_bad_first_file_is_the_one_named_not_the_good_ones(source, loopback, tmp_path):
    """The first file sets the run's grid: when it is the odd one, the others say so."""
    write_run(loopback.root, source, RUN, ["vmax_10m"], [0, 2, 3])
    bad = write_file(loopback.root, source, RUN, "vmax_10m", 1, grid=OTHER_GRID)
    _quarantine_then_refetch(
        source, loopback, tmp_path, bad, 1, r"grid .* differs from", steps=(0, 1, 2, 3)
    )


def test_a_file_of_another_run_is_quarantined(source, loopback, tmp_path):
    write_run(loopback.root, source, RUN, ["vmax_10m"], [0, 1])
    bad = write_file(loopback.root, source, RUN, "vmax_10m", 2, grid=SMALL_GRID)
    other_run = write_file(loopback.root, source, "2026011503", "vmax_10m", 2, grid=SMALL_GRID)
    shutil.copyfile(other_run, bad)
    _quarantine_then_refetch(source, loopback, tmp_path, bad, 2, r"holds run 2026011503")


def test_a_missing_step_in_the_archive_is_named(source, loopback, tmp_path):
    write_run(loopback.root, source, RUN, ["vmax_10m"], [0, 1, 2])
    archive = tmp_path / "archive"
    source.fetch(RUN, archive, params=["vmax_10m"], steps=[0, 1, 2])
    source.archive_path(archive, RUN, "vmax_10m", 1).unlink()
    with pytest.raises(InvalidDataError, match=r"1 file\(s\) of vmax_10m missing.*_001_"):
        source.open(RUN, archive, params=["vmax_10m"], steps=[0, 1, 2])


def test_a_run_deleted_while_downloading(source, loopback, tmp_path):
    """DWD replaces the 00 UTC run by the next day's while we download: a clear, final error."""
    steps = [0, 1, 2, 3, 4, 5]
    write_run(loopback.root, source, RUN, ["vmax_10m"], steps)
    folder = loopback.root / "weather/nwp/icon-d2/grib/00/vmax_10m"

    def replace_run() -> None:
        shutil.rmtree(folder)
        write_run(loopback.root, source, "2026011600", ["vmax_10m"], steps)

    loopback.faults[_url_path(source, loopback, 3)] = [replace_run]
    archive = tmp_path / "archive"
    with pytest.raises(RunRemoved, match=r"2026011500 is no longer on .* newest run .*2026011600"):
        source.fetch(RUN, archive, params=["vmax_10m"], steps=steps, workers=1)
    kept = _assert_archive_clean(archive)
    assert [p.name.split("_")[5] for p in kept] == ["000", "001", "002"]
    assert not (archive / source.id / RUN / "manifest.json").exists()


# -- discovery ------------------------------------------------------------------------------


def _listing_tree(loopback, source, runs: dict[str, list[int]]) -> None:
    """Name-only files: discovery reads directory listings, not contents."""
    for run, steps in runs.items():
        for step in steps:
            relative = source.locate(run, "vmax_10m", step).removeprefix(source.base_url + "/")
            dest = loopback.root / "weather" / "nwp" / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.touch()


def test_latest_complete_run_skips_one_still_being_published(source, loopback):
    _listing_tree(
        loopback,
        source,
        {"2026011421": list(range(49)), "2026011500": list(range(49)), "2026011503": range(21)},
    )
    assert source.available_runs(["vmax_10m"]) == ["2026011421", "2026011500", "2026011503"]
    status = source.run_status("2026011503", ["vmax_10m"])
    assert not status.complete and len(status.missing) == 28
    assert status.missing[0].endswith("_2026011503_021_2d_vmax_10m.grib2.bz2")
    assert "28 of 49 files not listed yet" in status.describe()
    assert source.latest_complete_run(["vmax_10m"]) == "2026011500"
    # A pinned run is always accepted: its status is reported, never replaced by "the latest".
    assert source.run_status("2026011421", ["vmax_10m"]).complete


def test_no_complete_run_says_what_is_missing(source, loopback):
    _listing_tree(loopback, source, {"2026011503": range(10)})
    with pytest.raises(DataNotYetAvailable, match="39 of 49 files not listed yet"):
        source.latest_complete_run(["vmax_10m"])


def test_discovery_works_on_a_file_mirror(tmp_path):
    mirror = tmp_path / "mirror"
    source = IconD2(f"file://{mirror}")
    folder = mirror / "icon-d2/grib/00/vmax_10m"
    folder.mkdir(parents=True)
    for step in range(49):
        (folder / source.file_name(RUN, "vmax_10m", step)).touch()
    assert source.latest_complete_run(["vmax_10m"]) == RUN


def test_unreachable_server_is_a_clear_error(tmp_path):
    source = IconD2("http://127.0.0.1:9", backoff_s=0)  # the discard port: nothing listens
    with pytest.raises(SourceUnavailable, match=r"127\.0\.0\.1:9"):
        source.available_runs()


def test_odd_listing_entries_are_skipped_not_fatal(tmp_path, caplog):
    """A file named for 31 February, one for a run off the 3-hourly cycle, and a stray name:
    the listing still yields the real run."""
    mirror = tmp_path / "mirror"
    source = IconD2(f"file://{mirror}")
    folder = mirror / "icon-d2/grib/00/vmax_10m"
    folder.mkdir(parents=True)
    for step in range(49):
        (folder / source.file_name(RUN, "vmax_10m", step)).touch()
    for odd in ("2026023100", "2026011501"):
        (folder / source.file_name(odd, "vmax_10m", 0)).touch()
    (folder / "README.txt").touch()
    assert source.available_runs(["vmax_10m"]) == [RUN]
    assert source.latest_complete_run(["vmax_10m"]) == RUN
    skipped = {r.getMessage() for r in caplog.records if "skipping listing entry" in r.getMessage()}
    assert len(skipped) == 2

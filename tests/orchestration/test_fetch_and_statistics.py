"""Fetch and statistics in one pass (``crosswarn run``): each file is decompressed once, decoded
from memory without a decompressed copy on disk, and the results, archive and manifest are
those of the two stages run apart."""

from __future__ import annotations

import hashlib
import json

import pytest

from pipeline.errors import DataNotYetAvailable
from pipeline.orchestration import stages
from pipeline.settings import Settings
from pipeline.sources import grib
from pipeline.sources.dwd import IconD2
from pipeline.sources.streamed import fetching_ahead, first_reads
from tests.sources.dwd_tree import base_url, write_run

RUN = "2026011500"
SOURCE = "dwd-icon-d2"


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """A complete ICON-D2 run (its default variables x 49 steps) on a 0.25° grid."""
    root = tmp_path_factory.mktemp("www")
    source = IconD2(base_url(root.as_uri()))
    served = write_run(root, source, RUN, list(source.default_params), list(range(49)))
    return root, served


def _settings(mirror, tmp_path, name: str) -> Settings:
    root, _ = mirror
    return Settings(
        dwd_base_url=base_url(root.as_uri()),
        archive_dir=tmp_path / name / "archive",
        work_dir=tmp_path / name / "work",
        out_dir=tmp_path / name / "out",
        cache_dir=tmp_path / "cache",
    )


def _two_stages(mirror, tmp_path) -> Settings:
    """The settings of the run fetched, then its statistics computed, as two stages."""
    apart = _settings(mirror, tmp_path, "apart")
    stages.fetch(SOURCE, RUN, apart)
    stages.statistics(SOURCE, RUN, apart)
    return apart


def test_one_pass_decompresses_each_file_once_and_equals_the_two_stages(
    mirror, tmp_path, decompressions
):
    _, served = mirror
    apart = _two_stages(mirror, tmp_path)
    decompressions.clear()

    together = _settings(mirror, tmp_path, "together")
    target = stages.fetch_and_statistics(SOURCE, RUN, together)

    assert len(decompressions) == len(served) == 293  # 6 variables x 49 steps, no ww at +0 h
    expected = (apart.work_dir / SOURCE / RUN / "statistics.nc").read_bytes()
    assert target == str(together.work_dir / SOURCE / RUN / "statistics.nc")
    assert (together.work_dir / SOURCE / RUN / "statistics.nc").read_bytes() == expected
    # Decompressed copies only of the files no statistic reads: the extremes and instants at
    # +0 h (gust and temperature; ww has no +0 h file), which the fetch stage archives.
    run_dir = together.archive_dir / SOURCE / RUN
    copies = sorted(p.name for p in run_dir.rglob(f"{grib.DECOMPRESSED}/*"))
    assert copies == [
        f"icon-d2_germany_regular-lat-lon_single-level_{RUN}_000_2d_t_2m.grib2",
        f"icon-d2_germany_regular-lat-lon_single-level_{RUN}_000_2d_vmax_10m.grib2",
    ]
    manifest = {r["path"]: r for r in json.loads((run_dir / "manifest.json").read_text())["files"]}
    assert len(manifest) == 293
    for path in served:
        record = manifest[f"{path.parent.name}/{path.name}"]
        assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert (run_dir / record["path"]).read_bytes() == path.read_bytes()


def test_files_fetched_ahead_are_decompressed_once_too(mirror, tmp_path, decompressions):
    """As ``crosswarn run`` does: the first files are fetched while the process loads."""
    _, served = mirror
    apart = _two_stages(mirror, tmp_path)
    decompressions.clear()

    ahead = _settings(mirror, tmp_path, "ahead")
    fetching = fetching_ahead(SOURCE, RUN, ahead)
    for thread in fetching._threads:  # all of them fetched ahead before the stage starts
        thread.join()
    assert len(decompressions) == len(first_reads(fetching.source, RUN, ahead.archive_dir))
    stages.fetch_and_statistics(SOURCE, RUN, ahead, fetching=fetching)

    assert len(decompressions) == len(served) == 293
    statistics = f"{SOURCE}/{RUN}/statistics.nc"
    assert (ahead.work_dir / statistics).read_bytes() == (apart.work_dir / statistics).read_bytes()
    run_dir = ahead.archive_dir / SOURCE / RUN
    manifest = {r["path"]: r for r in json.loads((run_dir / "manifest.json").read_text())["files"]}
    for path in served:
        record = manifest[f"{path.parent.name}/{path.name}"]
        assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_files_already_archived_are_read_from_their_copies(mirror, tmp_path, decompressions):
    settings = _settings(mirror, tmp_path, "again")
    stages.fetch(SOURCE, RUN, settings)  # every file archived, each with its decompressed copy
    decompressions.clear()
    stages.fetch_and_statistics(SOURCE, RUN, settings)
    assert decompressions == []


def test_a_missing_file_is_reported_as_the_fetch_stage_reports_it(mirror, tmp_path):
    _, served = mirror
    settings = _settings(mirror, tmp_path, "missing")
    gone = served[100]
    kept = gone.read_bytes()
    gone.unlink()
    try:
        with pytest.raises(DataNotYetAvailable, match=r"^1 of 293 files not published yet"):
            stages.fetch_and_statistics(SOURCE, RUN, settings)
    finally:
        gone.write_bytes(kept)
    assert not (settings.work_dir / SOURCE / RUN / "statistics.nc").exists()

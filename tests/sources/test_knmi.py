"""KNMI HARMONIE-AROME through a loopback mimic of the KNMI Data Platform Open Data API.

The contract (list -> temporary URL -> download, key in the Authorization header only for the
API), table 253 decoding of every mapped parameter, and the faults: not yet published, 5xx then
success, connection reset, truncated tar, wrong grid, missing step, and 429 with Retry-After.
Every fault ends in a clear error or a successful retry and leaves nothing partial behind.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from pipeline.errors import (
    ConfigError,
    DataNotYetAvailable,
    InvalidDataError,
    InvalidGridError,
    SourceUnavailable,
)
from pipeline.geo.grids import RegularGrid
from pipeline.sources.grib import decode_fields
from tests.sources.knmi_api import (
    API_KEY,
    SmallHarmonie,
    archive_files,
    run_tar,
    serve,
    step_file,
    tar_path,
    url_path,
)

RUN = "2026071802"
STEPS = range(4)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def _source(base: str, sleeps: list[float], key: str | None = API_KEY) -> SmallHarmonie:
    return SmallHarmonie(base, key, backoff_s=0.01, sleep=sleeps.append)


def _assert_clean(archive) -> list:
    """No temporary or staging leftovers; every archived file decodes."""
    files = archive_files(archive)
    assert [p for p in files if any(part.startswith(".") for part in p.parts[-3:])] == []
    for path in files:
        if path.suffix == ".grib":
            assert decode_fields(path)
    return files


def test_list_url_download_and_every_mapped_parameter(loopback, tmp_path, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    base = serve(loopback, {RUN: run_tar(RUN, STEPS), "2026071801": run_tar("2026071801", [0])})
    source = _source(base, sleeps)
    assert source.available_runs() == ["2026071801", RUN]
    assert source.run_status(RUN).complete
    assert not source.run_status("2026071803").complete

    archive = tmp_path / "archive"
    run_dir = source.fetch(RUN, archive, params=["u10m", "v10m"])
    # The defaults come with any request (one tar serves them all); gusts from +1 h only.
    names = {p.relative_to(run_dir).parts[0] for p in _assert_clean(archive) if p.suffix == ".grib"}
    assert names == {"gust", "precipitation", "t2m", "u10m", "v10m"}
    assert not (run_dir / "gust" / f"HA43_N20_{RUN}00_00000_GB_gust.grib").exists()
    manifest = (run_dir / "manifest.json").read_text()
    assert f"HARM43_V1_P1_{RUN}.tar#HA43_N20_{RUN}00_00300_GB" in manifest

    # The key went to the API only, never to the pre-signed download, and was never logged.
    for path, headers in loopback.seen:
        expected = None if path.startswith("/s3/") else API_KEY
        assert headers.get("Authorization") == expected, path
    assert API_KEY not in caplog.text
    assert API_KEY not in manifest and API_KEY not in repr(source)
    assert "presigned" not in caplog.text  # the signed query is a credential too

    ds = source.open(RUN, archive, params=["gust", "precipitation", "t2m", "u10m", "v10m"])
    assert ds.sizes == {"member": 1, "valid_time": 3, "latitude": 390, "longitude": 390}
    assert ds.latitude.values[0] == 49.0 and ds.longitude.values[-1] == pytest.approx(11.281)
    ds = ds.compute()
    # Gust speed = |(12 + s, 16)|: 20.62 m/s at +1 h, 21.26 at +2 h, 21.93 at +3 h.
    np.testing.assert_allclose(
        ds.wind_gust.values[0, :, 5, 5], [np.hypot(13, 16), np.hypot(14, 16), np.hypot(15, 16)],
        atol=0.01,
    )  # fmt: skip
    assert ds.interval_hours.values.tolist() == [1, 1, 1]
    # 2 m temperature: 280.15 K on the southern row is 7 °C; +0.01 K per row northwards.
    t2m = ds.air_temperature.values[0, 0]
    assert t2m[0, 0] == pytest.approx(7.0, abs=0.01)
    assert t2m[389, 200] == pytest.approx(7.0 + 3.89, abs=0.01)
    # Precipitation accumulates 2 mm per hour: 2 mm in any hour, 6 mm over +0..+3 h.
    assert np.allclose(ds.precipitation_1h.values, 2.0, atol=0.01)
    assert ds.precipitation_3h.values[0, -1, 0, 0] == pytest.approx(6.0, abs=0.01)
    assert np.isnan(ds.precipitation_3h.values[0, 0]).all()  # +1 h: window starts before +0 h
    assert np.allclose(ds.eastward_wind.values, 3.0) and np.allclose(ds.northward_wind, -4.0)
    assert ds.attrs["attribution"].startswith("Source: KNMI")

    # Idempotent: archived runs are not downloaded again.
    before = len(loopback.requests)
    source.fetch(RUN, archive)
    assert len(loopback.requests) == before


def test_no_key_is_a_clear_configuration_error(loopback, tmp_path, sleeps):
    base = serve(loopback, {RUN: run_tar(RUN, STEPS)})
    with pytest.raises(ConfigError, match=r"CROSSWARN_KNMI_API_KEY.*knmi_open_data"):
        _source(base, sleeps, key=None).fetch(RUN, tmp_path / "archive")
    with pytest.raises(ConfigError, match=r"HTTP 403.*API key"):
        _source(base, sleeps, key="wrong").fetch(RUN, tmp_path / "archive")
    assert archive_files(tmp_path / "archive") == []


def test_run_not_yet_published_then_published(loopback, tmp_path, sleeps):
    base = serve(loopback, {}, runs=(RUN,))
    source = _source(base, sleeps)
    with pytest.raises(DataNotYetAvailable, match=r"HARM43_V1_P1_2026071802\.tar.*HTTP 404"):
        source.fetch(RUN, tmp_path / "archive")
    assert archive_files(tmp_path / "archive") == []
    serve(loopback, {RUN: run_tar(RUN, STEPS)})
    source.fetch(RUN, tmp_path / "archive")
    # gust +1..+3 h, t2m +1..+3 h, precipitation +0..+3 h (windows need +0 h); the manifest
    assert len(_assert_clean(tmp_path / "archive")) == 3 + 3 + 4 + 1


def test_server_errors_resets_and_rate_limits_are_retried(loopback, tmp_path, sleeps):
    base = serve(loopback, {RUN: run_tar(RUN, STEPS)})
    loopback.faults[url_path(RUN)] = [503, (429, {"Retry-After": "7"})]
    loopback.faults[tar_path(RUN)] = ["reset", 502]
    _source(base, sleeps).fetch(RUN, tmp_path / "archive")
    assert 7.0 in sleeps  # the server's Retry-After, not our shorter backoff
    assert len(_assert_clean(tmp_path / "archive")) == 11


def test_a_long_retry_after_is_left_to_the_scheduler(loopback, tmp_path, sleeps):
    base = serve(loopback, {RUN: run_tar(RUN, STEPS)})
    loopback.faults[url_path(RUN)] = [(429, {"Retry-After": "3600"})]
    with pytest.raises(SourceUnavailable, match=r"HTTP 429.*3600 s"):
        _source(base, sleeps).fetch(RUN, tmp_path / "archive")
    assert sleeps == []
    assert archive_files(tmp_path / "archive") == []


def test_truncated_tar_is_retried_then_reported(loopback, tmp_path, sleeps):
    data = run_tar(RUN, STEPS)
    base = serve(loopback, {RUN: data[: len(data) * 2 // 3]})
    source = _source(base, sleeps)
    with pytest.raises(
        InvalidDataError, match=r"HARM43_V1_P1_2026071802\.tar: (truncated|.*missing)"
    ):
        source.fetch(RUN, tmp_path / "archive")
    assert len(sleeps) == source.attempts - 1
    assert archive_files(tmp_path / "archive") == []


def test_missing_step_archives_nothing(loopback, tmp_path, sleeps):
    base = serve(loopback, {RUN: run_tar(RUN, [0, 1, 3])})
    with pytest.raises(
        InvalidDataError, match=r"1 lead time\(s\) missing.*HA43_N20_202607180200_00200_GB"
    ):
        _source(base, sleeps).fetch(RUN, tmp_path / "archive")
    assert archive_files(tmp_path / "archive") == []


def test_missing_parameter_names_the_tar_member(loopback, tmp_path, sleeps):
    files = {2: step_file(RUN, 2, drop=163)}
    base = serve(loopback, {RUN: run_tar(RUN, STEPS, files=files)})
    with pytest.raises(
        InvalidDataError, match=r"00200_GB: 1 message\(s\) of gust.*indicatorOfParameter=163"
    ):
        _source(base, sleeps).fetch(RUN, tmp_path / "archive")
    assert archive_files(tmp_path / "archive") == []


def test_wrong_grid_is_refused_when_opened(loopback, tmp_path, sleeps):
    other = RegularGrid(lat0=49.0, lon0=0.0, dlat=0.036, dlon=0.058, nlat=195, nlon=195)
    files = {s: step_file(RUN, s, grid=other) for s in STEPS}
    base = serve(loopback, {RUN: run_tar(RUN, STEPS, files=files)})
    source = _source(base, sleeps)
    source.fetch(RUN, tmp_path / "archive")
    with pytest.raises(InvalidGridError, match=r"195 x 195.*knmi-harmonie is on 390 x 390"):
        source.open(RUN, tmp_path / "archive")

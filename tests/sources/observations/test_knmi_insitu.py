"""KNMI 10-minute in-situ observations through a loopback mimic of the Open Data API.

Files in the real layout (dims station x time, WIGOS station ids, NaN for missing) for the
window (00:00, 02:00]: twelve files, 00:10 ... 02:00. Values per station s (0, 1) and step k
(0 ... 11 from 00:10): fx = 10 + s + k, tx = 5 + 0.1 k, tn = 3 - 0.1 k, ta = 4 + 0.1 k,
rg = 6 mm/h (1 mm per 10 minutes), R1H = 7.5 + s at the full hours only.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import netCDF4
import numpy as np
import pandas as pd
import pytest

from pipeline.errors import ConfigError, DataNotYetAvailable, InvalidDataError
from pipeline.files import LEFTOVER
from pipeline.settings import Settings
from pipeline.sources.observations.archive import Retry
from pipeline.sources.observations.knmi_insitu import fetch_observations
from pipeline.verification.observed import check_observations

API_KEY = "knmi-insitu-test-key-42"
API_ROOT = "/open-data/v1"
DATASET = "10-minute-in-situ-meteorological-observations"
START = datetime(2026, 1, 15, 0, tzinfo=UTC)
END = datetime(2026, 1, 15, 2, tzinfo=UTC)
STEPS = pd.date_range("2026-01-15 00:10", "2026-01-15 02:00", freq="10min", tz=UTC)
#: De Bilt, Schiphol, and Hato (Curaçao: outside the bounds).
STATIONS = [("0-20000-0-06260", "De Bilt", 52.1, 5.18), ("0-20000-0-06240", "Schiphol", 52.32,
            4.79), ("0-20000-0-78990", "Hato", 12.19, -68.96)]  # fmt: skip


def write_file(path: Path, when: pd.Timestamp, k: int, *, drop: str | None = None) -> None:
    """One 10-minute file in KNMI's layout."""
    with netCDF4.Dataset(path, "w") as ds:
        ds.createDimension("station", len(STATIONS))
        ds.createDimension("time", 1)
        for name, column in (("station", 0), ("stationname", 1)):
            var = ds.createVariable(name, str, ("station",))
            for i, row in enumerate(STATIONS):
                var[i] = row[column]
        for name, column in (("lat", 2), ("lon", 3)):
            ds.createVariable(name, "f8", ("station",))[:] = [row[column] for row in STATIONS]
        time = ds.createVariable("time", "f8", ("time",))
        time.units = "seconds since 1950-01-01 00:00:00"
        time[:] = [(when - pd.Timestamp("1950-01-01", tz=UTC)).total_seconds()]
        s = np.arange(len(STATIONS), dtype=float)
        fields = {
            "fx": 10 + s + k, "gff": 30 + s, "tx": 5 + 0.1 * k + 0 * s,
            "tn": 3 - 0.1 * k + 0 * s, "ta": 4 + 0.1 * k + 0 * s, "rg": 6 + 0 * s,
            "R1H": 7.5 + s if when.minute == 0 else np.full_like(s, np.nan), "ff": 5 + s,
        }  # fmt: skip
        for name, values in fields.items():
            if name != drop:
                var = ds.createVariable(name, "f8", ("station", "time"), fill_value=np.nan)
                var[:] = values[:, None]


def serve(loopback, files: dict[str, bytes]) -> str:
    """The Open Data API for ``files`` (name -> bytes): 403 without the key, 404 for a file
    not published; downloads from a pre-signed /s3/ URL that needs no key."""
    store = loopback.root / "s3"
    store.mkdir(exist_ok=True)
    for name, data in files.items():
        (store / name).write_bytes(data)
    base = f"{API_ROOT}/datasets/{DATASET}/versions/1.0/files"

    def url_route(name: str):
        def answer(handler):
            if handler.headers.get("Authorization") != API_KEY:
                return 403, {}, b'{"error": "forbidden"}'
            if not (store / name).exists():
                return 404, {}, b'{"error": "file not found"}'
            body = {"temporaryDownloadUrl": f"{loopback.url}/s3/{name}?X-Amz-Signature=secret"}
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

        return answer

    for when in STEPS:
        name = f"KMDS__OPER_P___10M_OBS_L2_{when:%Y%m%d%H%M}.nc"
        loopback.routes[f"{base}/{name}/url"] = url_route(name)
    return loopback.url + API_ROOT


def _files(tmp_path: Path, **kwargs) -> dict[str, bytes]:
    out = {}
    for k, when in enumerate(STEPS):
        path = tmp_path / f"KMDS__OPER_P___10M_OBS_L2_{when:%Y%m%d%H%M}.nc"
        write_file(path, when, k, **kwargs)
        out[path.name] = path.read_bytes()
    return out


def _fetch(base: str, tmp_path: Path, sleeps: list | None = None, key: str | None = API_KEY):
    settings = Settings(knmi_base_url=base, knmi_api_key=key, archive_dir=tmp_path / "archive")
    retry = Retry(backoff_s=0.01, sleep=(sleeps if sleeps is not None else []).append)
    return fetch_observations(settings, START, END, retry=retry)


def test_hourly_values_from_the_six_files_of_each_hour(loopback, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    base = serve(loopback, _files(tmp_path))
    result = _fetch(base, tmp_path)
    check_observations(result, "knmi-insitu")

    value = result.set_index(["station", "variable", result["time"].dt.hour])["value"]
    assert set(result["station"]) == {"06260", "06240"}  # Hato is outside the bounds
    assert value["06260", "wind_gust", 1] == pytest.approx(15.0)  # fx of k = 0..5, max at 5
    assert value["06240", "wind_gust", 2] == pytest.approx(22.0)  # 10 + 1 + 11
    assert value["06260", "air_temperature_max", 2] == pytest.approx(6.1)
    assert value["06260", "air_temperature_min", 2] == pytest.approx(1.9)
    assert value["06260", "air_temperature", 1] == pytest.approx(4.5)  # ta at 01:00 (k = 5)
    assert value["06240", "precipitation_1h", 2] == pytest.approx(8.5)  # R1H at 02:00
    assert len(result) == 2 * 2 * 5
    assert result.loc[result["station"] == "06260", "name"].iloc[0] == "De Bilt"

    # The key went to the API only, never to the pre-signed download, and was never logged.
    for path, headers in loopback.seen:
        assert headers.get("Authorization") == (None if path.startswith("/s3/") else API_KEY)
    assert API_KEY not in caplog.text and "secret" not in caplog.text
    manifest = next((tmp_path / "archive").rglob("manifest.json")).read_text()
    assert manifest.count('"sha256"') == 12 and "X-Amz" not in manifest


def test_rerun_downloads_nothing_again(loopback, tmp_path):
    base = serve(loopback, _files(tmp_path))
    first = _fetch(base, tmp_path)
    asked = len(loopback.requests)
    pd.testing.assert_frame_equal(first, _fetch(base, tmp_path))
    assert len(loopback.requests) == asked


def test_fallbacks_gff_for_fx_and_rain_gauge_for_r1h(loopback, tmp_path):
    files = _files(tmp_path, drop="fx")
    for when in STEPS:  # no R1H anywhere: the six rg give 1 mm each
        name = f"KMDS__OPER_P___10M_OBS_L2_{when:%Y%m%d%H%M}.nc"
        path = tmp_path / name
        with netCDF4.Dataset(path, "a") as ds:
            ds.variables["R1H"][:] = np.nan
        files[name] = path.read_bytes()
    result = _fetch(serve(loopback, files), tmp_path)
    value = result.set_index(["station", "variable", result["time"].dt.hour])["value"]
    assert value["06240", "wind_gust", 1] == pytest.approx(31.0)
    assert value["06260", "precipitation_1h", 2] == pytest.approx(6.0)


def test_missing_file_leaves_its_hour_without_extremes(loopback, tmp_path):
    files = _files(tmp_path)
    del files[f"KMDS__OPER_P___10M_OBS_L2_{STEPS[2]:%Y%m%d%H%M}.nc"]  # 00:30
    result = _fetch(serve(loopback, files), tmp_path)
    hour1 = result[result["time"].dt.hour == 1]
    assert set(hour1["variable"]) == {"air_temperature", "precipitation_1h"}
    assert (result["time"].dt.hour == 2).sum() == 10


def test_last_file_not_published_yet(loopback, tmp_path):
    files = _files(tmp_path)
    del files[f"KMDS__OPER_P___10M_OBS_L2_{STEPS[-1]:%Y%m%d%H%M}.nc"]
    with pytest.raises(DataNotYetAvailable, match=r"202601150200\.nc is not published yet"):
        _fetch(serve(loopback, files), tmp_path)


def test_server_error_then_success_and_truncated_file(loopback, tmp_path):
    files = _files(tmp_path)
    name = f"KMDS__OPER_P___10M_OBS_L2_{STEPS[0]:%Y%m%d%H%M}.nc"
    base = serve(loopback, files)
    loopback.faults[f"{API_ROOT}/datasets/{DATASET}/versions/1.0/files/{name}/url"] = [503]
    loopback.faults[f"/s3/{name}"] = ["reset"]
    sleeps: list[float] = []
    assert not _fetch(base, tmp_path, sleeps).empty
    assert len(sleeps) == 2

    broken = f"KMDS__OPER_P___10M_OBS_L2_{STEPS[3]:%Y%m%d%H%M}.nc"
    (loopback.root / "s3" / broken).write_bytes(files[broken][:500])
    other = tmp_path / "other"
    with pytest.raises(InvalidDataError, match=f"{broken}: truncated or not a NetCDF"):
        _fetch(base, other)
    archived = [p for p in (other / "archive").rglob("*") if p.is_file()]
    assert not [p for p in archived if p.name == broken or LEFTOVER.match(p.name)]


def test_without_a_key_says_how_to_set_one(loopback, tmp_path):
    with pytest.raises(ConfigError, match="CROSSWARN_KNMI_API_KEY"):
        _fetch(serve(loopback, {}), tmp_path, key=None)

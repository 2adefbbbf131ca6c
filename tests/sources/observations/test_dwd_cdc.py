"""DWD CDC station observations: a mirror written by write_cdc_mirror, served over loopback.

Three stations: Aachen and Köln inside the default bounds, Berlin outside (never downloaded).
Hourly values with one decimal (the precision of the CDC files) for 00:00-04:00 UTC; the
window (00:00, 03:00] returns the hours 01, 02 and 03.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import InvalidDataError
from pipeline.files import LEFTOVER
from pipeline.settings import Settings
from pipeline.sources.observations import OBSERVATION_SOURCES
from pipeline.sources.observations.archive import Retry
from pipeline.sources.observations.dwd_cdc import fetch_observations, write_cdc_mirror
from pipeline.verification.observed import COLUMNS, check_observations

START = datetime(2026, 1, 15, 0, tzinfo=UTC)
END = datetime(2026, 1, 15, 3, tzinfo=UTC)
STATIONS = pd.DataFrame(
    {
        "station": [3, 2667, 433],
        "name": ["Aachen", "Köln/Bonn", "Berlin-Tempelhof"],
        "lat": [50.7827, 50.8646, 52.4675],
        "lon": [6.0941, 7.1575, 13.4021],
        "height": [202.0, 92.0, 48.0],
    }
)
VARIABLES = {
    "wind_gust": 20.0, "precipitation_1h": 1.5, "air_temperature": 4.0,
    "air_temperature_max": 4.5, "air_temperature_min": 3.5,
}  # fmt: skip


def _observations() -> pd.DataFrame:
    rows = []
    for i, station in STATIONS.iterrows():
        for hour in range(5):
            for variable, base in VARIABLES.items():
                rows.append({
                    "source": "dwd-cdc", "station": f"{station['station']:05d}",
                    "name": station["name"], "lat": station["lat"], "lon": station["lon"],
                    "time": pd.Timestamp(2026, 1, 15, hour, tz=UTC), "variable": variable,
                    "value": round(base + i + 0.1 * hour, 1),
                })  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _settings(base: str, tmp_path) -> Settings:
    return Settings(dwd_cdc_base_url=base, archive_dir=tmp_path / "archive")


def _fetch(settings, sleeps=None):
    retry = Retry(backoff_s=0.01, sleep=(sleeps if sleeps is not None else []).append)
    return fetch_observations(settings, START, END, retry=retry)


def _expected(obs: pd.DataFrame) -> pd.DataFrame:
    keep = (obs["time"] > START) & (obs["time"] <= END) & (obs["station"] != "00433")
    expected = obs[keep].astype({"time": "datetime64[ns, UTC]"})
    return expected.sort_values(["station", "variable", "time"], ignore_index=True)


def _archive_files(tmp_path) -> list:
    return sorted(p for p in (tmp_path / "archive").rglob("*") if p.is_file())


def test_round_trip_over_loopback_keeps_values_and_bounds(loopback, tmp_path):
    obs = _observations()
    write_cdc_mirror(loopback.root, STATIONS, obs)
    result = _fetch(_settings(loopback.url, tmp_path))

    pd.testing.assert_frame_equal(result, _expected(obs), check_exact=False, atol=1e-9)
    check_observations(result, "dwd-cdc")
    assert str(result["time"].dt.tz) == "UTC"
    assert not any("00433" in path for path in loopback.requests)  # outside: never fetched
    # "now" covers the window: "recent" of the 10-minute datasets is never asked for.
    assert not any("10_minutes" in p and "/recent" in p for p in loopback.requests)
    manifest = next((tmp_path / "archive").rglob("manifest.json")).read_text()
    assert "10minutenwerte_extrema_wind_00003_now.zip" in manifest
    assert "sha256" in manifest and "stundenwerte_RR_02667_akt.zip" in manifest
    assert OBSERVATION_SOURCES["dwd-cdc"] is fetch_observations


def test_rerun_reads_the_archive_without_asking_again(loopback, tmp_path):
    write_cdc_mirror(loopback.root, STATIONS, _observations())
    settings = _settings(loopback.url, tmp_path)
    first = _fetch(settings)
    asked = len(loopback.requests)
    again = _fetch(settings)
    pd.testing.assert_frame_equal(first, again)
    assert len(loopback.requests) == asked  # not even a directory listing


def test_missing_values_and_incomplete_hours_give_no_rows(loopback, tmp_path):
    obs = _observations()
    gone = (obs["station"] == "00003") & (obs["time"].dt.hour == 2)
    obs.loc[gone & obs["variable"].isin(["wind_gust", "precipitation_1h"]), "value"] = np.nan
    write_cdc_mirror(loopback.root, STATIONS, obs)
    # One -999 among Köln's six 10-minute gusts of 01:00 (00:30): that hour has no gust.
    path = loopback.root / "10_minutes/extreme_wind/now/10minutenwerte_extrema_wind_02667_now.zip"
    _edit_product(path, lambda text: re.sub(r"(202601150030;\s*3;)\s*[\d.]+", r"\1 -999", text))

    result = _fetch(_settings(loopback.url, tmp_path))
    rows = result.set_index(["station", "variable", result["time"].dt.hour])["value"]
    assert ("00003", "wind_gust", 2) not in rows.index
    assert ("00003", "precipitation_1h", 2) not in rows.index
    assert ("00003", "air_temperature", 2) in rows.index
    assert ("02667", "wind_gust", 1) not in rows.index
    assert rows["02667", "wind_gust", 2] == pytest.approx(21.2)
    assert result["value"].notna().all()


def test_server_error_then_success_is_retried(loopback, tmp_path):
    write_cdc_mirror(loopback.root, STATIONS, _observations())
    zip_path = "/10_minutes/extreme_wind/now/10minutenwerte_extrema_wind_00003_now.zip"
    loopback.faults[zip_path] = [503, "reset"]
    sleeps: list[float] = []
    result = _fetch(_settings(loopback.url, tmp_path), sleeps)
    assert loopback.requests.count(zip_path) == 3
    assert len(sleeps) == 2
    assert ((result["station"] == "00003") & (result["variable"] == "wind_gust")).sum() == 3


def test_truncated_zip_names_the_file_and_leaves_nothing_behind(loopback, tmp_path):
    write_cdc_mirror(loopback.root, STATIONS, _observations())
    path = loopback.root / "hourly/precipitation/recent/stundenwerte_RR_00003_akt.zip"
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(InvalidDataError, match=r"stundenwerte_RR_00003_akt\.zip.*truncated"):
        _fetch(_settings(loopback.url, tmp_path))
    files = _archive_files(tmp_path)
    assert not [p for p in files if p.name == "stundenwerte_RR_00003_akt.zip"]
    assert not [p for p in files if LEFTOVER.match(p.name)]
    assert not [p for p in files if p.name == "manifest.json"]  # the window is not finished


def test_file_mirror_and_recent_when_now_starts_too_late(tmp_path):
    mirror = write_cdc_mirror(tmp_path / "mirror", STATIONS, _observations())
    # Move the gust files to "recent" and leave in "now" only 03:00-04:00 (too late).
    now = mirror / "10_minutes/extreme_wind/now"
    recent = mirror / "10_minutes/extreme_wind/recent"
    recent.mkdir()
    for path in now.iterdir():
        target = recent / path.name.replace("_now.zip", "_akt.zip").replace("zehn_now", "zehn_min")
        target.write_bytes(path.read_bytes())
        if path.suffix == ".zip":
            _edit_product(path, lambda text: _only_from(text, "202601150250"))
    result = fetch_observations(_settings(f"file://{mirror}", tmp_path), START, END)
    gusts = result[result["variable"] == "wind_gust"]
    assert sorted(gusts["time"].dt.hour.unique()) == [1, 2, 3]
    assert len(gusts) == 6


def _edit_product(path, change) -> None:
    with zipfile.ZipFile(path) as archive:
        (member,) = archive.namelist()
        text = archive.read(member).decode("latin-1")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, change(text).encode("latin-1"))
    path.write_bytes(buffer.getvalue())


def _only_from(text: str, first: str) -> str:
    head, *lines = text.splitlines()
    kept = [line for line in lines if line.split(";")[1].strip() >= first]
    return "\r\n".join([head, *kept]) + "\r\n"

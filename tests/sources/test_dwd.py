"""DWD ICON-D2 adapter: real DWD files through a loopback server, and faults."""

from __future__ import annotations

import bz2
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ConfigError, DataNotYetAvailable, InvalidDataError
from pipeline.geo.grids import RegularGrid
from pipeline.sources import SOURCES, get_source
from pipeline.sources.download import fetch
from pipeline.sources.dwd import IconD2
from pipeline.sources.grib import decode_fields

REAL_RUN = "2022042600"
# The ICON-D2 regular lat-lon grid as DWD documents it: 0.02°, 746 x 1215 from 43.18 N, 3.94 W.
ICON_D2_GRID = RegularGrid(lat0=43.18, lon0=-3.94, dlat=0.02, dlon=0.02, nlat=746, nlon=1215)


def _real_file(shared_data: Path, param: str) -> Path:
    name = f"icon-d2_germany_regular-lat-lon_single-level_{REAL_RUN}_000_2d_{param}.grib2"
    return shared_data / "nwp" / "dwd_icon-d2" / name


def _dwd_tree(root: Path, shared_data: Path, params=("u_10m", "v_10m")) -> None:
    """bz2-compress the real DWD files into DWD's directory layout under ``root``."""
    source = IconD2("http://unused")
    for param in params:
        url = source.locate(REAL_RUN, param, 0)
        dest = root / url.removeprefix("http://unused/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(bz2.compress(_real_file(shared_data, param).read_bytes()))


def test_registry_and_locate_follow_dwd_layout():
    assert SOURCES["dwd-icon-d2"] is IconD2
    url = IconD2("https://opendata.dwd.de/weather/nwp/").locate("2026011503", "vmax_10m", 7)
    assert url == (
        "https://opendata.dwd.de/weather/nwp/icon-d2/grib/03/vmax_10m/"
        "icon-d2_germany_regular-lat-lon_single-level_2026011503_007_2d_vmax_10m.grib2.bz2"
    )
    with pytest.raises(ConfigError, match="every 3 h"):
        IconD2("x").locate("2026011501", "vmax_10m", 0)
    with pytest.raises(ConfigError, match="known sources: dwd-icon-d2, dwd-icon-d2-eps"):
        get_source("nope")


def test_real_icon_d2_file_decodes_on_the_documented_grid(shared_data):
    (field,) = decode_fields(_real_file(shared_data, "u_10m"))
    assert field.grid == ICON_D2_GRID
    assert field.centre == "edzw"
    assert (field.discipline, field.category, field.number) == (0, 2, 2)
    # DWD masks points outside ICON-D2's native domain: 906,225 points, 754,862 with values.
    assert int(np.isfinite(field.values).sum()) == 754_862
    assert np.nanmax(np.abs(field.values)) < 60


def test_fetch_real_files_over_loopback_http(shared_data, loopback, tmp_path):
    _dwd_tree(loopback.root, shared_data)
    source = IconD2(loopback.url)
    archive = tmp_path / "archive"
    run_dir = source.fetch(REAL_RUN, archive, params=["u_10m", "v_10m"], steps=[0])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert [f["path"] for f in manifest["files"]] == [
        f"u_10m/{source.file_name(REAL_RUN, 'u_10m', 0)}",
        f"v_10m/{source.file_name(REAL_RUN, 'v_10m', 0)}",
    ]
    for record in manifest["files"]:
        served = loopback.root / record["url"].removeprefix(loopback.url + "/")
        assert record["sha256"] == hashlib.sha256(served.read_bytes()).hexdigest()
    (field,) = decode_fields(run_dir / manifest["files"][1]["path"])
    assert (field.discipline, field.category, field.number) == (0, 2, 3)
    # A second fetch finds verified files and requests nothing.
    requests = len(loopback.requests)
    source.fetch(REAL_RUN, archive, params=["u_10m", "v_10m"], steps=[0])
    assert len(loopback.requests) == requests


def test_scenario_files_carry_dwd_keys_and_grid(shared_data, scenario_mirror):
    (real,) = decode_fields(_real_file(shared_data, "u_10m"))
    path = next((scenario_mirror / "icon-d2" / "grib" / "00" / "vmax_10m").glob("*_012_*"))
    (ours,) = decode_fields(path)
    assert ours.grid == real.grid
    assert ours.centre == real.centre == "edzw"
    assert (ours.discipline, ours.category, ours.number) == (0, 2, 22)
    assert (ours.statistical_process, ours.step_start, ours.step_end) == (2, 11, 12)
    assert ours.production_status == 2  # research product: never an Actual warning


def test_404_is_not_yet_available_and_leaves_nothing(loopback, tmp_path):
    dest = tmp_path / "a" / "file.grib2.bz2"
    with pytest.raises(DataNotYetAvailable, match="HTTP 404"):
        fetch(f"{loopback.url}/missing.grib2.bz2", dest, sleep=lambda s: None)
    assert list(tmp_path.rglob("*.grib2*")) == []


def test_server_errors_are_retried_then_succeed(shared_data, loopback, tmp_path):
    _dwd_tree(loopback.root, shared_data, params=("u_10m",))
    url = IconD2(loopback.url).locate(REAL_RUN, "u_10m", 0)
    path = url.removeprefix(loopback.url)
    loopback.faults[path] = [500, 503]
    waits: list[float] = []
    record = fetch(url, tmp_path / "u.grib2.bz2", sleep=waits.append)
    assert waits == [1.0, 2.0]  # exponential backoff between the three attempts
    assert loopback.requests.count(path) == 3
    assert record.size == (loopback.root / path.lstrip("/")).stat().st_size


def test_truncated_bz2_is_rejected_and_never_archived(shared_data, loopback, tmp_path):
    _dwd_tree(loopback.root, shared_data, params=("u_10m",))
    url = IconD2(loopback.url).locate(REAL_RUN, "u_10m", 0)
    served = loopback.root / url.removeprefix(loopback.url + "/")
    served.write_bytes(served.read_bytes()[: served.stat().st_size // 2])
    dest = tmp_path / "archive" / "u.grib2.bz2"
    with pytest.raises(InvalidDataError, match="corrupt or truncated bz2"):
        fetch(url, dest, attempts=2, sleep=lambda s: None)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("logical_date", "expected"),
    [
        ("2026-01-15T01:30:00+00:00", "2026011500"),  # the schedule: cycle + 90 min
        ("2026-01-15T01:29:00+00:00", "2026011421"),  # 00 UTC not yet published
        ("2026-01-15T04:30:00+00:00", "2026011503"),
        ("2026-01-15T02:30:00+01:00", "2026011500"),  # offsets are honoured
    ],
)
def test_airflow_logical_date_maps_to_the_published_run(logical_date, expected):
    from datetime import datetime

    from pipeline.sources.base import run_for

    assert run_for(IconD2, datetime.fromisoformat(logical_date)) == expected

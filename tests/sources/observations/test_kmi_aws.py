"""KMI-IRM automatic stations through a loopback mimic of its GeoServer WFS.

The mimic answers GetFeature for ``aws:aws_station`` and ``aws:aws_1hour`` as GeoJSON in the
real schema, filters on the window's CQL (``timestamp > '...' AND timestamp <= '...'``) and
pages with ``count``/``startIndex`` like GeoServer. Stations: Uccle, Zeebrugge, and one with
no station record (position from the feature). Hourly values 00:00-04:00 UTC.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from pipeline.errors import InvalidDataError, SourceUnavailable
from pipeline.settings import Settings
from pipeline.sources.observations import kmi_aws
from pipeline.sources.observations.archive import Retry
from pipeline.sources.observations.kmi_aws import fetch_observations
from pipeline.verification.observed import check_observations

PATH = "/service/aws/ows"
START = datetime(2026, 1, 15, 0, tzinfo=UTC)
END = datetime(2026, 1, 15, 3, tzinfo=UTC)
STATIONS = {6447: ("UCCLE", 50.797, 4.358), 6418: ("ZEEBRUGGE", 51.347, 3.201)}
UNLISTED = (6494, 50.5, 5.0)


def _features() -> list[dict]:
    features = []
    positions = {code: (lat, lon) for code, (_, lat, lon) in STATIONS.items()}
    positions[UNLISTED[0]] = UNLISTED[1:]
    for hour in range(5):
        for i, (code, (lat, lon)) in enumerate(positions.items()):
            features.append({
                "type": "Feature", "id": f"aws_1hour.{hour}.{code}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "code": code, "timestamp": f"2026-01-15T{hour:02d}:00:00Z",
                    "precip_quantity": 0.5 * hour, "temp_dry_shelter_avg": 3.0 + i,
                    "wind_gusts_speed": None if (code, hour) == (6418, 2) else 15.0 + hour + i,
                    "wind_speed_10m": 7.0, "humidity_rel_shelter_avg": 90.0,
                    "qc_flags": json.dumps({"validated": {"PRECIP_QUANTITY": False}}),
                },
            })  # fmt: skip
    return features


def serve(loopback) -> str:
    """The WFS mimic; returns its base URL."""

    def answer(handler):
        query = {k.lower(): v[0] for k, v in parse_qs(urlsplit(handler.path).query).items()}
        layer = query.get("typenames")
        if layer == "aws:aws_station":
            features = [
                {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                 "properties": {"code": code, "name": name, "altitude": 100.0,
                                "date_begin": "2003-01-01T00:00:00Z", "date_end": None}}
                for code, (name, lat, lon) in STATIONS.items()
            ]  # fmt: skip
            return _geojson(features, len(features))
        if layer != "aws:aws_1hour":
            return 400, {"Content-Type": "text/xml"}, b"<ows:ExceptionReport/>"
        low, high = re.findall(r"'([^']+)'", query["cql_filter"])
        chosen = [f for f in _features() if low < f["properties"]["timestamp"] <= high]
        chosen.sort(key=lambda f: f["properties"]["timestamp"])
        first, count = int(query.get("startindex", 0)), int(query["count"])
        return _geojson(chosen[first : first + count], len(chosen))

    loopback.routes[PATH] = answer
    return loopback.url + PATH


def _geojson(features: list, matched: int):
    body = {"type": "FeatureCollection", "features": features, "totalFeatures": matched,
            "numberMatched": matched, "numberReturned": len(features)}  # fmt: skip
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _fetch(base, tmp_path, sleeps=None, **settings):
    settings = Settings(kmi_aws_base_url=base, archive_dir=tmp_path / "archive", **settings)
    retry = Retry(backoff_s=0.01, sleep=(sleeps if sleeps is not None else []).append)
    return fetch_observations(settings, START, END, retry=retry)


def test_hourly_features_become_canonical_rows(loopback, tmp_path):
    result = _fetch(serve(loopback), tmp_path)
    check_observations(result, "kmi-aws")
    value = result.set_index(["station", "variable", result["time"].dt.hour])["value"]
    assert sorted(result["time"].dt.hour.unique()) == [1, 2, 3]
    assert value["6447", "wind_gust", 3] == pytest.approx(18.0)
    assert value["6418", "precipitation_1h", 2] == pytest.approx(1.0)
    assert value["6494", "air_temperature", 1] == pytest.approx(5.0)
    assert ("6418", "wind_gust", 2) not in value.index  # null: no row
    assert len(result) == 3 * 3 * 3 - 1
    names = result.drop_duplicates("station").set_index("station")["name"]
    assert names.to_dict() == {"6418": "ZEEBRUGGE", "6447": "UCCLE", "6494": "6494"}
    assert result.loc[result["station"] == "6494", "lat"].iloc[0] == pytest.approx(50.5)
    manifest = json.loads(next((tmp_path / "archive").rglob("manifest.json")).read_text())
    assert [f["path"] for f in manifest["files"]] == ["aws_1hour-000.json", "aws_station.json"]
    assert "CQL_FILTER=timestamp%20%3E%20%272026-01-15T00:00:00Z" in manifest["files"][0]["url"]


def test_pages_rerun_and_bounds(loopback, tmp_path, monkeypatch):
    monkeypatch.setattr(kmi_aws, "PAGE_SIZE", 4)
    base = serve(loopback)
    paged = _fetch(base, tmp_path)
    assert len(paged) == 26
    asked = len(loopback.requests)
    assert asked == 1 + 3  # the station layer, then 9 features in pages of 4
    pd.testing.assert_frame_equal(paged, _fetch(base, tmp_path))
    assert len(loopback.requests) == asked  # the rerun reads the archive

    north_only = _fetch(base, tmp_path / "b", observation_bounds=(51.0, 54.5, 1.5, 10.5))
    assert set(north_only["station"]) == {"6418"}


def test_server_error_then_success(loopback, tmp_path):
    base = serve(loopback)
    loopback.faults[PATH] = [503, 502]
    sleeps: list[float] = []
    assert not _fetch(base, tmp_path, sleeps).empty
    assert len(sleeps) == 2


def test_unreachable_server_and_wfs_error_are_clear(loopback, tmp_path):
    base = serve(loopback)
    loopback.faults[PATH] = [503] * 4
    with pytest.raises(SourceUnavailable, match="HTTP 503"):
        _fetch(base, tmp_path)
    report = b'<ows:ExceptionReport><ows:Exception exceptionCode="InvalidParameterValue"/>'
    loopback.routes[PATH] = lambda handler: (200, {"Content-Type": "text/xml"}, report)
    with pytest.raises(InvalidDataError, match=r"aws_station.*not a GeoJSON answer.*Exception"):
        _fetch(base, tmp_path / "b")

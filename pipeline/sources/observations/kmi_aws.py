"""KMI-IRM automatic weather stations (AWS) through its open-data GeoServer WFS.

Upstream facts, checked against RMI's own parameter documentation
(https://opendata.meteo.be/documentation/?dataset=aws&lang=en), wetterdienst's RMI provider
(earthobservations/wetterdienst ``src/wetterdienst/provider/rmi/observation/{api,metadata}.py``,
``docs/data/provider/rmi/observation/hourly.md``) and public clients of the service:

- ``GET {base}?service=WFS&version=2.0.0&request=GetFeature&typeNames=aws:aws_1hour&
  outputFormat=application/json&CQL_FILTER=...`` answers a GeoJSON FeatureCollection, one
  feature per station and time, with ``numberMatched``/``numberReturned``; ``startIndex`` pages
  (GeoServer then wants a ``sortBy``). Layers ``aws:aws_10min``, ``aws:aws_1hour``,
  ``aws:aws_1day`` and ``aws:aws_station`` (``code``, ``name``, ``altitude``, ``date_begin``,
  ``date_end``, a Point geometry lon/lat). No key.
- Feature properties: ``code``, ``timestamp`` (UTC, ``...Z``, the end of the interval: RMI
  documents each value "over the last 10 min"), ``precip_quantity`` (mm), ``temp_dry_shelter_avg``
  (°C, mean over the interval), ``wind_gusts_speed`` (max 3-s gust, m/s), ``wind_speed_10m``,
  ``humidity_rel_shelter_avg``, ``pressure``, ``qc_flags``... There is no ``temp``,
  ``temp_max`` or ``temp_min`` below daily resolution (``aws_1day`` has ``temp_max``/
  ``temp_min``; the hourly ``temp``/``temp_min``/``temp_max`` names belong to the SYNOP layer).

crosswarn reads ``aws:aws_1hour``: ``wind_gust`` = ``wind_gusts_speed``, ``precipitation_1h`` =
``precip_quantity``, ``air_temperature`` = ``temp_dry_shelter_avg``. Null values give no row.

What it lacks: few stations (a few dozen in Belgium; for years only Uccle, Zeebrugge and
Humain were public); no hourly max/min temperature; ``air_temperature`` is the hour's mean,
not the value at the hour as from DWD and KNMI; values are not validated in real time
(``qc_flags`` says which are, crosswarn does not filter on it). Each window is one query, so
a rerun of a window reads the archived answer, never a newer one.

Licence: RMI open data, CC BY 4.0, "Source: RMI / KMI-IRM".
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pandas as pd

from pipeline.errors import InvalidDataError
from pipeline.sources.observations.archive import (
    Retry,
    bounds_mask,
    check_window,
    download,
    finish_manifest,
    finish_table,
    window_dir,
)

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)

SOURCE_ID = "kmi-aws"
LAYER = "aws:aws_1hour"
STATION_LAYER = "aws:aws_station"
#: Feature property -> canonical variable. Data, not code.
FIELDS = {
    "wind_gusts_speed": "wind_gust",
    "precip_quantity": "precipitation_1h",
    "temp_dry_shelter_avg": "air_temperature",
}
#: Features asked for per request; a larger answer is paged.
PAGE_SIZE = 10_000
MAX_PAGES = 100


def feature_url(base: str, layer: str, *, cql: str | None = None, start_index: int = 0) -> str:
    """A GetFeature request of ``layer`` as GeoJSON (``cql`` filter, paged from
    ``start_index``). ``:`` stays unescaped: GeoServer's CQL misreads an escaped one in times."""
    params = {
        "service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": layer,
        "outputFormat": "application/json",
    }  # fmt: skip
    if cql is not None:
        params |= {"count": str(PAGE_SIZE), "sortBy": "timestamp", "startIndex": str(start_index)}
        params["CQL_FILTER"] = cql
    query = "&".join(f"{k}={quote(v, safe=':/')}" for k, v in params.items())
    return f"{base.rstrip('/')}?{query}"


def time_filter(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """The CQL filter of the window ``(start, end]``."""
    return f"timestamp > '{start:%Y-%m-%dT%H:%M:%SZ}' AND timestamp <= '{end:%Y-%m-%dT%H:%M:%SZ}'"


def fetch_observations(
    settings: Settings, start: datetime, end: datetime, *, retry: Retry | None = None
) -> pd.DataFrame:
    """Hourly observations of the KMI-IRM automatic stations inside
    ``settings.observation_bounds`` with ``start < time <= end``
    (:data:`~pipeline.verification.observed.COLUMNS`).

    The answers (station layer, then each page of the hourly layer) are archived as JSON under
    ``{archive_dir}/observations/kmi-aws/{window}/``; a rerun reads them instead of asking again.
    """
    first, last = check_window(start, end)
    retry = retry or Retry()
    run_dir = window_dir(settings.archive_dir, SOURCE_ID, first, last)
    base = settings.kmi_aws_base_url
    station_file = run_dir / "aws_station.json"
    files = download(
        [(feature_url(base, STATION_LAYER), station_file)], _verify, retry, run_dir=run_dir
    )
    stations = read_stations(station_file)
    features: list[dict] = []
    cql = time_filter(first, last)
    for page in range(MAX_PAGES):
        dest = run_dir / f"aws_1hour-{page:03d}.json"
        url = feature_url(base, LAYER, cql=cql, start_index=len(features))
        files += download([(url, dest)], _verify, retry, run_dir=run_dir)
        answer = _load(dest)
        batch = answer["features"]
        features += batch
        matched = answer.get("numberMatched")
        if not batch or not isinstance(matched, int) or len(features) >= matched:
            break
    else:
        raise InvalidDataError(
            f"{url}: still more features after {MAX_PAGES} pages of {PAGE_SIZE}; "
            "ask for a shorter window"
        )
    finish_manifest(run_dir, files)
    table = observations_table(features, stations, origin=str(run_dir / "aws_1hour-*.json"))
    if not table.empty:
        table = table[bounds_mask(table["lat"], table["lon"], settings.observation_bounds)]
    return finish_table([table], first, last)


def read_stations(path: Path) -> pd.DataFrame:
    """The station layer: ``station`` (code as text), ``name``, ``lat``, ``lon``."""
    rows = []
    for feature in _load(path)["features"]:
        props = feature.get("properties") or {}
        lon, lat = _point(feature, origin=path)
        rows.append({"station": str(props.get("code")), "name": props.get("name"),
                     "lat": lat, "lon": lon})  # fmt: skip
    return pd.DataFrame(rows, columns=["station", "name", "lat", "lon"])


def observations_table(
    features: list[dict], stations: pd.DataFrame, *, origin: str
) -> pd.DataFrame:
    """Long canonical rows from the hourly layer's features (null values dropped); a station
    missing from the station layer takes its position from the feature's geometry."""
    meta = stations.drop_duplicates("station").set_index("station")
    rows = []
    for feature in features:
        props = feature.get("properties") or {}
        if "code" not in props or "timestamp" not in props:
            raise InvalidDataError(f"{origin}: a feature without 'code' or 'timestamp': {props}")
        station = str(props["code"])
        if station in meta.index:
            name, lat, lon = meta.loc[station, ["name", "lat", "lon"]]
        else:
            (lon, lat), name = _point(feature, origin=origin), station
        for field, variable in FIELDS.items():
            value = props.get(field)
            if value is None:
                continue
            rows.append({"source": SOURCE_ID, "station": station, "name": name, "lat": lat,
                         "lon": lon, "time": props["timestamp"], "variable": variable,
                         "value": value})  # fmt: skip
    table = pd.DataFrame(rows)
    if not table.empty:
        table["time"] = pd.to_datetime(table["time"], utc=True, format="ISO8601")
    return table


def _point(feature: dict, *, origin) -> tuple[float, float]:
    try:
        lon, lat = feature["geometry"]["coordinates"][:2]
        return float(lon), float(lat)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidDataError(f"{origin}: a feature without a point geometry ({exc!r})") from exc


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _verify(tmp: Path, *, origin: str) -> None:
    """The answer must be a GeoJSON FeatureCollection (GeoServer reports errors as XML)."""
    raw = tmp.read_bytes()
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        snippet = raw[:200].decode("utf-8", errors="replace").strip()
        raise InvalidDataError(
            f"{origin}: not a GeoJSON answer (truncated, or a WFS error: {snippet!r})"
        ) from exc
    if not isinstance(answer, dict) or not isinstance(answer.get("features"), list):
        raise InvalidDataError(f"{origin}: JSON without a 'features' list")

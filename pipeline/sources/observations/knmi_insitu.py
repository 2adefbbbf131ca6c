"""KNMI 10-minute in-situ observations through the KNMI Data Platform Open Data API.

Upstream facts, checked against wetterdienst's KNMI provider (earthobservations/wetterdienst
``src/wetterdienst/provider/knmi/observation/{api,parser,metadata}.py``, its tests and
``docs/data/provider/knmi/observation/10_minutes.md``) and a variable dump of a real file
(tintin10q/KNMI.nl-Dataloader ``data_engineering_project/data_engineering_project/a.md``):

- Dataset ``10-minute-in-situ-meteorological-observations`` version ``1.0``; one NetCDF4 file
  per 10 minutes for the whole network, ``KMDS__OPER_P___10M_OBS_L2_{YYYYMMDDHHMM}.nc``, dated
  to the end of its interval. The API is the one :mod:`pipeline.sources.knmi` uses:
  ``GET .../files/{name}/url`` (key in the ``Authorization`` header) answers a pre-signed
  ``temporaryDownloadUrl`` the file is fetched from without the key.
- Dimensions ``station`` x ``time`` (one time); ``station`` is a string id (``06260``, newer
  files the WIGOS id ``0-20000-0-06260``: crosswarn keeps the last part), ``stationname``,
  ``lat``, ``lon``, ``height``. Values are floats, NaN where missing. Used: ``fx`` (max gust
  at 10 m in the last 10 min, m/s; ``gff`` where a file lacks it), ``ta`` (air temperature
  1.5 m, 1-min mean, °C), ``tx``/``tn`` (1.5 m max/min of the 10 min), ``R1H`` (rainfall in
  the last hour, mm), ``rg`` (rain gauge intensity, 10-min mean, mm/h).

crosswarn reads, per full hour H: ``wind_gust`` = max of the six ``fx`` ending at H,
``air_temperature_max``/``_min`` = max ``tx`` / min ``tn`` -- only with all six values;
``air_temperature`` = ``ta`` at H; ``precipitation_1h`` = ``R1H`` at H, else the six ``rg``
as amounts (rg / 6 mm each) when all six are there. Missing values give no row.

What it lacks: ~50 stations in the Netherlands (plus Caribbean ones, outside the bounds);
an API key and six downloads per hour of the whole network (no per-station files); ``R1H`` is
a synoptic-style sum that may be filled at full hours only; ``ta`` is a 1-minute value, not an
hourly mean; a file missing upstream leaves its hour without extremes (logged). The key is
never logged, and neither is the signed URL's query.

Licence: KNMI open data, CC BY 4.0, "Source: KNMI".
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import numpy as np
import pandas as pd

from pipeline.errors import (
    ConfigError,
    CrosswarnError,
    DataNotYetAvailable,
    InvalidDataError,
    SourceUnavailable,
)
from pipeline.files import temporary_name
from pipeline.retry import call_with_retries
from pipeline.sources.download import ArchivedFile, check_status, raise_worst, record_file
from pipeline.sources.observations.archive import (
    Retry,
    bounds_mask,
    check_window,
    finish_manifest,
    finish_table,
    hours_in,
    window_dir,
)

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)

SOURCE_ID = "knmi-insitu"
STEP = pd.Timedelta(minutes=10)
#: The variables read from each file (``gff`` stands in where ``fx`` is absent).
FIELDS = ("fx", "gff", "ta", "tx", "tn", "R1H", "rg")
#: netCDF4 (HDF5) is not thread-safe: downloads verify in parallel, one file at a time.
_NETCDF = threading.Lock()


def file_name(when: pd.Timestamp) -> str:
    """The dataset's file for the 10 minutes ending at ``when``."""
    return f"KMDS__OPER_P___10M_OBS_L2_{when:%Y%m%d%H%M}.nc"


def fetch_observations(
    settings: Settings, start: datetime, end: datetime, *, retry: Retry | None = None
) -> pd.DataFrame:
    """Hourly observations of the KNMI stations inside ``settings.observation_bounds`` with
    ``start < time <= end`` (:data:`~pipeline.verification.observed.COLUMNS`).

    Downloads the six 10-minute files of every hour of the window (each once) into
    ``{archive_dir}/observations/knmi-insitu/{window}/``. The file ending at the window's last
    hour not being published yet raises :class:`DataNotYetAvailable`; an earlier missing file
    only leaves its hour incomplete.
    """
    import pipeline.sources.knmi  # noqa: F401  (its log filter hides pre-signed URL queries)

    first, last = check_window(start, end)
    retry = retry or Retry()
    hours = hours_in(first, last)
    if hours.empty:
        return finish_table([], first, last)
    key = settings.knmi_api_key.get_secret_value() if settings.knmi_api_key else None
    if not key:
        raise ConfigError(
            f"{SOURCE_ID} needs a KNMI Data Platform API key: set CROSSWARN_KNMI_API_KEY, or in "
            "Airflow the password of the Connection 'knmi_open_data' "
            "(https://developer.dataplatform.knmi.nl/open-data-api)"
        )
    files_url = (
        f"{settings.knmi_base_url.rstrip('/')}/datasets/{settings.knmi_insitu_dataset}"
        f"/versions/{settings.knmi_insitu_version}/files"
    )
    run_dir = window_dir(settings.archive_dir, SOURCE_ID, first, last)
    steps = pd.date_range(hours[0] - 5 * STEP, hours[-1], freq=STEP)
    with httpx.Client(timeout=retry.timeout_s, follow_redirects=True) as client:

        def one(when: pd.Timestamp) -> ArchivedFile | CrosswarnError:
            try:
                return _download(client, files_url, file_name(when), run_dir, key, retry)
            except CrosswarnError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=settings.download_workers) as pool:
            results = dict(zip(steps, pool.map(one, steps), strict=True))
    missing = [w for w, r in results.items() if isinstance(r, DataNotYetAvailable)]
    if steps[-1] in missing:
        raise DataNotYetAvailable(
            f"{SOURCE_ID}: {file_name(steps[-1])} is not published yet ({results[steps[-1]]})"
        )
    errors = [r for r in results.values() if isinstance(r, CrosswarnError)]
    raise_worst([e for e in errors if not isinstance(e, DataNotYetAvailable)], len(steps))
    if missing:
        log.warning("%s: %d of %d files missing upstream, first %s; their hours lack extremes",
                    SOURCE_ID, len(missing), len(steps), file_name(missing[0]))  # fmt: skip
    archived = [r for r in results.values() if isinstance(r, ArchivedFile)]
    finish_manifest(run_dir, archived)
    values = pd.concat(
        [read_file(run_dir / file_name(w), w) for w, r in results.items()
         if isinstance(r, ArchivedFile)], ignore_index=True,
    )  # fmt: skip
    values = values[bounds_mask(values["lat"], values["lon"], settings.observation_bounds)]
    return finish_table([_hourly(values)], first, last)


def _download(
    client: httpx.Client, files_url: str, name: str, run_dir: Path, key: str, retry: Retry
) -> ArchivedFile:
    """Archive one file: ask the API for its signed URL, stream it, verify, rename."""
    dest = run_dir / name
    api_url = f"{files_url}/{name}"
    if dest.exists():
        return replace(record_file(api_url, dest), path=name)
    dest.parent.mkdir(parents=True, exist_ok=True)

    def attempt() -> ArchivedFile:
        tmp = temporary_name(dest, keep_suffix=True)
        try:
            try:
                answer = client.get(f"{api_url}/url", headers={"Authorization": key})
                check_status(answer, f"{api_url}/url")
                signed = answer.json()["temporaryDownloadUrl"]
            except httpx.TransportError as exc:
                raise SourceUnavailable(f"{api_url}/url: {type(exc).__name__}") from exc
            except (ValueError, KeyError, TypeError) as exc:
                raise SourceUnavailable(
                    f"{api_url}/url: answer without 'temporaryDownloadUrl' ({exc!r})"
                ) from exc
            shown = f"{name} ({signed.split('?', 1)[0]})"  # the query is a credential
            try:
                with client.stream("GET", signed) as response, tmp.open("wb") as fh:
                    check_status(response, shown)
                    for chunk in response.iter_bytes(1 << 20):
                        fh.write(chunk)
                    fh.flush()
                    os.fsync(fh.fileno())
            except httpx.TransportError as exc:
                raise SourceUnavailable(
                    f"{shown}: download cut off ({type(exc).__name__})"
                ) from exc
            _verify(tmp, origin=name)
            os.replace(tmp, dest)
            return replace(record_file(api_url, dest), path=name)
        finally:
            tmp.unlink(missing_ok=True)

    return call_with_retries(
        attempt,
        what=name,
        attempts=retry.attempts,
        backoff_s=retry.backoff_s,
        retry_on=(SourceUnavailable, InvalidDataError),
        sleep=retry.sleep,
    )


def _verify(path: Path, *, origin: str) -> None:
    """The file must open as NetCDF with the station coordinates crosswarn reads."""
    import netCDF4

    try:
        with _NETCDF, netCDF4.Dataset(path) as ds:
            absent = [v for v in ("station", "lat", "lon") if v not in ds.variables]
    except OSError as exc:
        raise InvalidDataError(
            f"{origin}: truncated or not a NetCDF file ({exc}); it is downloaded again"
        ) from exc
    if absent:
        raise InvalidDataError(f"{origin}: NetCDF file without the variables {absent}")


def read_file(path: Path, when: pd.Timestamp) -> pd.DataFrame:
    """One 10-minute file as a table: station, name, lat, lon, time (= ``when``, the end of
    the interval the file is named after) and one column per field of :data:`FIELDS`."""
    import netCDF4

    try:
        with _NETCDF, netCDF4.Dataset(path) as ds:
            ds.set_auto_mask(True)
            ids = [str(s).rsplit("-", 1)[-1] for s in np.asarray(ds.variables["station"][:])]
            names = (
                [str(s) for s in np.asarray(ds.variables["stationname"][:])]
                if "stationname" in ds.variables else ids
            )  # fmt: skip
            table = pd.DataFrame({
                "station": ids, "name": names,
                "lat": np.ma.filled(ds.variables["lat"][:].astype(float), np.nan),
                "lon": np.ma.filled(ds.variables["lon"][:].astype(float), np.nan),
                "time": when,
            })  # fmt: skip
            for field in FIELDS:
                if field in ds.variables:
                    data = np.ma.filled(ds.variables[field][:].astype(float), np.nan)
                    table[field] = data.reshape(len(ids), -1)[:, -1]
                else:
                    table[field] = np.nan
    except (OSError, KeyError, ValueError) as exc:
        raise InvalidDataError(f"{path}: unreadable KNMI 10-minute file ({exc!r})") from exc
    return table


def _hourly(values: pd.DataFrame) -> pd.DataFrame:
    """Canonical hourly rows from the 10-minute table (see the module docstring)."""
    if values.empty:
        return values
    values = values.assign(
        gust=values["fx"].fillna(values["gff"]),
        hour=values["time"].dt.ceil("h"),
        rain=values["rg"] / 6.0,  # mm/h over 10 minutes -> mm
    )
    grouped = values.groupby(["station", "hour"])
    complete = grouped["time"].nunique() == 6
    extremes = pd.DataFrame({
        "wind_gust": grouped["gust"].max().where(grouped["gust"].count() == 6),
        "air_temperature_max": grouped["tx"].max().where(grouped["tx"].count() == 6),
        "air_temperature_min": grouped["tn"].min().where(grouped["tn"].count() == 6),
        "rain_sum": grouped["rain"].sum().where(grouped["rain"].count() == 6),
    })[complete]  # fmt: skip
    at_hour = values[values["time"] == values["hour"]].set_index(["station", "hour"])
    extremes = extremes.join(at_hour[["ta", "R1H"]], how="outer")
    extremes["air_temperature"] = extremes["ta"]
    extremes["precipitation_1h"] = extremes["R1H"].fillna(extremes["rain_sum"])
    variables = ["wind_gust", "air_temperature", "air_temperature_max",
                 "air_temperature_min", "precipitation_1h"]  # fmt: skip
    long = extremes[variables].rename_axis(["station", "time"]).reset_index()
    long = long.melt(id_vars=["station", "time"], var_name="variable", value_name="value")
    meta = values.drop_duplicates("station", keep="last").set_index("station")
    return long.assign(
        source=SOURCE_ID,
        name=long["station"].map(meta["name"]),
        lat=long["station"].map(meta["lat"]),
        lon=long["station"].map(meta["lon"]),
    )

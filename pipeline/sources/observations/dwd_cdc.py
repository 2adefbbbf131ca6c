"""DWD station observations from the Climate Data Center (CDC) open-data tree.

Upstream layout (checked against wetterdienst's DWD observation code, earthobservations/
wetterdienst ``src/wetterdienst/provider/dwd/observation/{metadata,fileindex,metaindex,
parser}.py`` and its docs ``docs/data/provider/dwd/observation/{10_minutes,hourly}.md``, and
against public scripts reading ``.../10_minutes/extreme_wind/now/zehn_now_fx_Beschreibung_
Stationen.txt``, ``10minutenwerte_extrema_wind_{id}_now.zip``, ``..._akt.zip``,
``hourly/precipitation/recent/RR_Stundenwerte_Beschreibung_Stationen.txt``):

- ``{base}/{10_minutes|hourly}/{dataset}/{now|recent}/``: one zip per station,
  ``10minutenwerte_extrema_wind_{id:05d}_{now|akt}.zip``, ``10minutenwerte_extrema_temp_...``,
  ``stundenwerte_RR_{id:05d}_akt.zip``, ``stundenwerte_TU_{id:05d}_akt.zip``; beside them the
  station list ``*Beschreibung_Stationen.txt`` (fixed width, Latin-1: id, from, to, height,
  lat, lon, name, state, sometimes "Frei"). ``now`` holds today's 10-minute values (updated
  every ~30 min), ``recent`` the last ~500 days up to yesterday (updated daily). Hourly data
  has no ``now``: precipitation and temperature arrive about a day late.
- Each zip holds one ``produkt_*.txt``: semicolon-separated, padded with spaces, ``-999`` for
  missing, ``MESS_DATUM`` in UTC (``YYYYMMDDHHMM`` for 10 minutes, ``YYYYMMDDHH`` hourly), the
  end of the interval, and an ``eor`` column. Columns used: ``FX_10`` (max gust of the 10
  minutes, m/s), ``TX_10``/``TN_10`` (2 m max/min of the 10 minutes, °C), ``R1`` (hourly
  precipitation, mm), ``TT_TU`` (2 m air temperature, °C).

crosswarn reads: ``wind_gust`` = max of the six ``FX_10`` of the hour ending at each full hour,
``air_temperature_max``/``_min`` = max ``TX_10`` / min ``TN_10`` likewise -- only hours with all
six 10-minute values (a partial hour would understate an extreme and judge a warning missed);
``precipitation_1h`` = ``R1``; ``air_temperature`` = ``TT_TU``. Missing values (-999) are
dropped: a station or hour without a value has no row. The quality flags (``QN``) are not
used: ``now`` data is unchecked.

What it lacks: Germany only (the border stations near Benelux, none inside it); hourly
precipitation and temperature only from the daily ``recent`` update; no precipitation
from the 10-minute ``now`` files (not read here); DWD's station lists name a station's whole
record, so a station in the list may have no file for the window.

Why not the ``wetterdienst`` library: it builds its URLs on the fixed host opendata.dwd.de
(``_build_url_from_dataset_and_period``), so it cannot read a loopback or file:// mirror, has
its own cache and downloader (neither atomic nor in our manifest), and pulls in polars. The
format is small enough to parse here.

Licence: DWD open data, CC BY 4.0, "Datenbasis: Deutscher Wetterdienst".
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import numpy as np
import pandas as pd

from pipeline.errors import InvalidDataError
from pipeline.files import write_bytes_atomic
from pipeline.sources.observations.archive import (
    Retry,
    bounds_mask,
    check_window,
    download,
    finish_manifest,
    finish_table,
    listing,
    window_dir,
)

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)

SOURCE_ID = "dwd-cdc"
MISSING = -999


@dataclass(frozen=True)
class CdcDataset:
    """One CDC dataset: where it lives, how its files are named, what crosswarn reads."""

    resolution: str  # "10_minutes" or "hourly"
    folder: str
    periods: tuple[str, ...]  # newest first
    prefix: str  # of the station zips
    station_lists: dict[str, str]  # period -> station list name (written by the mirror)
    products: dict[str, str]  # period -> product stem inside the zip
    header: tuple[str, ...]  # the product's value columns, as DWD writes them
    read: dict[str, tuple[str, str]]  # column -> (canonical variable, hourly aggregation)

    @property
    def step(self) -> pd.Timedelta:
        return pd.Timedelta(minutes=10) if self.resolution == "10_minutes" else pd.Timedelta("1h")


#: The CDC datasets crosswarn reads. Data, not code.
DATASETS: dict[str, CdcDataset] = {
    "extreme_wind": CdcDataset(
        "10_minutes", "extreme_wind", ("now", "recent"), "10minutenwerte_extrema_wind",
        {"now": "zehn_now_fx_Beschreibung_Stationen.txt",
         "recent": "zehn_min_fx_Beschreibung_Stationen.txt"},
        {"now": "zehn_now_fx", "recent": "zehn_min_fx"},
        ("QN", "FX_10", "FNX_10", "FMX_10", "DX_10"),
        {"FX_10": ("wind_gust", "max")},
    ),
    "extreme_temperature": CdcDataset(
        "10_minutes", "extreme_temperature", ("now", "recent"), "10minutenwerte_extrema_temp",
        {"now": "zehn_now_tx_Beschreibung_Stationen.txt",
         "recent": "zehn_min_tx_Beschreibung_Stationen.txt"},
        {"now": "zehn_now_tx", "recent": "zehn_min_tx"},
        ("QN", "TX_10", "TX5_10", "TN_10", "TN5_10"),
        {"TX_10": ("air_temperature_max", "max"), "TN_10": ("air_temperature_min", "min")},
    ),
    "precipitation": CdcDataset(
        "hourly", "precipitation", ("recent",), "stundenwerte_RR",
        {"recent": "RR_Stundenwerte_Beschreibung_Stationen.txt"}, {"recent": "rr_stunde"},
        ("QN_8", "R1", "RS_IND", "WRTR"), {"R1": ("precipitation_1h", "value")},
    ),
    "air_temperature": CdcDataset(
        "hourly", "air_temperature", ("recent",), "stundenwerte_TU",
        {"recent": "TU_Stundenwerte_Beschreibung_Stationen.txt"}, {"recent": "tu_stunde"},
        ("QN_9", "TT_TU", "RF_TU"), {"TT_TU": ("air_temperature", "value")},
    ),
}  # fmt: skip


def zip_name(dataset: CdcDataset, station: int, period: str) -> str:
    """The name of a station's zip in ``period``."""
    return f"{dataset.prefix}_{station:05d}_{'now' if period == 'now' else 'akt'}.zip"


def fetch_observations(
    settings: Settings, start: datetime, end: datetime, *, retry: Retry | None = None
) -> pd.DataFrame:
    """Hourly observations of the DWD stations inside ``settings.observation_bounds`` with
    ``start < time <= end`` (:data:`~pipeline.verification.observed.COLUMNS`).

    Per 10-minute dataset the ``now`` files are read first, ``recent`` too when the window
    starts before the oldest ``now`` value. Raw files are archived under
    ``{archive_dir}/observations/dwd-cdc/{window}/{resolution}/{dataset}/{period}/``; once
    a window's manifest is written, a rerun reads the archive without asking the server.
    """
    first, last = check_window(start, end)
    retry = retry or Retry()
    run_dir = window_dir(settings.archive_dir, SOURCE_ID, first, last)
    base = settings.dwd_cdc_base_url.rstrip("/")
    frames, files = [], []
    with httpx.Client(timeout=retry.timeout_s, follow_redirects=True) as client:
        for dataset in DATASETS.values():
            parts = []
            for period in dataset.periods:
                table, archived = _fetch_period(
                    dataset,
                    period,
                    f"{base}/{dataset.resolution}/{dataset.folder}/{period}",
                    run_dir,
                    settings,
                    client,
                    retry,
                )
                parts.append(table)  # "recent" (quality-checked) after "now": it wins
                files += archived
                needed = first.floor("h") + dataset.step  # the first interval of the window
                if not table.empty and table["time"].min() <= needed:
                    break
            frames.append(_hourly(pd.concat(parts, ignore_index=True), dataset, first, last))
    finish_manifest(run_dir, files)
    result = finish_table(frames, first, last)
    log.info("%s: %d observations of %d stations", SOURCE_ID, len(result),
             result["station"].nunique())  # fmt: skip
    return result


def _fetch_period(
    dataset: CdcDataset,
    period: str,
    url: str,
    run_dir: Path,
    settings: Settings,
    client: httpx.Client,
    retry: Retry,
) -> tuple[pd.DataFrame, list]:
    """The 10-minute (or hourly) values of the stations in the bounds in one period folder."""
    folder = run_dir / dataset.resolution / dataset.folder / period
    if (run_dir / "manifest.json").exists():  # a finished window: read what it archived
        names = sorted(p.name for p in folder.glob("[!.]*")) if folder.is_dir() else []
    else:
        names = listing(url, client, retry)
    zips = [n for n in names if n.startswith(dataset.prefix + "_") and n.endswith(".zip")]
    if not zips:
        log.warning("%s: no station files in %s", SOURCE_ID, url)
        return _empty_values(), []
    lists = [n for n in names if n.endswith("Beschreibung_Stationen.txt")]
    if not lists:
        raise InvalidDataError(
            f"{url}/: station files without a *Beschreibung_Stationen.txt station list; "
            "the mirror is incomplete (write it with write_cdc_mirror) or DWD renamed it"
        )
    archived = download(
        [(f"{url}/{lists[0]}", folder / lists[0])], _verify_station_list, retry, run_dir=run_dir
    )
    stations = read_station_list(folder / lists[0])
    stations = stations[bounds_mask(stations["lat"], stations["lon"], settings.observation_bounds)]
    wanted = {zip_name(dataset, int(s), period) for s in stations["station"]}
    jobs = [(f"{url}/{n}", folder / n) for n in zips if n in wanted]
    archived += download(
        jobs, _verify_zip, retry, run_dir=run_dir, workers=settings.download_workers
    )
    values = [read_product(dest, dataset) for _, dest in jobs]
    table = pd.concat([_empty_values(), *values], ignore_index=True)
    meta = stations.set_index("station")
    table["name"] = table["station"].map(meta["name"])
    table["lat"] = table["station"].map(meta["lat"])
    table["lon"] = table["station"].map(meta["lon"])
    return table, archived


def read_station_list(path: Path) -> pd.DataFrame:
    """A CDC station list: ``station`` (5-digit id), ``name``, ``lat``, ``lon``, ``height``."""
    lines = path.read_bytes().decode("latin-1").splitlines()
    if not lines or not lines[0].lower().startswith("stations_id"):
        raise InvalidDataError(f"{path}: not a DWD station list (no 'Stations_id' header)")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        tokens = line.split()
        if not tokens or set(tokens[0]) == {"-"}:
            continue
        if tokens[-1] == "Frei":  # the "Abgabe" column of some lists
            tokens = tokens[:-1]
        try:
            station, height, lat, lon = int(tokens[0]), *map(float, tokens[3:6])
            name = " ".join(tokens[6:-1])
        except (ValueError, IndexError) as exc:
            raise InvalidDataError(f"{path}, line {number}: unreadable station ({exc})") from exc
        rows.append({"station": f"{station:05d}", "name": name, "lat": lat, "lon": lon,
                     "height": height})  # fmt: skip
    return pd.DataFrame(rows, columns=["station", "name", "lat", "lon", "height"])


def read_product(path: Path, dataset: CdcDataset) -> pd.DataFrame:
    """The values of ``dataset``'s columns in one station zip: long, missing values dropped,
    ``time`` the end of each interval (UTC)."""
    with zipfile.ZipFile(path) as archive:
        members = [n for n in archive.namelist() if Path(n).name.startswith("produkt_")]
        if not members:
            raise InvalidDataError(f"{path}: no produkt_*.txt in the zip")
        text = archive.read(members[0]).decode("latin-1")
    try:
        table = pd.read_csv(io.StringIO(text), sep=";", dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidDataError(f"{path}:{members[0]}: unreadable table ({exc})") from exc
    table.columns = [c.strip().upper() for c in table.columns]
    missing = [c for c in ("STATIONS_ID", "MESS_DATUM", *dataset.read) if c not in table]
    if missing:
        raise InvalidDataError(f"{path}:{members[0]}: lacks the columns {missing}")
    stamps = table["MESS_DATUM"].str.strip()
    fmt = "%Y%m%d%H%M" if stamps.str.len().eq(12).all() else "%Y%m%d%H"
    times = pd.to_datetime(stamps, format=fmt, utc=True, errors="coerce")
    if times.isna().any():
        bad = stamps[times.isna()].iloc[0]
        raise InvalidDataError(f"{path}:{members[0]}: unreadable MESS_DATUM {bad!r}")
    stations = table["STATIONS_ID"].str.strip().astype(int).map("{:05d}".format)
    frames = []
    for column in dataset.read:
        values = pd.to_numeric(table[column].str.strip(), errors="coerce")
        values = values.where(values != MISSING)
        frames.append(
            pd.DataFrame({"station": stations, "time": times, "column": column,
                          "value": values}).dropna(subset=["value"])
        )  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _hourly(
    values: pd.DataFrame, dataset: CdcDataset, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Hourly canonical rows: 10-minute extremes over complete hours, hourly values as read."""
    values = values[(values["time"] > start - pd.Timedelta("1h")) & (values["time"] <= end)]
    values = values.drop_duplicates(["station", "column", "time"], keep="last")
    frames = []
    for column, (variable, how) in dataset.read.items():
        rows = values[values["column"] == column]
        if how == "value":
            hourly = rows[rows["time"] == rows["time"].dt.floor("h")]
            hourly = hourly.assign(variable=variable)
        else:
            hour = rows["time"].dt.ceil("h")
            grouped = rows.assign(time=hour).groupby(["station", "time"])["value"]
            stats = grouped.agg([how, "count"]).reset_index()
            stats = stats[stats["count"] == 6]  # all six 10-minute values of the hour
            meta = rows.drop_duplicates("station").set_index("station")
            hourly = stats.rename(columns={how: "value"}).assign(variable=variable)
            for field in ("name", "lat", "lon"):
                hourly[field] = hourly["station"].map(meta[field])
        frames.append(hourly.assign(source=SOURCE_ID))
    return pd.concat(frames, ignore_index=True) if frames else _empty_values()


def _empty_values() -> pd.DataFrame:
    return pd.DataFrame(
        {"station": pd.Series(dtype=str), "time": pd.Series(dtype="datetime64[ns, UTC]"),
         "column": pd.Series(dtype=str), "value": pd.Series(dtype=float),
         "name": pd.Series(dtype=str), "lat": pd.Series(dtype=float),
         "lon": pd.Series(dtype=float)}
    )  # fmt: skip


def _verify_zip(tmp: Path, *, origin: str) -> None:
    """A station zip must open, pass its CRC check and hold a ``produkt_*.txt``."""
    try:
        with zipfile.ZipFile(tmp) as archive:
            damaged = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InvalidDataError(
            f"{origin}: truncated or corrupt zip ({exc}); it is downloaded again"
        ) from exc
    if damaged is not None:
        raise InvalidDataError(f"{origin}: member {damaged} fails its CRC check")
    if not any(Path(n).name.startswith("produkt_") for n in names):
        raise InvalidDataError(f"{origin}: zip without a produkt_*.txt (members {names})")


def _verify_station_list(tmp: Path, *, origin: str) -> None:
    head = tmp.read_bytes()[:64].decode("latin-1").lower()
    if not head.startswith("stations_id"):
        raise InvalidDataError(f"{origin}: not a DWD station list (no 'Stations_id' header)")


# -- the mirror ---------------------------------------------------------------------------------
def write_cdc_mirror(mirror_root: Path, stations: pd.DataFrame, observations: pd.DataFrame) -> Path:
    """Write ``observations`` (hourly, :data:`~pipeline.verification.observed.COLUMNS`) as a
    CDC tree under ``mirror_root``, so :func:`fetch_observations` reads them back unchanged.

    ``stations`` has ``station`` (DWD id, number or digits), ``name``, ``lat``, ``lon`` (and
    optionally ``height``). 10-minute datasets go to ``now``, hourly ones to ``recent``. An
    hourly gust or extreme becomes the same value in each of the hour's six 10-minute records;
    a NaN value is written as -999 (missing). Returns ``mirror_root``.
    """
    mirror_root = Path(mirror_root)
    meta = stations.assign(station=stations["station"].astype(int)).set_index("station")
    obs = observations.assign(
        station=observations["station"].astype(int),
        time=pd.to_datetime(observations["time"], utc=True),
    )
    unknown = sorted(set(obs["station"]) - set(meta.index))
    if unknown:
        raise ValueError(f"write_cdc_mirror: stations {unknown[:5]} have no row in `stations`")
    for dataset in DATASETS.values():
        period = dataset.periods[0]
        folder = mirror_root / dataset.resolution / dataset.folder / period
        columns = {variable: column for column, (variable, _) in dataset.read.items()}
        rows = obs[obs["variable"].isin(list(columns))]
        if dataset.resolution == "10_minutes":  # each hour's value in all six records
            steps = [pd.Timedelta(minutes=m) for m in range(50, -1, -10)]
            rows = pd.concat([rows.assign(time=rows["time"] - s) for s in steps])
        written = []
        for station, group in rows.groupby("station"):
            table = group.pivot_table(
                index="time", columns="variable", values="value", aggfunc="first", dropna=False
            ).sort_index()
            text = _product_text(station, table.rename(columns=columns), dataset)
            first, last = table.index[0], table.index[-1]
            member = (
                f"produkt_{dataset.products[period]}_{first:%Y%m%d}_{last:%Y%m%d}_{station:05d}.txt"
            )
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(member, text.encode("latin-1"))
            write_bytes_atomic(folder / zip_name(dataset, station, period), buffer.getvalue())
            written.append(station)
        if written:
            listed = meta.loc[sorted(written)]
            write_bytes_atomic(folder / dataset.station_lists[period], _station_list(listed))
    return mirror_root


def _product_text(station: int, table: pd.DataFrame, dataset: CdcDataset) -> str:
    """A ``produkt_*.txt`` as DWD writes it (padded columns, -999 missing, eor)."""
    fmt = "%Y%m%d%H%M" if dataset.resolution == "10_minutes" else "%Y%m%d%H"
    lines = ["STATIONS_ID;MESS_DATUM;" + ";".join(f"{c:>5}" for c in dataset.header) + ";eor"]
    for when, row in table.iterrows():
        cells = []
        for column in dataset.header:
            if column.startswith("QN"):  # quality level 3: automatic checks
                cells.append(f"{3:>5}")
                continue
            value = row.get(column, np.nan)
            cells.append(f"{MISSING:>5}" if pd.isna(value) else f"{value:5.1f}")
        lines.append(f"{station:11d};{when:{fmt}};" + ";".join(cells) + ";eor")
    return "\r\n".join(lines) + "\r\n"


def _station_list(stations: pd.DataFrame) -> bytes:
    """A fixed-width, Latin-1 station list in the layout of ``*Beschreibung_Stationen.txt``."""
    lines = [
        "Stations_id von_datum bis_datum Stationshoehe geoBreite geoLaenge Stationsname "
        "Bundesland Abgabe",
        "----------- --------- --------- ------------- --------- --------- "
        "----------------------------------------- ---------- ------",
    ]
    for station, row in stations.iterrows():
        height = row.get("height", 0.0)
        height = 0.0 if pd.isna(height) else float(height)
        lines.append(
            f"{station:05d} 20000101 20991231 {height:14.0f} {row['lat']:11.4f} "
            f"{row['lon']:9.4f} {row['name']:<40} {'Unbekannt':<40} Frei"
        )
    return ("\r\n".join(lines) + "\r\n").encode("latin-1", errors="replace")

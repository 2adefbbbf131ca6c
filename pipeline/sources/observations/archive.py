"""What every observation source shares: the window, the archive folder, verified downloads.

An observation request is a window ``(start, end]`` of UTC times; its raw files go to
``{archive_dir}/observations/{source id}/{start}-{end}/`` with a ``manifest.json`` (URL, size,
sha256, retrieval time per file). Keying the folder by the window makes a rerun of the same
task find its files (nothing is fetched twice) while a later window gets fresh copies of the
files providers keep rewriting (DWD's ``now`` zips, KMI's WFS answers).

Downloads go through :func:`pipeline.sources.download.fetch` (temporary name, verification,
rename; 5xx, timeouts and dropped connections retried) with a verifier per file type, since
:func:`~pipeline.sources.download.fetch_all` verifies GRIB only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from pipeline.errors import (
    ConfigError,
)
from pipeline.retry import call_with_retries
from pipeline.sources.download import (
    ArchivedFile,
    fetch_all,
    list_directory,
    write_manifest,
)
from pipeline.verification.observed import COLUMNS


@dataclass(frozen=True)
class Retry:
    """How hard a source tries: attempts per request and the first backoff (doubling)."""

    attempts: int = 4
    backoff_s: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    timeout_s: float = 60.0


def check_window(start: datetime, end: datetime) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``start`` and ``end`` as UTC timestamps, or a ConfigError saying what is wrong."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ConfigError(
            f"observation window {start} - {end}: give timezone-aware times (UTC), e.g. "
            "datetime(2026, 1, 15, tzinfo=UTC)"
        )
    first, last = pd.Timestamp(start).tz_convert(UTC), pd.Timestamp(end).tz_convert(UTC)
    if first >= last:
        raise ConfigError(f"observation window {first} - {last}: start must be before end")
    return first, last


def hours_in(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """The full hours ``h`` with ``start < h <= end``: the ends of the hourly intervals."""
    first = start.floor("h") + pd.Timedelta(hours=1)
    return pd.date_range(first, end.floor("h"), freq="h")


def window_dir(archive_dir: Path, source_id: str, start: pd.Timestamp, end: pd.Timestamp) -> Path:
    """Where the raw files of one source and window are archived."""
    name = f"{start:%Y%m%dT%H%MZ}-{end:%Y%m%dT%H%MZ}"
    return Path(archive_dir) / "observations" / source_id / name


def bounds_mask(lat, lon, bounds: tuple[float, float, float, float]) -> np.ndarray:
    """True where (lat, lon) lies inside ``bounds`` = (lat_min, lat_max, lon_min, lon_max)."""
    lat_min, lat_max, lon_min, lon_max = bounds
    if not (lat_min < lat_max and lon_min < lon_max):
        raise ConfigError(
            f"observation_bounds {bounds}: expected (lat_min, lat_max, lon_min, lon_max) with "
            "min < max; set CROSSWARN_OBSERVATION_BOUNDS, e.g. [47.5, 54.5, 1.5, 10.5]"
        )
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    return (lat >= lat_min) & (lat <= lat_max) & (lon >= lon_min) & (lon <= lon_max)


def download(
    jobs: Iterable[tuple[str, Path]],
    verify: Callable[..., None],
    retry: Retry,
    *,
    run_dir: Path,
    workers: int = 4,
) -> list[ArchivedFile]:
    """Fetch each (url, destination) unless already archived (:func:`fetch_all`, checked by
    ``verify``); return the manifest records, paths relative to ``run_dir``."""
    jobs = list(jobs)
    records = fetch_all(
        jobs,
        workers=workers,
        attempts=retry.attempts,
        backoff_s=retry.backoff_s,
        timeout_s=retry.timeout_s,
        sleep=retry.sleep,
        verify=verify,
    )
    return [
        replace(record, path=str(dest.relative_to(run_dir)))
        for record, (_, dest) in zip(records, jobs, strict=True)
    ]


def listing(url: str, client: httpx.Client, retry: Retry) -> list[str]:
    """File names in a directory listing (HTML index or file://), with the retry policy."""
    return call_with_retries(
        lambda: list_directory(url, client=client),
        what=url,
        attempts=retry.attempts,
        backoff_s=retry.backoff_s,
        sleep=retry.sleep,
    )


def finish_manifest(run_dir: Path, files: list[ArchivedFile]) -> Path:
    """Write the window's manifest (one record per archived path)."""
    unique = {record.path: record for record in files}
    return write_manifest(run_dir, list(unique.values()))


def empty_table() -> pd.DataFrame:
    """An observation table without rows (the columns of :data:`COLUMNS`)."""
    return pd.DataFrame(
        {
            "source": pd.Series(dtype=str), "station": pd.Series(dtype=str),
            "name": pd.Series(dtype=str), "lat": pd.Series(dtype=float),
            "lon": pd.Series(dtype=float), "time": pd.Series(dtype="datetime64[ns, UTC]"),
            "variable": pd.Series(dtype=str), "value": pd.Series(dtype=float),
        }
    )[list(COLUMNS)]  # fmt: skip


def finish_table(
    frames: list[pd.DataFrame], start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """The rows of ``frames`` with a value and ``start < time <= end``, in :data:`COLUMNS`
    order, sorted by station, variable and time."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_table()
    table = pd.concat(frames, ignore_index=True)
    table["time"] = pd.to_datetime(table["time"], utc=True).astype("datetime64[ns, UTC]")
    table["value"] = pd.to_numeric(table["value"], errors="coerce").astype(float)
    keep = table["value"].notna() & (table["time"] > start) & (table["time"] <= end)
    table = table.loc[keep, list(COLUMNS)]
    table = table.drop_duplicates(["station", "variable", "time"], keep="last")
    return table.sort_values(["station", "variable", "time"], ignore_index=True)

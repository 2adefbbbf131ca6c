"""Observed warning levels: observations judged by the same criteria objects as the forecasts.

Every observation source yields one table (:data:`COLUMNS`): a station's value of a canonical
variable (:mod:`pipeline.variables`, canonical unit) for the interval ending at ``time`` (UTC).
:func:`station_statistics` turns it into the layout of a run's ``statistics.nc`` -- per region
and valid time the share of the region's *reporting* stations at or beyond each criteria
threshold (``{variable}_fraction_above|below``), and their extreme (``{variable}_max|min``) --
so :func:`observed_levels` can call the very function that assesses forecasts
(:func:`pipeline.assessment.levels.assess_levels`): "anywhere in the region" becomes "at any
station in it", a share of the area becomes the share of its stations. Radar statistics
(share of area, exact region weights) have the same layout and go through the same function.

A region or hour without a reporting station is NaN, never "no warning": missing
observations are unknown, and :func:`observed_levels` reports them as ``None``.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr

from pipeline.assessment.criteria import HAZARDS, LEVELS, AuthorityCriteria, thresholds_for
from pipeline.assessment.levels import assess_levels
from pipeline.errors import InvalidDataError
from pipeline.variables import CANONICAL_UNITS, PRECIPITATION_WINDOWS

#: One row per station, variable and interval; ``time`` is the interval's end (UTC).
COLUMNS = ("source", "station", "name", "lat", "lon", "time", "variable", "value")


def check_observations(obs: pd.DataFrame, what: str) -> pd.DataFrame:
    """``obs`` with the columns of :data:`COLUMNS`, UTC times and known variables, or an error
    naming ``what`` (the file or source) and the problem."""
    missing = [c for c in COLUMNS if c not in obs.columns]
    if missing:
        raise InvalidDataError(f"{what}: observations lack the columns {missing}")
    unknown = sorted(set(obs["variable"]) - set(CANONICAL_UNITS))
    if unknown:
        raise InvalidDataError(f"{what}: unknown canonical variables {unknown}")
    times = pd.to_datetime(obs["time"], utc=True)
    return obs.assign(time=times, value=pd.to_numeric(obs["value"], errors="coerce"))


def precipitation_windows(obs: pd.DataFrame) -> pd.DataFrame:
    """``obs`` plus ``precipitation_{n}h`` sums of each station's hourly ``precipitation_1h``
    over the windows of :data:`PRECIPITATION_WINDOWS` (only complete windows: every hour
    reported)."""
    hourly = obs[obs["variable"] == "precipitation_1h"]
    if hourly.empty:
        return obs
    extra = []
    for station, rows in hourly.groupby("station"):
        series = rows.set_index("time")["value"].sort_index()
        series = series[~series.index.duplicated(keep="last")].asfreq("1h")
        first = rows.iloc[0]
        for n in PRECIPITATION_WINDOWS[1:]:
            sums = series.rolling(n, min_periods=n).sum().dropna()
            if sums.empty:
                continue
            extra.append(
                pd.DataFrame(
                    {
                        "source": first["source"], "station": station, "name": first["name"],
                        "lat": first["lat"], "lon": first["lon"], "time": sums.index,
                        "variable": f"precipitation_{n}h", "value": sums.to_numpy(),
                    }
                )
            )  # fmt: skip
    present = set(obs["variable"])
    extra = [e for e in extra if e["variable"].iloc[0] not in present]
    return pd.concat([obs, *extra], ignore_index=True) if extra else obs


def stations_in_regions(obs: pd.DataFrame, regions: gpd.GeoDataFrame) -> pd.DataFrame:
    """``obs`` with the ``region`` each station lies in (stations outside every region are
    dropped)."""
    stations = obs.drop_duplicates("station")[["station", "lat", "lon"]]
    points = gpd.GeoDataFrame(
        stations, geometry=gpd.points_from_xy(stations["lon"], stations["lat"]), crs="EPSG:4326"
    )
    shapes = regions[["geometry"]].to_crs("EPSG:4326").rename_axis("region").reset_index()
    joined = gpd.sjoin(points, shapes, predicate="within", how="inner")
    where = joined.drop_duplicates("station").set_index("station")["region"]
    return obs.assign(region=obs["station"].map(where)).dropna(subset=["region"])


def station_statistics(
    obs: pd.DataFrame, regions: gpd.GeoDataFrame, criteria: dict[str, AuthorityCriteria]
) -> xr.Dataset:
    """Per region and valid time: the share of reporting stations at or beyond each threshold
    the criteria apply, the stations' extremes and their number (``station_count``)."""
    located = stations_in_regions(precipitation_windows(obs), regions)
    region_ids = [str(r) for r in regions.index]
    times = pd.DatetimeIndex(sorted(located["time"].unique())).tz_convert(None)
    data = {}
    counts = []
    for variable, rows in located.groupby("variable"):
        table = rows.pivot_table(
            index="time", columns="station", values="value", aggfunc="max"
        ).reindex(pd.DatetimeIndex(times, tz=UTC))
        station_region = rows.drop_duplicates("station").set_index("station")["region"]
        values = table.to_numpy(dtype=float)  # (time, station)
        owner = station_region.reindex(table.columns).to_numpy()
        masks = np.stack([owner == r for r in region_ids])  # (region, station)
        reporting = np.isfinite(values)
        count = (masks[:, None, :] & reporting[None, :, :]).sum(axis=2)  # (region, time)
        counts.append(xr.DataArray(count, dims=("region", "valid_time")).rename(variable))
        with np.errstate(invalid="ignore"):
            for direction in ("above", "below"):
                keys = thresholds_for(criteria, variable, direction)
                if not keys:
                    continue
                beyond = np.stack(
                    [values >= k if direction == "above" else values <= k for k in keys], -1
                )  # (time, station, threshold)
                hits = np.einsum("rs,tsk->rtk", masks.astype(float), beyond.astype(float))
                share = hits / np.where(count > 0, count, np.nan)[..., None]
                data[f"{variable}_fraction_{direction}"] = xr.DataArray(
                    share[:, :, None, :],
                    dims=("region", "valid_time", "member", f"{variable}_threshold"),
                    coords={f"{variable}_threshold": keys},
                )
            for extreme, reduce in (("max", np.fmax), ("min", np.fmin)):
                filled = np.where(masks[:, None, :], values[None, :, :], np.nan)
                result = reduce.reduce(filled, axis=2)
                data[f"{variable}_{extreme}"] = xr.DataArray(
                    result[:, :, None], dims=("region", "valid_time", "member")
                )
    stats = xr.Dataset(data, coords={"region": region_ids, "valid_time": times, "member": [0]})
    stats["station_count"] = xr.concat(counts, dim="variable").max("variable")
    stats.attrs["title"] = "crosswarn observed region statistics (stations)"
    return stats


def observed_levels(
    stats: xr.Dataset,
    criteria: dict[str, AuthorityCriteria],
    authority_ids: dict[str, str],
    hazards: list[str] | None = None,
) -> pd.DataFrame:
    """The observed level (``none``..``red``, or None where no station reports) per authority
    (its criteria file's id), region, valid time and hazard, under the same criteria as the
    forecasts. Rows only for hazards the observations can judge. A consultation-only level
    (the authority decides it on impact) counts as observed where its crosswarn proxy is."""
    frames = []
    # Observations have no lead time: a reference after every valid time meets any
    # max_lead_hours.
    reference = pd.Timestamp(stats["valid_time"].values.max()).to_pydatetime()
    reference = reference.replace(tzinfo=UTC)
    for hazard in hazards or list(HAZARDS):
        kind = HAZARDS[hazard]
        usable = {
            c: a for c, a in criteria.items()
            if hazard in a.hazards
            and f"{a.hazards[hazard].variable}_fraction_{kind.direction}" in stats
        }  # fmt: skip
        if not usable:
            continue
        cube = assess_levels(stats, usable, hazard, reference_time=reference)
        # A consultation-only level (KNMI code rood) counts as observed when its proxy is.
        reached = np.maximum(cube["level"], cube["consultation"])
        for country, authority in usable.items():
            variable = authority.hazards[hazard].variable
            fractions = stats[f"{variable}_fraction_{kind.direction}"].isel(member=0)
            known = fractions.notnull().any(f"{variable}_threshold").transpose("region", ...)
            level = reached.sel(criteria=country).transpose("region", "valid_time")
            names = np.asarray(LEVELS, dtype=object)[level.to_numpy()]
            names[~known.to_numpy()] = None
            regions, times = level["region"].values, level["valid_time"].values
            frames.append(
                pd.DataFrame(
                    {
                        "authority": authority_ids[country], "country": country,
                        "region": np.repeat(regions.astype(str), len(times)),
                        "valid_time": np.tile(pd.DatetimeIndex(times).tz_localize(UTC),
                                              len(regions)),
                        "hazard": hazard, "observed_level": names.ravel(),
                    }
                )
            )  # fmt: skip
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def daily_levels(levels: pd.DataFrame) -> pd.DataFrame:
    """The highest observed level per authority, region, local day and hazard (None when no
    hour of the day was observed)."""
    from pipeline.assessment.criteria import LOCAL_TIME

    if levels.empty:
        return levels.assign(date=[])
    rank = {name: i for i, name in enumerate(LEVELS)}
    local = levels["valid_time"] - pd.Timedelta(
        minutes=30
    )  # an hour ending at 00:00 is the day before
    frame = levels.assign(
        date=local.dt.tz_convert(LOCAL_TIME).dt.date.astype(str),
        rank=levels["observed_level"].map(rank),
    )
    keys = ["authority", "country", "region", "date", "hazard"]
    best = frame.groupby(keys, sort=True)["rank"].max().reset_index()
    best["observed_level"] = [None if np.isnan(r) else LEVELS[int(r)] for r in best["rank"]]
    return best.drop(columns="rank")


def authority_ids(regions_dir: Path) -> dict[str, str]:
    """Country -> the id of its authority's criteria file (``regions/criteria/{id}.yaml``)."""
    import yaml

    ids = {}
    for path in sorted((Path(regions_dir) / "criteria").glob("*.yaml")):
        country = (yaml.safe_load(path.read_text()) or {}).get("country")
        ids[str(country)] = path.stem
    return ids

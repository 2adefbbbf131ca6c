"""``crosswarn aggregate``: region statistics of any GRIB or NetCDF file, for analysts.

GRIB files are decoded with eccodes (regular lat-lon grids; ICON's icosahedral products go
through their source adapter, which knows the grid file). NetCDF files are opened with xarray;
``lat``/``lon`` are accepted for ``latitude``/``longitude`` and ``time`` for ``valid_time``.
Values are used as they are in the file (no unit conversion).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import numpy as np
import xarray as xr

from pipeline.errors import ConfigError, InvalidDataError
from pipeline.files import atomic_path
from pipeline.geo.grids import RegularGrid
from pipeline.geo.weights import cached_weights, grid_from_dataset
from pipeline.settings import Settings
from pipeline.sources.grib import decode_fields
from pipeline.statistics.exceedance import STATS, region_statistics

GRIB_SUFFIXES = (".grib", ".grib2", ".grb", ".grb2", ".bz2")


def open_field(paths: Sequence[Path], variable: str) -> xr.DataArray:
    """The variable ``variable`` of the files as (member, valid_time, latitude, longitude)."""
    paths = [Path(p) for p in paths]
    if all(_is_grib(p) for p in paths):
        return _grib_field(paths, variable)
    if any(_is_grib(p) for p in paths):
        raise ConfigError("give either GRIB files or NetCDF files, not both")
    return _netcdf_field(paths, variable)


def _is_grib(path: Path) -> bool:
    if path.suffix in GRIB_SUFFIXES:
        return True
    with path.open("rb") as fh:
        return fh.read(4) == b"GRIB"


def _grib_field(paths: list[Path], variable: str) -> xr.DataArray:
    fields = []
    for path in paths:
        found = decode_fields(path)
        chosen = [f for f in found if f.short_name == variable]
        if not chosen:
            names = sorted({f.short_name for f in found})
            raise ConfigError(f"{path}: no GRIB variable {variable!r}; it holds {names}")
        fields += chosen
    grid = fields[0].grid
    if not isinstance(grid, RegularGrid):
        raise ConfigError(
            f"{paths[0]}: on an unstructured grid; aggregate it through its source "
            "(crosswarn run), which knows the grid file"
        )
    for f in fields:
        if f.grid != grid:
            raise InvalidDataError(f"{variable}: files on different grids ({f.grid.describe()})")
    times = sorted({f.reference_time + timedelta(hours=f.step_end) for f in fields})
    members = sorted({f.member for f in fields})
    data = np.full((len(members), len(times), *grid.shape), np.nan, dtype=np.float32)
    for f in fields:
        t = times.index(f.reference_time + timedelta(hours=f.step_end))
        data[members.index(f.member), t] = f.values
    return xr.DataArray(
        data,
        dims=("member", "valid_time", "latitude", "longitude"),
        coords={
            "member": members,
            "valid_time": [np.datetime64(t.replace(tzinfo=None), "ns") for t in times],
            "latitude": grid.latitudes,
            "longitude": grid.longitudes,
        },
        name=variable,
    )


def _netcdf_field(paths: list[Path], variable: str) -> xr.DataArray:
    with xr.open_mfdataset(paths, combine="by_coords", engine="netcdf4") as ds:
        if variable not in ds:
            raise ConfigError(
                f"{paths[0]}: no variable {variable!r}; it holds {list(ds.data_vars)}"
            )
        da = ds[variable].load()
    da = da.rename(
        {k: v for k, v in {"lat": "latitude", "lon": "longitude"}.items() if k in da.dims}
    )
    if "time" in da.dims and "valid_time" not in da.dims:
        da = da.drop_vars("valid_time", errors="ignore").rename(time="valid_time")
    if "valid_time" not in da.dims:
        if "valid_time" in da.coords:
            da = da.expand_dims("valid_time")
        else:
            da = da.expand_dims(valid_time=[np.datetime64("NaT", "ns")])
    if "number" in da.dims:
        da = da.rename(number="member")
    if "member" not in da.dims:
        da = da.expand_dims(member=[0])
    if not {"latitude", "longitude"} <= set(da.dims):
        raise ConfigError(f"{paths[0]}: {variable} has dims {da.dims}; need latitude/longitude")
    da = da.sortby("latitude").sortby("longitude").reset_coords(drop=True)
    return da.transpose("member", "valid_time", "latitude", "longitude").astype(np.float32)


def aggregate(
    paths: Sequence[Path],
    variable: str,
    thresholds: Sequence[float],
    *,
    regions: str,
    out: Path,
    settings: Settings,
    nuts_version: int = 2024,
    stats: Sequence[str] = STATS,
) -> xr.Dataset:
    """Region statistics of ``variable``, written as CSV or NetCDF (by ``out``'s suffix)."""
    if out.suffix not in (".csv", ".nc"):
        raise ConfigError(f"{out}: the output must end in .csv or .nc")
    field = open_field(paths, variable)
    frame = _regions(regions, settings, nuts_version)
    grid = grid_from_dataset(field.to_dataset())
    weights = cached_weights(frame, grid, settings.cache_dir)
    if not thresholds:
        stats = [s for s in stats if not s.startswith("fraction")]
    result = region_statistics(field, weights, thresholds, stats=stats).compute()
    result["region_name"] = ("region", frame.loc[list(result.region.values), "name"].to_numpy())
    result.attrs = {"title": f"crosswarn region statistics of {variable}", "regions": regions}
    with atomic_path(out) as tmp:
        if out.suffix == ".csv":
            table = result.drop_vars("region_name").to_dataframe().reset_index()
            table.insert(1, "region_name", frame.loc[table["region"], "name"].to_numpy())
            keys = [
                k
                for k in ("region", "region_name", "valid_time", "member", "threshold")
                if k in table
            ]
            table = table[keys + [c for c in table.columns if c not in keys]]
            table.to_csv(tmp, index=False, float_format="%.6g")
        else:
            result.to_netcdf(tmp, engine="netcdf4")
    return result


def _regions(kind: str, settings: Settings, nuts_version: int):
    if kind == "emma":
        from pipeline.geo.regions import load_regions

        return load_regions(settings.regions_dir)
    if kind == "nuts3":
        from pipeline.sources.gisco import load_nuts3

        return load_nuts3(
            nuts_version,
            cache_dir=settings.cache_dir or Path(".cache"),
            mirror=settings.nuts_mirror,
        )
    raise ConfigError(f"--regions {kind!r}: choose emma or nuts3")

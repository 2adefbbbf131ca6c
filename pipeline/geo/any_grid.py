"""Which grid a variable of an analyst's dataset is on, for exact region weights on any grid.

:func:`grid_of` recognises, in this order:

- ICON's icosahedral grid (dims ``cell``, ``ncells`` or cfgrib's ``values``): needs DWD's grid
  file, whose triangles give exact weights when the file has their vertices (crosswarn's own
  forecast datasets carry their cell centres and areas: centre weights without a file).
- CF ``grid_mapping`` ``rotated_latitude_longitude`` with 1-D rotated coordinates:
  :class:`~pipeline.geo.cell_grids.RotatedPoleGrid`.
- 1-D latitude and longitude (``lat``/``lon``/``latitude``/``longitude``; any order, longitudes
  in -180..180 or 0..360): :class:`~pipeline.geo.grids.RegularGrid` when evenly spaced, else
  (Gaussian grids) a :class:`~pipeline.geo.cell_grids.CurvilinearGrid` of the same cells.
- 2-D latitude and longitude (named by the CF ``coordinates`` attribute or as coordinates of the
  variable; any other grid mapping, e.g. Lambert): a curvilinear grid.

:func:`to_grid_layout` puts a field into the layout its grid's weights expect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr

from pipeline.errors import ConfigError
from pipeline.geo.cell_bounds import curvilinear_grid, rectilinear_grid
from pipeline.geo.cell_grids import CurvilinearGrid, IconTriangleGrid, RotatedPoleGrid
from pipeline.geo.grids import RegularGrid
from pipeline.geo.icon_files import icon_grid
from pipeline.geo.icon_grid import UnstructuredGrid
from pipeline.geo.weights import grid_from_dataset

AnyGrid = RegularGrid | RotatedPoleGrid | CurvilinearGrid | UnstructuredGrid | IconTriangleGrid

LAT_NAMES = ("latitude", "lat", "nav_lat", "XLAT")
LON_NAMES = ("longitude", "lon", "nav_lon", "XLONG")
CELL_DIMS = ("cell", "ncells", "values")
#: What crosswarn's ICON datasets carry of their grid (:func:`grid_from_dataset` reads them).
OWN_CELL_VARIABLES = ("grid_name", "grid_number", "grid_uuid", "latitude", "longitude", "cell_area")
#: Two coordinates differing by less than this (degrees, plus 1e-4 of the step) count as evenly
#: spaced: float32 coordinates near 360° carry errors of 3e-5°.
SPACING_TOLERANCE = 5e-5


def grid_of(
    ds: xr.Dataset,
    variable: str,
    *,
    grid_file: Path | None = None,
    icon_weights: Literal["exact", "centre"] = "exact",
) -> tuple[AnyGrid, tuple[str, ...]]:
    """The grid ``ds[variable]`` is on, and the variable's spatial dims.

    Parameters
    ----------
    ds
        The dataset, as opened (the dims keep their names; nothing is sorted).
    variable
        The data variable to aggregate.
    grid_file
        DWD's ICON grid file (``icon_grid_NNNN_RxxBxx_*.nc[.bz2]``), for fields on ICON's
        icosahedral grid.
    icon_weights
        ``"exact"``: weights of the ICON triangles clipped to each region (needs the vertices in
        the grid file; falls back to centres with a warning); ``"centre"``: the operational
        sources' rule, each cell wholly in the region holding its centre.

    Returns
    -------
    grid, dims
        ``dims`` are the variable's spatial dims: ``(lat, lon)`` for a
        :class:`~pipeline.geo.grids.RegularGrid` (its latitudes and longitudes ascending,
        longitudes wrapped into -180..180 when that keeps them evenly spaced),
        ``(rlat, rlon)`` for a rotated grid, the two dims of the 2-D latitude for a curvilinear
        one, ``(cell,)`` for ICON. :func:`to_grid_layout` arranges a field to match.
    """
    where = _where(ds, variable)
    if variable not in ds.data_vars:
        raise ConfigError(f"{where}: no variable {variable!r}; it holds {sorted(ds.data_vars)}")
    da = ds[variable]
    if not da.dims:
        raise ConfigError(f"{where}: {variable} has no dimensions; choose a gridded variable")
    cell_dims = [d for d in da.dims if d in CELL_DIMS]
    if cell_dims:
        return _icon(ds, da, cell_dims[0], where, grid_file, icon_weights), (cell_dims[0],)
    mapping_var = _grid_mapping(ds, da, where)
    mapping = None if mapping_var is None else mapping_var.attrs["grid_mapping_name"]
    if mapping == "rotated_latitude_longitude":
        return _rotated(da, mapping_var, where)
    one_d = _one_d_lat_lon(da)
    if one_d is not None and mapping in (None, "latitude_longitude"):
        return _regular(da, *one_d, where), one_d
    two_d = _two_d_lat_lon(ds, da)
    if two_d is not None:
        lat, lon = two_d
        return curvilinear_grid(ds, lat, lon, where), lat.dims
    if mapping is not None:
        raise ConfigError(
            f"{where}: {variable} uses grid mapping {mapping!r} without 2-D latitude and "
            "longitude; add them as coordinates (e.g. cdo setgrid) or regrid the file"
        )
    raise ConfigError(
        f"{where}: cannot tell the grid of {variable} (dims {da.dims}); it needs latitude and "
        "longitude coordinates (1-D or 2-D), a rotated-pole grid_mapping, or ICON cells"
    )


def to_grid_layout(field: xr.DataArray, grid: AnyGrid, dims: tuple[str, ...]) -> xr.DataArray:
    """``field`` (a variable :func:`grid_of` was asked about) with its spatial dims last, as
    (..., latitude, longitude) sorted ascending on a :class:`RegularGrid` and as (..., cell),
    cells flattened row-major, with ``latitude``/``longitude`` of each cell, on any other grid."""
    lead = [d for d in field.dims if d not in dims]
    field = field.transpose(*lead, *dims)
    if isinstance(grid, RegularGrid):
        lat_dim, lon_dim = dims
        lon = np.asarray(field[lon_dim].values, dtype=np.float64)
        start = grid.lon0 - grid.dlon / 2  # longitudes into the grid's own turn, then sorted
        field = field.assign_coords({lon_dim: start + (lon - start) % 360.0})
        field = field.sortby(lat_dim).sortby(lon_dim).reset_coords(drop=True)
        field = field.rename({lat_dim: "latitude", lon_dim: "longitude"})
        return field.assign_coords(latitude=grid.latitudes, longitude=grid.longitudes)
    if isinstance(grid, RotatedPoleGrid):
        field = field.sortby(list(dims))
    coords = {d: field[d] for d in lead if d in field.coords}
    data = field.data.reshape(*field.shape[: len(lead)], -1)
    return xr.DataArray(
        data,
        dims=(*lead, "cell"),
        coords=coords
        | {
            "latitude": ("cell", grid.latitudes.ravel()),
            "longitude": ("cell", grid.longitudes.ravel()),
        },
        name=field.name,
        attrs=field.attrs,
    )


def _where(ds: xr.Dataset, variable: str) -> str:
    source = ds.encoding.get("source")
    return f"{source} ({variable})" if source else f"dataset variable {variable}"


def _grid_mapping(ds: xr.Dataset, da: xr.DataArray, where: str) -> xr.DataArray | None:
    """The variable's CF grid mapping variable, with a grid_mapping_name (None without one)."""
    attr = da.attrs.get("grid_mapping") or da.encoding.get("grid_mapping")
    if not attr:
        return None
    name = str(attr).split(":")[0].split()[0]  # also the extended form "crs: x y"
    if name not in ds.variables:
        raise ConfigError(f"{where}: grid_mapping {name!r} is not a variable of the file")
    if not ds[name].attrs.get("grid_mapping_name"):
        raise ConfigError(f"{where}: grid mapping variable {name!r} has no grid_mapping_name")
    return ds[name]


def _one_d_lat_lon(da: xr.DataArray) -> tuple[str, str] | None:
    lat = [d for d in da.dims if d in LAT_NAMES or _standard_name(da, d) == "latitude"]
    lon = [d for d in da.dims if d in LON_NAMES or _standard_name(da, d) == "longitude"]
    return (lat[0], lon[0]) if lat and lon else None


def _standard_name(da: xr.DataArray, dim: str) -> str | None:
    return da[dim].attrs.get("standard_name") if dim in da.coords else None


def _regular(da: xr.DataArray, lat_dim: str, lon_dim: str, where: str) -> AnyGrid:
    lat = np.sort(np.asarray(da[lat_dim].values, dtype=np.float64))
    lon = np.asarray(da[lon_dim].values, dtype=np.float64)
    for name, values in ((lat_dim, lat), (lon_dim, lon)):
        if values.size < 2:
            raise ConfigError(
                f"{where}: a single point along {name}: the cell size is unknown; "
                "give a file with at least two points along each axis"
            )
    lon = _longitudes(lon)
    dlat, dlon = _step(lat), _step(lon)
    if dlat is None or dlon is None:
        return rectilinear_grid(lat, lon)
    return RegularGrid(
        lat0=round(float(lat[0]), 6),
        lon0=round(float(lon[0]), 6),
        dlat=dlat,
        dlon=dlon,
        nlat=lat.size,
        nlon=lon.size,
    )


def _longitudes(lon: np.ndarray) -> np.ndarray:
    """Sorted longitudes in -180..180 if evenly spaced there, else in 0..360 if evenly spaced
    there (a grid across the antimeridian), else as given."""
    for turned in ((lon + 180.0) % 360.0 - 180.0, lon % 360.0):
        if _step(np.sort(turned)):
            return np.sort(turned)
    return np.sort(lon)


def _step(values: np.ndarray) -> float | None:
    """The spacing of sorted ``values`` if even and positive, else None."""
    step = (values[-1] - values[0]) / (values.size - 1)
    if step <= 0:
        return None
    if np.abs(np.diff(values) - step).max() > SPACING_TOLERANCE + 1e-4 * step:
        return None
    return round(float(step), 6)


def _rotated(
    da: xr.DataArray, mapping: xr.DataArray, where: str
) -> tuple[RotatedPoleGrid, tuple[str, str]]:
    def axis(standard: str, names: tuple[str, ...]) -> str:
        found = [d for d in da.dims if d in names or _standard_name(da, d) == standard]
        if not found:
            raise ConfigError(
                f"{where}: rotated-pole grid without a 1-D {standard} coordinate "
                f"(standard_name {standard!r} or named {names[0]})"
            )
        return found[0]

    rlat_dim = axis("grid_latitude", ("rlat", "y"))
    rlon_dim = axis("grid_longitude", ("rlon", "x"))
    rlat = np.sort(np.asarray(da[rlat_dim].values, dtype=np.float64))
    rlon = np.sort(np.asarray(da[rlon_dim].values, dtype=np.float64))
    if rlat.size < 2 or rlon.size < 2 or _step(rlat) is None or _step(rlon) is None:
        raise ConfigError(
            f"{where}: rotated coordinates {rlat_dim}/{rlon_dim} are not evenly spaced with at "
            "least two points each; regrid the file"
        )
    try:
        pole = (
            float(mapping.attrs["grid_north_pole_latitude"]),
            float(mapping.attrs["grid_north_pole_longitude"]),
            float(mapping.attrs.get("north_pole_grid_longitude", 0.0)),
        )
    except KeyError as exc:
        raise ConfigError(f"{where}: rotated-pole grid mapping without {exc.args[0]}") from exc
    rotated = RegularGrid(
        lat0=round(float(rlat[0]), 6),
        lon0=round(float(rlon[0]), 6),
        dlat=_step(rlat),
        dlon=_step(rlon),
        nlat=rlat.size,
        nlon=rlon.size,
    )
    return RotatedPoleGrid(*pole, rotated=rotated), (rlat_dim, rlon_dim)


def _two_d_lat_lon(ds: xr.Dataset, da: xr.DataArray):
    """The 2-D latitude and longitude of the variable (CF ``coordinates`` first), or None."""
    names = str(da.attrs.get("coordinates") or da.encoding.get("coordinates") or "").split()
    names += [str(c) for c in da.coords] + [str(v) for v in ds.variables]
    found: dict[str, xr.DataArray] = {}
    for name in names:
        if name not in ds.variables or ds[name].ndim != 2 or not set(ds[name].dims) <= set(da.dims):
            continue
        kind = _kind(ds[name], name)
        if kind and kind not in found:
            found[kind] = ds[name]
    if {"lat", "lon"} <= set(found) and found["lat"].dims == found["lon"].dims:
        return found["lat"], found["lon"]
    return None


def _kind(var: xr.DataArray, name: str) -> str | None:
    standard, units = var.attrs.get("standard_name"), str(var.attrs.get("units", ""))
    if standard == "latitude" or units.startswith("degrees_north") or name in LAT_NAMES:
        return "lat"
    if standard == "longitude" or units.startswith("degrees_east") or name in LON_NAMES:
        return "lon"
    return None


def _icon(
    ds: xr.Dataset,
    da: xr.DataArray,
    dim: str,
    where: str,
    grid_file: Path | None,
    icon_weights: str,
) -> UnstructuredGrid | IconTriangleGrid:
    grid_type = da.attrs.get("GRIB_gridType")
    if grid_type not in (None, "unstructured_grid"):
        raise ConfigError(
            f"{where}: a {grid_type} grid on dim {dim!r}; regrid it to a regular grid first"
        )
    number, uuid = _icon_ids(ds, da)
    if grid_file is None and dim == "cell" and set(OWN_CELL_VARIABLES) <= set(ds.variables):
        return grid_from_dataset(ds)  # crosswarn's own forecast datasets carry their cells
    if grid_file is None:
        wanted = f"icon_grid_{number:04d}_*" if number else "icon_grid_NNNN_*"
        raise ConfigError(
            f"{where}: on ICON's icosahedral grid{f' no. {number}' if number else ''}; pass "
            f"--grid-file with DWD's grid file ({wanted}.nc.bz2 from "
            "https://opendata.dwd.de/weather/lib/cdo/)"
        )
    return icon_grid(
        grid_file, npoints=da.sizes[dim], number=number, uuid=uuid, exact=icon_weights == "exact"
    )


def _icon_ids(ds: xr.Dataset, da: xr.DataArray) -> tuple[int, str]:
    """The grid number and UUID the data carries (0 and "" when it carries none): cfgrib's
    GRIB keys, ICON's own NetCDF attributes, or crosswarn's normalised variables."""
    number = da.attrs.get("GRIB_numberOfGridUsed") or ds.attrs.get("number_of_grid_used")
    uuid = da.attrs.get("GRIB_uuidOfHGrid") or ds.attrs.get("uuidOfHGrid")
    if number is None and "grid_number" in ds:
        number = int(ds["grid_number"])
    if uuid is None and "grid_uuid" in ds:
        uuid = str(ds["grid_uuid"].values)
    return int(number or 0), str(uuid or "").replace("-", "").lower()

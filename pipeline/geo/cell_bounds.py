"""Cell corners of curvilinear and uneven rectilinear grids, from CF bounds or from the centres.

Without bounds, a corner is the mean of the four centres around it, and the outer corners are
extrapolated linearly, the usual guess (CDO, cf-xarray). On a grid that is regular in fact this
puts every corner exactly halfway, so the cells are those of the regular grid.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from pipeline.errors import ConfigError
from pipeline.geo.cell_grids import CurvilinearGrid


def curvilinear_grid(
    ds: xr.Dataset, lat: xr.DataArray, lon: xr.DataArray, where: str
) -> CurvilinearGrid:
    """The grid of 2-D ``lat``/``lon`` (dims (y, x)), corners from their CF ``bounds``."""
    lat_c = np.asarray(lat.values, dtype=np.float64)
    lon_c = np.asarray(lon.transpose(*lat.dims).values, dtype=np.float64)
    if min(lat_c.shape) < 2 and not ("bounds" in lat.attrs and "bounds" in lon.attrs):
        raise ConfigError(
            f"{where}: a 2-D grid of {lat_c.shape} points without CF bounds: the cells are "
            "unknown; give a file with at least 2 x 2 points or with latitude/longitude bounds"
        )
    if "bounds" in lat.attrs and "bounds" in lon.attrs:
        vertex_lat = _cf_bounds(ds, lat, where)
        vertex_lon = _cf_bounds(ds, lon.transpose(*lat.dims), where)
    else:
        lon_u = np.unwrap(np.unwrap(lon_c, period=360.0, axis=1), period=360.0, axis=0)
        vertex_lat = _cells(np.clip(_corners(lat_c), -90.0, 90.0))
        vertex_lon = _cells(_corners(lon_u))
    return CurvilinearGrid(
        latitudes=lat_c, longitudes=lon_c, vertex_lat=vertex_lat, vertex_lon=vertex_lon
    )


def rectilinear_grid(lat: np.ndarray, lon: np.ndarray) -> CurvilinearGrid:
    """Cells of uneven 1-D (ascending) ``lat`` and ``lon`` (a Gaussian grid): edges halfway
    between centres, the outer ones as far out as the next edge in."""
    lat_edges = np.clip(_edges(lat), -90.0, 90.0)
    lon_edges = _edges(lon)
    lon2, lat2 = np.meshgrid(lon, lat)
    lon_corners, lat_corners = np.meshgrid(lon_edges, lat_edges)
    return CurvilinearGrid(
        latitudes=lat2,
        longitudes=lon2,
        vertex_lat=_cells(lat_corners),
        vertex_lon=_cells(lon_corners),
    )


def _edges(centres: np.ndarray) -> np.ndarray:
    inner = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - inner[0]], inner, [2 * centres[-1] - inner[-1]]])


def _corners(centres: np.ndarray) -> np.ndarray:
    """(ny + 1, nx + 1) corners of (ny, nx) centres: means of 2 x 2 neighbours after padding
    each side with a linearly extrapolated row or column."""
    padded = np.pad(centres, 1, mode="reflect", reflect_type="odd")
    return (padded[:-1, :-1] + padded[:-1, 1:] + padded[1:, :-1] + padded[1:, 1:]) / 4


def _cells(corners: np.ndarray) -> np.ndarray:
    """Each cell's four corners, anticlockwise from (j, i), cells row-major: (ny * nx, 4)."""
    ring = (corners[:-1, :-1], corners[:-1, 1:], corners[1:, 1:], corners[1:, :-1])
    return np.stack([c.ravel() for c in ring], axis=-1)


def _cf_bounds(ds: xr.Dataset, coord: xr.DataArray, where: str) -> np.ndarray:
    name = coord.attrs["bounds"]
    if name not in ds.variables:
        raise ConfigError(f"{where}: bounds variable {name!r} of {coord.name} is missing")
    bounds = ds[name]
    extra = [d for d in bounds.dims if d not in coord.dims]
    if len(extra) != 1 or bounds.sizes[extra[0]] != 4:
        raise ConfigError(f"{where}: {name} must have dims {coord.dims} + 4 vertices")
    values = np.asarray(bounds.transpose(*coord.dims, extra[0]).values, dtype=np.float64)
    return values.reshape(-1, 4)

"""Exact area weights of regions on grids whose cells are polygons: curvilinear grids and
ICON's triangles (rotated grids go through exactextract on the rotated raster, in
:mod:`pipeline.geo.weights`).

Each region is intersected with the cells it touches (a shapely STRtree finds them; cells
wholly inside skip the clipping) and each piece is measured exactly on the sphere
(:mod:`pipeline.geo.spherical`):

- curvilinear cells, whose edges are straight in longitude-latitude like the regions' own
  outlines, are clipped in the longitude-latitude plane;
- ICON triangles, whose edges are great circles, are clipped in a gnomonic projection centred on
  the regions, where great circles are straight; the regions' outlines are densified first so
  their edges keep following longitude-latitude lines there.

So a weight is the area (km², ICON's sphere) of the part of the cell inside the region, and a
cell wholly inside weighs its whole spherical area, as on regular grids.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse as sp
import shapely

from pipeline.errors import ConfigError
from pipeline.geo.cell_grids import DENSIFY_DEG, CurvilinearGrid, IconTriangleGrid
from pipeline.geo.spherical import gnomonic, great_circle_areas_km2, lonlat_areas_km2


def polygon_weights(
    geometries: np.ndarray, grid: CurvilinearGrid | IconTriangleGrid
) -> sp.csr_matrix:
    """(region x cell) km² of each region (longitude-latitude outlines) in each cell."""
    geometries = np.asarray(geometries, dtype=object)
    west, south, east, north = shapely.total_bounds(geometries)
    if isinstance(grid, CurvilinearGrid):
        regions = geometries
        cells = grid.polygons(near_lon=(west + east) / 2)
        measure = lonlat_areas_km2
    else:
        centre = ((west + east) / 2, (south + north) / 2)
        cells = _near_triangles(grid, centre)
        regions = shapely.segmentize(geometries, DENSIFY_DEG)  # new geometries, set in place
        xy = gnomonic(*shapely.get_coordinates(regions).T, centre)
        if np.isnan(xy).any():
            raise ConfigError("the regions span more than a hemisphere: weight them in parts")
        shapely.set_coordinates(regions, xy)
        measure = functools.partial(great_circle_areas_km2, centre=centre)
    return _clip(regions, cells, grid.cell_areas_km2(), measure)


def _near_triangles(grid: IconTriangleGrid, centre: tuple[float, float]) -> np.ndarray:
    """The triangles as gnomonic polygons; None for those 60° or more from ``centre``, which
    no region reaches and where the projection stretches too much to be worth it."""
    lon0, lat0 = np.radians(centre)
    lat, lon = np.radians(grid.latitudes), np.radians(grid.longitudes)
    cos_c = np.sin(lat0) * np.sin(lat) + np.cos(lat0) * np.cos(lat) * np.cos(lon - lon0)
    near = np.flatnonzero(cos_c > 0.5)
    cells = np.full(grid.shape[0], None, dtype=object)
    cells[near] = grid.polygons(centre, near)
    return cells


def _clip(regions: np.ndarray, cells: np.ndarray, areas: np.ndarray, measure) -> sp.csr_matrix:
    shape = (len(regions), len(cells))
    present = np.flatnonzero(shapely.is_geometry(cells))
    tree = shapely.STRtree(cells[present])
    shapely.prepare(regions)
    region_idx, hit = tree.query(regions, predicate="intersects")
    cell_idx = present[hit]
    inside = shapely.contains_properly(regions[region_idx], cells[cell_idx])
    values = np.where(inside, areas[cell_idx], 0.0)
    border = ~inside
    if border.any():
        pieces = shapely.intersection(regions[region_idx[border]], cells[cell_idx[border]])
        values[border] = measure(pieces)
    matrix = sp.csr_matrix((values, (region_idx, cell_idx)), shape=shape)
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix

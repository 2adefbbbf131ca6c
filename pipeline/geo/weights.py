"""Area weights of regions on a grid: a sparse (region x cell) matrix, in km².

Regular lat-lon grids: weight of cell c in region r = (fraction of c inside r, computed exactly
by exactextract) x (area of c on the sphere). A region smaller than one cell still gets the cells
it overlaps. ICON's icosahedral grids: a cell belongs to the region holding its centre, with its
full area (cells are ~2 km for ICON-D2-EPS, ~20 km for ICON-EU-EPS); a region holding no centre
gets its own area on the nearest cell, unless it lies beyond the grid's edge. Weights are cached
on disk, keyed by the grid's fingerprint and the region set's fingerprint.

Analysts' grids (:mod:`pipeline.geo.any_grid`): rotated-pole grids rotate the regions into the
grid's system and weigh there as on a regular grid (a rotation moves no area); curvilinear grids
and ICON triangles with vertices clip each cell exactly (:mod:`pipeline.geo.polygon_weights`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
import xarray as xr
from pyproj import CRS

from pipeline.files import atomic_path
from pipeline.geo.cell_grids import CurvilinearGrid, IconTriangleGrid, RotatedPoleGrid
from pipeline.geo.grids import RegularGrid
from pipeline.geo.icon_grid import UnstructuredGrid
from pipeline.geo.polygon_weights import polygon_weights
from pipeline.geo.region_facts import regions_fingerprint, true_area_km2

log = logging.getLogger(__name__)

Grid = RegularGrid | UnstructuredGrid | RotatedPoleGrid | CurvilinearGrid | IconTriangleGrid


@dataclass(frozen=True)
class RegionWeights:
    """Sparse weights of ``regions`` over the flattened cells of ``grid`` ((latitude, longitude)
    row-major on regular grids)."""

    matrix: sp.csr_matrix  # (n_regions, n_cells), km²
    regions: tuple[str, ...]
    grid: Grid

    @property
    def region_area_km2(self) -> np.ndarray:
        return np.asarray(self.matrix.sum(axis=1)).ravel()

    @functools.cached_property
    def compressed(self) -> tuple[np.ndarray, sp.csr_matrix]:
        """The cells some region covers (indices into the grid) and the matrix over only those
        columns, rows' indices sorted: what every reduction works on (computed once)."""
        used = np.unique(self.matrix.indices)
        matrix = self.matrix[:, used].tocsr()
        matrix.sort_indices()
        return used, matrix


def region_coverage(
    regions: gpd.GeoDataFrame, weights: RegionWeights, cache_dir: Path | None = None
) -> np.ndarray:
    """Share of each region's area the grid covers (1 inside the domain, less at its edge);
    the regions' true areas kept under ``cache_dir``, if given (:mod:`.region_facts`)."""
    area = true_area_km2(regions, cache_dir)
    true_area = np.array([area[region] for region in weights.regions])  # equal-area, km²
    return np.clip(weights.region_area_km2 / true_area, 0.0, 1.0)


def grid_from_dataset(ds: xr.Dataset) -> RegularGrid | UnstructuredGrid:
    """The grid a source's dataset is on, from its coordinates."""
    if "cell" in ds.dims:
        return UnstructuredGrid(
            name=str(ds["grid_name"].values),
            number=int(ds["grid_number"]),
            uuid=str(ds["grid_uuid"].values),
            latitudes=ds["latitude"].values,
            longitudes=ds["longitude"].values,
            areas=ds["cell_area"].values,
        )
    lat, lon = ds["latitude"].values, ds["longitude"].values
    return RegularGrid(
        lat0=float(lat[0]),
        lon0=float(lon[0]),
        dlat=round(float(lat[1] - lat[0]), 6),
        dlon=round(float(lon[1] - lon[0]), 6),
        nlat=lat.size,
        nlon=lon.size,
    )


def build_weights(regions: gpd.GeoDataFrame, grid: Grid) -> RegionWeights:
    """Area weights of each region on ``grid`` (see the module docstring)."""
    geometries = regions.geometry.to_numpy()
    if isinstance(grid, UnstructuredGrid):
        matrix = _centre_weights(regions, grid)
    elif isinstance(grid, RegularGrid):
        matrix = _regular_weights(geometries, regions.index, grid)
    elif isinstance(grid, RotatedPoleGrid):
        matrix = _regular_weights(grid.rotate(geometries), regions.index, grid.rotated)
    else:
        matrix = polygon_weights(geometries, grid)
    empty = [r for r, n in zip(regions.index, np.diff(matrix.indptr), strict=True) if n == 0]
    if empty:
        log.warning("regions outside the grid %s get no statistics: %s", grid.describe(), empty)
    return RegionWeights(matrix=matrix, regions=tuple(regions.index), grid=grid)


def _regular_weights(geometries: np.ndarray, ids, grid: RegularGrid) -> sp.csr_matrix:
    """Exactextract's coverage of each cell x the cell's area on the sphere."""
    # Imported here: a run whose weights are cached (every run after the first) needs none.
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource

    half_lat, half_lon = grid.dlat / 2, grid.dlon / 2
    # exactextract numbers cells row-major from the top (northern) row.
    raster = NumPyRasterSource(
        np.zeros(grid.shape, dtype=np.float32),
        xmin=grid.lon0 - half_lon,
        ymin=grid.lat0 - half_lat,
        xmax=grid.lon0 + grid.dlon * (grid.nlon - 1) + half_lon,
        ymax=grid.lat0 + grid.dlat * (grid.nlat - 1) + half_lat,
        srs_wkt=CRS.from_epsg(4326).to_wkt(),
    )
    frame = gpd.GeoDataFrame({"region": ids}, geometry=geometries, crs="EPSG:4326")
    table = exact_extract(
        raster, frame, ["cell_id", "coverage"], output="pandas", include_cols=["region"]
    )
    areas = grid.cell_areas_km2().ravel()
    rows, cols, vals = [], [], []
    for row, (cell_ids, coverage) in enumerate(
        zip(table["cell_id"], table["coverage"], strict=True)
    ):
        cell_ids = np.asarray(cell_ids, dtype=np.int64)
        top_row, col = np.divmod(cell_ids, grid.nlon)
        flat = (grid.nlat - 1 - top_row) * grid.nlon + col  # our rows run south to north
        rows.append(np.full(flat.size, row))
        cols.append(flat)
        vals.append(np.asarray(coverage, dtype=np.float64) * areas[flat])
    matrix = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(geometries), grid.nlat * grid.nlon),
    )
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix


def _centre_weights(regions: gpd.GeoDataFrame, grid: UnstructuredGrid) -> sp.csr_matrix:
    west, south, east, north = regions.total_bounds
    near = np.flatnonzero(
        (grid.latitudes >= south - 1)
        & (grid.latitudes <= north + 1)
        & (grid.longitudes >= west - 1)
        & (grid.longitudes <= east + 1)
    )
    tree = shapely.STRtree(shapely.points(grid.longitudes[near], grid.latitudes[near]))
    region_idx, point_idx = tree.query(regions.geometry.to_numpy(), predicate="contains")
    cols = near[point_idx]
    vals = grid.areas[cols]
    rows = region_idx
    empty = np.setdiff1d(np.arange(len(regions)), region_idx)
    if empty.size and near.size:
        # Too small to hold a cell centre: the nearest cell stands for it, with the region's area
        # (if the region lies within the grid, no farther from that cell than its neighbours).
        anchors = regions.geometry.iloc[empty].representative_point().to_numpy()
        nearest = tree.nearest(anchors)
        inside = _within_spacing(regions.geometry.iloc[empty].to_numpy(), tree, nearest)
        empty, nearest = empty[inside], nearest[inside]
        equal_area = regions.geometry.iloc[empty].to_crs("EPSG:6933").area.to_numpy() / 1e6
        rows = np.concatenate([rows, empty])
        cols = np.concatenate([cols, near[nearest]])
        vals = np.concatenate([vals, equal_area])
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(regions), grid.shape[0]))
    matrix.sort_indices()
    return matrix


def _within_spacing(geometries: np.ndarray, tree: shapely.STRtree, cells: np.ndarray) -> np.ndarray:
    """Whether each region lies no farther (in degrees) from cell ``cells[i]``'s centre than
    that centre lies from the next one: inside the grid's domain, not beyond its edge."""
    points = tree.geometries
    if len(points) < 2:
        return np.zeros(len(cells), dtype=bool)
    _, neighbours = tree.query_nearest(points[cells], exclusive=True, all_matches=False)
    spacing = shapely.distance(points[cells], points[neighbours])
    return shapely.distance(geometries, points[cells]) <= spacing


def cached_weights(regions: gpd.GeoDataFrame, grid: Grid, cache_dir: Path | None) -> RegionWeights:
    """:func:`build_weights`, cached as ``.npz`` under ``cache_dir`` (if given)."""
    if cache_dir is None:
        return build_weights(regions, grid)
    path = cache_dir / f"weights-{grid.fingerprint}-{regions_fingerprint(regions)}.npz"
    if path.exists():
        try:
            matrix = sp.load_npz(path).tocsr()
        except Exception as exc:  # any damage: zip, npy header, array shapes
            log.warning("weights cache %s is damaged (%s): rebuilding it", path, exc)
            path.unlink(missing_ok=True)
        else:
            if matrix.shape == (len(regions), int(np.prod(grid.shape))):
                return RegionWeights(matrix=matrix, regions=tuple(regions.index), grid=grid)
            log.warning("weights cache %s has shape %s: rebuilding it", path, matrix.shape)
            path.unlink(missing_ok=True)
    weights = build_weights(regions, grid)
    with atomic_path(path, keep_suffix=True) as tmp:
        sp.save_npz(tmp, weights.matrix)
    return weights

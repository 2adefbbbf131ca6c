"""Exact area weights of regions on a grid: a sparse (region x cell) matrix.

Weight of cell c in region r = (fraction of c inside r, computed exactly by exactextract) x (area
of c on the sphere, km²). A region smaller than one cell still gets the cells it overlaps.
Weights are cached on disk, keyed by the grid's fingerprint and the region set's fingerprint.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource
from pyproj import CRS

from pipeline.grib import RegularGrid

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegionWeights:
    """Sparse weights of ``regions`` over the flattened (latitude, longitude) cells of ``grid``."""

    matrix: sp.csr_matrix  # (n_regions, n_cells), km²
    regions: tuple[str, ...]
    grid: RegularGrid

    @property
    def region_area_km2(self) -> np.ndarray:
        return np.asarray(self.matrix.sum(axis=1)).ravel()


def regions_fingerprint(regions: gpd.GeoDataFrame) -> str:
    digest = hashlib.sha256()
    for region_id, geometry in zip(regions.index, regions.geometry, strict=True):
        digest.update(region_id.encode())
        digest.update(geometry.wkb)
    return digest.hexdigest()[:16]


def build_weights(regions: gpd.GeoDataFrame, grid: RegularGrid) -> RegionWeights:
    """Compute exact coverage x cell-area weights of each region on ``grid``."""
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
    frame = gpd.GeoDataFrame(
        {"region": regions.index}, geometry=regions.geometry.to_numpy(), crs="EPSG:4326"
    )
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
        shape=(len(regions), grid.nlat * grid.nlon),
    )
    matrix.eliminate_zeros()
    matrix.sort_indices()
    empty = [r for r, n in zip(regions.index, np.diff(matrix.indptr), strict=True) if n == 0]
    if empty:
        log.warning("regions outside the grid %s get no statistics: %s", grid.describe(), empty)
    return RegionWeights(matrix=matrix, regions=tuple(regions.index), grid=grid)


def cached_weights(
    regions: gpd.GeoDataFrame, grid: RegularGrid, cache_dir: Path | None
) -> RegionWeights:
    """:func:`build_weights`, cached as ``.npz`` under ``cache_dir`` (if given)."""
    if cache_dir is None:
        return build_weights(regions, grid)
    path = cache_dir / f"weights-{grid.fingerprint}-{regions_fingerprint(regions)}.npz"
    if path.exists():
        matrix = sp.load_npz(path).tocsr()
        return RegionWeights(matrix=matrix, regions=tuple(regions.index), grid=grid)
    weights = build_weights(regions, grid)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    sp.save_npz(tmp, weights.matrix)
    os.replace(tmp, path)
    return weights

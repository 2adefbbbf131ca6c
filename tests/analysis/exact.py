"""An independent reference for region statistics, sharing no code with crosswarn's weights:
every grid cell as a polygon in longitude-latitude, clipped to each region with shapely, the
pieces measured in a Lambert azimuthal equal-area projection of ICON's sphere (pyproj), the
statistics then taken with plain numpy."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer

#: ICON's sphere (GRIB shapeOfTheEarth 6), on which crosswarn measures cell areas.
RADIUS_M = 6371229.0


def equal_area(geometries, centre: tuple[float, float]) -> np.ndarray:
    """Areas (km²) of lon-lat geometries, in an equal-area projection centred on ``centre``."""
    crs = CRS.from_proj4(f"+proj=laea +lon_0={centre[0]} +lat_0={centre[1]} +R={RADIUS_M}")
    forward = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    dense = shapely.segmentize(np.asarray(geometries, dtype=object), 0.005)
    projected = shapely.transform(dense, lambda xy: np.column_stack(forward.transform(*xy.T)))
    return shapely.area(projected) / 1e6


def regular_cells(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """The cells of a regular grid (centres ascending) as boxes, flattened row-major."""
    dlat, dlon = np.diff(latitudes[:2])[0], np.diff(longitudes[:2])[0]
    lon, lat = np.meshgrid(longitudes, latitudes)
    return shapely.box(
        (lon - dlon / 2).ravel(), (lat - dlat / 2).ravel(), (lon + dlon / 2).ravel(),
        (lat + dlat / 2).ravel(),
    )  # fmt: skip


def weights(regions, cells: np.ndarray) -> np.ndarray:
    """(region x cell) km² of each region in each cell."""
    regions = np.asarray(regions, dtype=object)
    west, south, east, north = shapely.total_bounds(regions)
    centre = ((west + east) / 2, (south + north) / 2)
    tree = shapely.STRtree(cells)
    matrix = np.zeros((len(regions), len(cells)))
    for r, region in enumerate(regions):
        near = tree.query(region, predicate="intersects")
        pieces = shapely.intersection(region, cells[near])
        matrix[r, near] = equal_area(pieces, centre)
    return matrix


def statistics(matrix: np.ndarray, values: np.ndarray, threshold: float | None = None) -> dict:
    """Mean, max, min (cells overlapping by more than 1e-9 of a cell) and the fraction at or
    above ``threshold`` per region, of ``values`` (..., cells)."""
    total = matrix.sum(axis=1)
    result = {
        "mean": np.einsum("rc,...c->...r", matrix, values) / total,
        "max": np.stack([values[..., row > 1e-9].max(axis=-1) for row in matrix], axis=-1),
        "min": np.stack([values[..., row > 1e-9].min(axis=-1) for row in matrix], axis=-1),
    }
    if threshold is not None:
        above = (values >= threshold).astype(float)
        result["fraction_above"] = np.einsum("rc,...c->...r", matrix, above) / total
    return result

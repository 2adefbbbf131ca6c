"""Region statistics against answers known exactly, and against shapely areas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
import xarray as xr

from pipeline.exceedance import region_statistics
from pipeline.grib import RegularGrid
from pipeline.weights import build_weights

# 4 x 4 cells of 1°, centres at 0.5..3.5; at the equator band areas differ only slightly.
GRID = RegularGrid(lat0=0.5, lon0=0.5, dlat=1.0, dlon=1.0, nlat=4, nlon=4)


def _regions(**geoms) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(geometry=list(geoms.values()), crs="EPSG:4326")
    frame.index = list(geoms)
    return frame


def _field(values) -> xr.DataArray:
    values = np.asarray(values, dtype=np.float32)
    return xr.DataArray(
        values[None, None],
        dims=("member", "valid_time", "latitude", "longitude"),
        coords={"member": [0], "valid_time": [np.datetime64("2026-01-15T01", "ns")]},
        attrs={"units": "m s-1"},
    )


def test_weights_equal_exact_cell_overlap_areas():
    # A square covering cells (row 0, col 0) fully and half of (row 0, col 1) and (row 1, col 0).
    weights = build_weights(_regions(a=shapely.box(0, 0, 1.5, 1.5)), GRID)
    areas = GRID.cell_areas_km2().ravel()
    row = weights.matrix.toarray()[0]
    expected = np.zeros(16)
    expected[0] = areas[0]
    expected[1] = 0.5 * areas[1]
    expected[4] = 0.5 * areas[4]
    expected[5] = 0.25 * areas[5]
    np.testing.assert_allclose(row, expected, rtol=1e-12)


def test_a_region_smaller_than_a_cell_still_gets_weight():
    weights = build_weights(_regions(tiny=shapely.box(2.1, 1.1, 2.3, 1.2)), GRID)
    cols = weights.matrix.indices
    assert list(cols) == [1 * 4 + 2]  # the one cell it lies in, south row 1, column 2


def test_statistics_match_hand_computed_values():
    # Two cells of equal latitude band (row 0): weights are coverage x identical cell areas.
    regions = _regions(half=shapely.box(0, 0, 1.5, 1))  # cell (0,0) full, cell (0,1) half
    values = np.zeros((4, 4))
    values[0, 0], values[0, 1] = 10.0, 40.0
    stats = region_statistics(_field(values), build_weights(regions, GRID), [20.0, 40.0, 50.0])
    point = stats.isel(member=0, valid_time=0).sel(region="half")
    assert float(point["mean"]) == pytest.approx((10 * 1 + 40 * 0.5) / 1.5)
    assert float(point["max"]) == 40.0
    assert float(point["min"]) == 10.0
    np.testing.assert_allclose(point["fraction_above"], [1 / 3, 1 / 3, 0.0], rtol=1e-6)
    assert stats["fraction_above"].dims == ("region", "member", "valid_time", "threshold")


def test_nan_cells_leave_the_statistic_and_its_area():
    regions = _regions(r=shapely.box(0, 0, 2, 1))
    values = np.zeros((4, 4))
    values[0, 0], values[0, 1] = np.nan, 30.0
    stats = region_statistics(_field(values), build_weights(regions, GRID), [25.0])
    point = stats.isel(member=0, valid_time=0, region=0)
    assert float(point["mean"]) == 30.0
    assert float(point["fraction_above"].squeeze()) == 1.0


def test_dask_input_gives_identical_result():
    regions = _regions(a=shapely.box(0.2, 0.3, 2.7, 3.1), b=shapely.box(1, 1, 4, 2))
    rng = np.random.default_rng(1)
    values = rng.uniform(0, 40, size=(2, 3, 4, 4)).astype(np.float32)
    field = xr.DataArray(values, dims=("member", "valid_time", "latitude", "longitude"))
    weights = build_weights(regions, GRID)
    eager = region_statistics(field, weights, [10.0, 30.0])
    lazy = region_statistics(field.chunk({"valid_time": 1, "member": 1}), weights, [10.0, 30.0])
    xr.testing.assert_identical(eager, lazy.compute())


def test_weights_agree_with_shapely_intersections_on_the_icon_d2_grid():
    from pipeline.regions import load_regions
    from pipeline.settings import DEFAULT_REGIONS_DIR

    grid = RegularGrid(lat0=43.18, lon0=-3.94, dlat=0.02, dlon=0.02, nlat=746, nlon=1215)
    regions = load_regions(DEFAULT_REGIONS_DIR).loc[["BE008", "LU001", "NL014"]]
    weights = build_weights(regions, grid)
    areas = grid.cell_areas_km2().ravel()
    rng = np.random.default_rng(0)
    for row, geometry in enumerate(regions.geometry):
        start, stop = weights.matrix.indptr[row], weights.matrix.indptr[row + 1]
        cells = weights.matrix.indices[start:stop]
        sample = rng.choice(np.arange(cells.size), size=200, replace=False)
        for k in sample:
            j, i = divmod(int(cells[k]), grid.nlon)
            lat, lon = grid.latitudes[j], grid.longitudes[i]
            cell = shapely.box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)
            fraction = shapely.intersection(cell, geometry).area / cell.area
            assert weights.matrix.data[start + k] == pytest.approx(
                fraction * areas[cells[k]], abs=1e-5 * areas[cells[k]]
            )

"""Region statistics against answers known exactly, and against shapely areas."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
import xarray as xr

from pipeline.geo.grids import RegularGrid
from pipeline.geo.weights import build_weights
from pipeline.statistics.exceedance import region_statistics

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
    assert stats["fraction_above"].dims == ("region", "valid_time", "member", "threshold")


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
    # Without thresholds (no fraction statistics), lazily too.
    chunked = field.chunk({"valid_time": 1})
    eager = region_statistics(field, weights, stats=["mean", "p90"])
    xr.testing.assert_identical(
        eager, region_statistics(chunked, weights, stats=["mean", "p90"]).compute()
    )


def test_weights_agree_with_shapely_intersections_on_the_icon_d2_grid():
    from pipeline.geo.regions import load_regions
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


# 10 cells in one latitude row: equal areas, so weights are just the coverage.
ROW = RegularGrid(lat0=0.5, lon0=0.5, dlat=1.0, dlon=1.0, nlat=1, nlon=10)


def _row_field(values) -> xr.DataArray:
    return xr.DataArray(
        np.asarray(values, dtype=np.float32)[None, None, None, :],
        dims=("member", "valid_time", "latitude", "longitude"),
    )


def test_p90_and_fraction_below_by_hand():
    stats_of = ("p90", "fraction_below", "mean")
    weights = build_weights(_regions(all=shapely.box(0, 0, 10, 1)), ROW)
    stats = region_statistics(_row_field(np.arange(1, 11)), weights, [3.0], stats=stats_of)
    point = stats.isel(region=0, member=0, valid_time=0)
    assert float(point["p90"]) == 9.0  # 9 of 10 equal cells hold values <= 9
    assert float(point["fraction_below"].squeeze()) == pytest.approx(0.3)
    assert set(stats.data_vars) == set(stats_of)
    # Half of the last cell: total weight 9.5, 90 % is 8.55, reached at 9 (cumulative 9).
    weights = build_weights(_regions(r=shapely.box(0, 0, 9.5, 1)), ROW)
    values = np.arange(1, 11, dtype=float)  # 10 in the half-covered last cell
    stats = region_statistics(_row_field(values), weights, stats=["p90"])
    assert float(stats["p90"].squeeze()) == 9.0
    # Reversed, the half cell holds 1: cumulative weight at 9 is 0.5 + 8 = 8.5 < 8.55 -> 10.
    stats = region_statistics(_row_field(values[::-1]), weights, stats=["p90"])
    assert float(stats["p90"].squeeze()) == 10.0
    # A NaN cell leaves the percentile's area: 1..8 and NaN -> 90 % of 8 cells is 7.2 -> 8.
    weights = build_weights(_regions(r=shapely.box(0, 0, 9, 1)), ROW)
    values = [np.nan, *range(1, 9), 100.0]
    stats = region_statistics(_row_field(values), weights, stats=["p90"])
    assert float(stats["p90"].squeeze()) == 8.0


def test_unstructured_weights_hold_centres_and_tiny_regions():
    from pipeline.geo.icon_grid import UnstructuredGrid

    lat, lon = np.meshgrid([0.5, 1.5], [0.5, 1.5, 2.5], indexing="ij")
    grid = UnstructuredGrid(
        name="hand", number=0, uuid="0" * 32,
        latitudes=lat.ravel(), longitudes=lon.ravel(), areas=np.arange(1.0, 7.0),
    )  # fmt: skip
    regions = _regions(two=shapely.box(0, 0, 2, 1), tiny=shapely.box(2.4, 1.4, 2.45, 1.45))
    weights = build_weights(regions, grid)
    dense = weights.matrix.toarray()
    np.testing.assert_allclose(dense[0], [1, 2, 0, 0, 0, 0])  # centres (0.5,0.5), (0.5,1.5)
    assert list(np.flatnonzero(dense[1])) == [5]  # no centre inside: the nearest cell
    assert dense[1, 5] == pytest.approx(
        regions.loc[["tiny"]].to_crs("EPSG:6933").area.iloc[0] / 1e6
    )
    field = xr.DataArray(np.arange(6.0)[None, None], dims=("member", "valid_time", "cell"))
    stats = region_statistics(field, weights, [1.0])
    assert float(stats["mean"].sel(region="two").squeeze()) == pytest.approx((0 * 1 + 1 * 2) / 3)


def test_mean_agrees_with_exactextract_on_real_icon_d2_winds(shared_data):
    """exactextract's own area-weighted mean (cell areas as weights) on the real u_10m field."""
    from exactextract import exact_extract
    from exactextract.raster import NumPyRasterSource
    from pyproj import CRS

    from pipeline.geo.regions import load_regions
    from pipeline.settings import DEFAULT_REGIONS_DIR
    from pipeline.sources.grib import decode_fields

    path = (
        shared_data / "nwp" / "dwd_icon-d2"
        / "icon-d2_germany_regular-lat-lon_single-level_2022042600_000_2d_u_10m.grib2"
    )  # fmt: skip
    (field,) = decode_fields(path)
    grid = field.grid
    regions = load_regions(DEFAULT_REGIONS_DIR)
    stats = region_statistics(
        xr.DataArray(field.values[None, None], dims=("member", "valid_time", *SPATIAL)),
        build_weights(regions, grid),
        stats=["mean"],
    )
    # The raster extent exactly as the weights use it: exactextract's cell set is sensitive to
    # the last bits of the extent (with xmax = lon0 + dlon * (nlon - 0.5) it drops one fully
    # covered cell of NL007 at 53.22 N 6.24 E that shapely confirms is inside).
    bounds = dict(
        xmin=grid.lon0 - grid.dlon / 2,
        ymin=grid.lat0 - grid.dlat / 2,
        xmax=grid.lon0 + grid.dlon * (grid.nlon - 1) + grid.dlon / 2,
        ymax=grid.lat0 + grid.dlat * (grid.nlat - 1) + grid.dlat / 2,
        srs_wkt=CRS.from_epsg(4326).to_wkt(),
    )
    # exactextract wants north-up rasters; ours run south to north.
    values = NumPyRasterSource(field.values[::-1].astype(np.float64), nodata=np.nan, **bounds)
    areas = NumPyRasterSource(grid.cell_areas_km2()[::-1].copy(), **bounds)
    frame = gpd.GeoDataFrame({"region": regions.index}, geometry=regions.geometry.to_numpy())
    frame = frame.set_crs("EPSG:4326")
    table = exact_extract(
        values, frame, "weighted_mean", weights=areas, output="pandas", include_cols=["region"]
    ).set_index("region")
    ours = stats["mean"].squeeze().to_series()
    assert len(ours) == len(regions) == 53
    np.testing.assert_allclose(ours.values, table.loc[ours.index, "weighted_mean"], atol=1e-5)


SPATIAL = ("latitude", "longitude")


def test_distributed_cluster_with_worker_processes_gives_identical_result():
    """A real dask.distributed scheduler over TCP on loopback, two worker processes."""
    from distributed import Client, LocalCluster

    regions = _regions(a=shapely.box(0.2, 0.3, 2.7, 3.1), b=shapely.box(1, 1, 4, 2))
    values = np.random.default_rng(2).uniform(0, 40, size=(3, 4, 4, 4)).astype(np.float32)
    field = xr.DataArray(values, dims=("member", "valid_time", "latitude", "longitude"))
    weights = build_weights(regions, GRID)
    stats_of = ("mean", "max", "min", "p90", "fraction_above", "fraction_below")
    eager = region_statistics(field, weights, [10.0, 30.0], stats=stats_of)
    lazy = region_statistics(field.chunk({"member": 1, "valid_time": 2}), weights, [10.0, 30.0],
                             stats=stats_of)  # fmt: skip
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        assert len(client.scheduler_info()["workers"]) == 2
        remote = lazy.compute()
    xr.testing.assert_identical(eager, remote)


@pytest.mark.parametrize("n_thresholds", [1, 10, 11, 13])
@pytest.mark.parametrize("side", ["above", "below"])
def test_fractions_for_few_and_many_thresholds_equal_a_cell_by_cell_sum(n_thresholds, side):
    """Both ways of summing the area at or above (or at or below) each threshold (a sparse
    product per threshold up to ten, one histogram beyond) against a plain loop over cells;
    values lie exactly on the thresholds, NaN cells weigh nothing, a region without cells has
    no fraction (NaN)."""
    import scipy.sparse as sp

    from pipeline.statistics.exceedance import FEW_THRESHOLDS, _reduce_values

    assert FEW_THRESHOLDS == 10  # the parameters straddle the switch
    rng = np.random.default_rng(n_thresholds)
    thresholds = np.arange(n_thresholds, dtype=np.float64) * 2.0 + 1.0
    # 3 regions over 12 cells (cell 5 in two regions); region 1 has none.
    indices = np.array([0, 1, 2, 3, 4, 5, 6, 5, 7, 8, 9, 10])
    matrix = sp.csr_matrix((rng.random(12) + 0.5, indices, [0, 7, 7, 12]), shape=(3, 11))
    values = rng.choice(np.append(thresholds, [0.0, 1.5, 100.0, np.nan]), size=(4, 11))
    name = f"fraction_{side}"
    got = _reduce_values(values.astype(np.float32), matrix, thresholds, (name,))[name]
    expected = np.zeros((4, 3, n_thresholds))
    valid = np.zeros((4, 3))
    for f in range(4):
        for r in range(3):
            for i in range(matrix.indptr[r], matrix.indptr[r + 1]):
                v = values[f, matrix.indices[i]]
                valid[f, r] += 0.0 if np.isnan(v) else matrix.data[i]
                for k, t in enumerate(thresholds):
                    if (v >= t) if side == "above" else (v <= t):
                        expected[f, r, k] += matrix.data[i]
    with np.errstate(invalid="ignore"):
        expected /= valid[..., None]
    assert np.isnan(got[:, 1]).all()
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)

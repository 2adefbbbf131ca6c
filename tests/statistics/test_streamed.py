"""Streamed statistics (a few valid times per task, derived variables included) against values
worked out by hand."""

from __future__ import annotations

import dask.array as da
import geopandas as gpd
import numpy as np
import shapely
import xarray as xr

from pipeline.geo.grids import RegularGrid
from pipeline.geo.weights import build_weights
from pipeline.statistics.forecast import streamed_statistics

# 2 x 4 cells of 1° at the equator; region "west" is the two western columns, "east" the others.
GRID = RegularGrid(lat0=0.5, lon0=0.5, dlat=1.0, dlon=1.0, nlat=2, nlon=4)
TIMES = [np.datetime64(f"2026-01-15T{h:02d}", "ns") for h in (1, 2, 3)]


def _regions() -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        geometry=[shapely.box(0, 0, 2, 2), shapely.box(2, 0, 4, 2)], crs="EPSG:4326"
    )
    frame.index = ["west", "east"]
    return frame


def _forecast() -> xr.Dataset:
    gust = np.zeros((1, 3, 2, 4), dtype=np.float32)
    gust[0, :, :, :2] = [[[20.0]], [[25.0]], [[30.0]]]  # west: 20, 25, 30 m/s in every cell
    gust[0, :, :, 2:] = 10.0
    gust[0, 1, 0, 3] = 25.0  # east at 02 UTC: one cell of four (south row) at 25 m/s
    ww = np.zeros_like(gust)
    ww[0, 2, :, 0] = 95.0  # a thunderstorm over the westernmost column at 03 UTC
    dims = ("member", "valid_time", "latitude", "longitude")
    chunks = (1, 1, 2, 4)
    return xr.Dataset(
        {
            "wind_gust": (dims, da.from_array(gust, chunks=chunks), {"units": "m s-1"}),
            "weather_code": (dims, da.from_array(ww, chunks=chunks), {"units": "1"}),
        },
        coords={
            "member": [0],
            "valid_time": TIMES,
            "latitude": GRID.latitudes,
            "longitude": GRID.longitudes,
        },
        attrs={"source": "test"},
    )


THRESHOLDS = {"wind_gust": ([25.0], []), "thunderstorm_gust": ([25.0], [])}


def test_streamed_statistics_give_the_hand_computed_values():
    weights = build_weights(_regions(), GRID)
    stats = streamed_statistics(_forecast(), weights, THRESHOLDS)
    fraction = stats["wind_gust_fraction_above"].sel(member=0, wind_gust_threshold=25.0)
    # West reaches 25 at 02 UTC (exactly at the threshold counts) and 30 at 03 UTC.
    assert fraction.sel(region="west").values.tolist() == [0.0, 1.0, 1.0]
    # East: one of four cells at 02 UTC; the two rows' cells differ in area by cos(lat), so
    # the south-east cell's share is its area over the four cells' areas.
    areas = GRID.cell_areas_km2()
    share = areas[0, 3] / areas[:, 2:].sum()
    np.testing.assert_allclose(fraction.sel(region="east").values, [0.0, share, 0.0], rtol=1e-6)
    assert stats["wind_gust_max"].sel(region="east", member=0).values.tolist() == [10, 25, 10]
    # Thunderstorm gusts: 30 m/s in the westernmost column (half of "west") at 03 UTC only.
    storm = stats["thunderstorm_gust_fraction_above"].sel(
        member=0, thunderstorm_gust_threshold=25.0, region="west"
    )
    west = areas[:, :2]
    np.testing.assert_allclose(storm.values, [0, 0, west[:, 0].sum() / west.sum()], rtol=1e-6)
    assert stats["wind_gust_mean"].attrs["units"] == "m s-1"
    assert stats["wind_gust_threshold"].attrs["units"] == "m s-1"
    assert stats.attrs["source"] == "test"

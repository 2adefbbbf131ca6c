"""Statistics tasks reduce several valid times at once (:func:`valid_times_per_task`); the
statistics are bit for bit the same whatever the number, since every field is reduced on its
own in the same order of operations. Checked on fields with masked cells, two members, both
fraction algorithms (a few thresholds, and more than ``FEW_THRESHOLDS``) and derived
variables."""

from __future__ import annotations

import dask.array as da
import geopandas as gpd
import numpy as np
import pytest
import shapely
import xarray as xr

import pipeline.statistics.forecast as forecast_module
from pipeline.geo.grids import RegularGrid
from pipeline.geo.weights import build_weights
from pipeline.statistics.exceedance import FEW_THRESHOLDS
from pipeline.statistics.forecast import TASK_BYTES, statistics_tasks, valid_times_per_task

GRID = RegularGrid(lat0=50.05, lon0=4.05, dlat=0.1, dlon=0.1, nlat=12, nlon=15)
TIMES = 7
MANY = [float(t) for t in np.linspace(-10.0, 10.0, FEW_THRESHOLDS + 3)]
THRESHOLDS = {
    "wind_gust": ([14.0, 20.0, 25.0], []),
    "thunderstorm_gust": ([20.0], []),
    "air_temperature": (MANY, [-5.0, 0.0]),
}


def _regions() -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        geometry=[
            shapely.box(4.0, 50.0, 4.75, 51.2),
            shapely.Point(5.0, 50.6).buffer(0.4),
            shapely.box(5.22, 50.32, 5.48, 50.48),
        ],
        crs="EPSG:4326",
    )
    frame.index = ["a", "b", "c"]
    return frame


def _forecast() -> xr.Dataset:
    rng = np.random.default_rng(20260115)
    shape = (2, TIMES, GRID.nlat, GRID.nlon)
    gust = rng.uniform(5.0, 35.0, shape).astype(np.float32)
    gust[0, 2, 3:6, 4:9] = np.nan  # masked cells: left out of the areas they are divided by
    ww = rng.choice([0.0, 61.0, 95.0, 96.0, 66.0], shape).astype(np.float32)
    temperature = rng.uniform(-15.0, 15.0, shape).astype(np.float32)
    dims = ("member", "valid_time", "latitude", "longitude")
    chunks = (2, 1, GRID.nlat, GRID.nlon)  # one block per valid time, as a source opens it
    return xr.Dataset(
        {
            name: (dims, da.from_array(values, chunks=chunks), {"units": units})
            for name, values, units in [
                ("wind_gust", gust, "m s-1"),
                ("weather_code", ww, "1"),
                ("air_temperature", temperature, "degC"),
            ]
        },
        coords={
            "member": [1, 2],
            "valid_time": np.datetime64("2026-01-15T01", "ns") + np.arange(TIMES) * 3600 * 10**9,
            "latitude": GRID.latitudes,
            "longitude": GRID.longitudes,
        },
    )


def _statistics(monkeypatch, task_bytes: int) -> tuple[int, xr.Dataset]:
    monkeypatch.setattr(forecast_module, "TASK_BYTES", task_bytes)
    tasks, assemble = statistics_tasks(_forecast(), build_weights(_regions(), GRID), THRESHOLDS)
    return len(tasks), assemble(list(da.compute(*tasks, scheduler="sync")))


#: Decoded bytes of one valid time: three variables, two members, float32.
ONE_TIME = 3 * 2 * GRID.nlat * GRID.nlon * 4


@pytest.mark.parametrize(
    ("task_bytes", "tasks"),
    [(ONE_TIME, 7), (2 * ONE_TIME - 1, 7), (2 * ONE_TIME, 4), (7 * ONE_TIME, 1), (1, 7)],
)
def test_the_statistics_are_the_same_whatever_the_valid_times_per_task(
    monkeypatch, task_bytes, tasks
):
    count, batched = _statistics(monkeypatch, task_bytes)
    assert count == tasks
    _, one_by_one = _statistics(monkeypatch, 1)
    assert set(batched.data_vars) == set(one_by_one.data_vars)
    assert "thunderstorm_gust_fraction_above" in batched
    for name in batched.data_vars:
        a, b = batched[name].values, one_by_one[name].values
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name  # bit for bit
    assert batched.identical(one_by_one)


def test_the_batched_statistics_are_the_fields_own(monkeypatch):
    """Against an independent computation: region "c" (5.22-5.48° E, 50.32-50.48° N) overlaps
    the 0.1° cells centred at 5.25-5.45° E and 50.35-50.45° N (and touches no other), so its
    maximum gust is the maximum over those six cells."""
    forecast = _forecast().compute()
    _, stats = _statistics(monkeypatch, 2 * ONE_TIME)
    gust = forecast.wind_gust.sel(latitude=slice(50.3, 50.5), longitude=slice(5.2, 5.5))
    expected = gust.max(["latitude", "longitude"]).transpose("valid_time", "member")
    got = stats.wind_gust_max.sel(region="c").transpose("valid_time", "member")
    np.testing.assert_array_equal(got.values, expected.values)


def test_valid_times_per_task_at_its_bounds():
    assert valid_times_per_task(TASK_BYTES) == 1
    assert valid_times_per_task(TASK_BYTES + 1) == 1  # one valid time above the budget: alone
    assert valid_times_per_task(TASK_BYTES // 2) == 2
    assert valid_times_per_task(TASK_BYTES // 2 + 1) == 1
    assert valid_times_per_task(0) == TASK_BYTES


def test_a_forecast_of_only_the_covered_cells_gives_the_same_statistics(monkeypatch):
    """What ``crosswarn run`` reduces: the fields decoded to the cells some region covers
    (``covered_only``) give the statistics of the whole grid, bit for bit."""
    weights = build_weights(_regions(), GRID)
    used = weights.compressed[0]
    assert 0 < used.size < GRID.nlat * GRID.nlon  # the regions leave cells uncovered
    full = _forecast()
    covered = (
        full.stack(cell=("latitude", "longitude"))
        .isel(cell=used)
        .drop_vars(["cell", "latitude", "longitude"])
    )
    covered = covered.chunk({"valid_time": 1, "cell": -1})
    monkeypatch.setattr(forecast_module, "TASK_BYTES", 2 * ONE_TIME)
    tasks, assemble = statistics_tasks(covered, weights, THRESHOLDS, covered_only=True)
    got = assemble(list(da.compute(*tasks, scheduler="sync")))
    _, expected = _statistics(monkeypatch, 2 * ONE_TIME)
    assert set(got.data_vars) == set(expected.data_vars)
    for name in expected.data_vars:
        a, b = got[name].values, expected[name].values
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), name

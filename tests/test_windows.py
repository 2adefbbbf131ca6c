"""Time windows against sums and extremes worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from pipeline.errors import InvalidDataError
from pipeline.windows import daily_extreme, persistence, running_max, window_sum


def _hourly(values, start="2026-07-01T00") -> xr.DataArray:
    times = pd.date_range(start, periods=len(values), freq="h").values
    return xr.DataArray(np.asarray(values, dtype=float), dims="valid_time",
                        coords={"valid_time": times})  # fmt: skip


def test_window_sum_and_running_max():
    field = _hourly([1, 2, 3, 4, 0, 10])
    np.testing.assert_array_equal(window_sum(field, 3), [np.nan, np.nan, 6, 9, 7, 14])
    np.testing.assert_array_equal(running_max(field, 2), [np.nan, 2, 3, 4, 4, 10])


def test_not_hourly_is_refused():
    field = _hourly([1, 2, 3]).isel(valid_time=[0, 2])
    with pytest.raises(InvalidDataError, match="not hourly"):
        window_sum(field, 2)


def test_daily_extremes_use_local_days_and_skip_partial_days():
    # 72 hours from 23 UTC on 30 June = 00 CET on 1 July: three full CET days.
    values = np.concatenate([np.full(24, 20.0), np.full(24, 31.0), np.full(24, 33.0)])
    values[30] = 35.0  # 06 UTC on 1 July + ... lies in the second CET day
    field = _hourly(values, start="2026-06-30T23")
    tmax = daily_extreme(field, "max")
    assert [str(d)[:10] for d in tmax.day.values] == ["2026-07-01", "2026-07-02", "2026-07-03"]
    np.testing.assert_array_equal(tmax, [20.0, 35.0, 33.0])
    tmin = daily_extreme(field.isel(valid_time=slice(0, 60)), "min")
    assert np.isnan(tmin.values[-1])  # the third day has 12 of 24 hours


def test_persistence_three_days_above():
    tmax = xr.DataArray([31.0, 32.0, 29.0, 30.5, 31.0, 33.0], dims="day")
    np.testing.assert_array_equal(
        persistence(tmax >= 30, 3), [False, False, False, False, False, True]
    )

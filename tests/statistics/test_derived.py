"""Derived variables from hand-chosen grid values: thunderstorm and freezing-rain flags from
ww / ptype codes, gusts inside thunderstorms, fresh snow from snowfall water equivalent, and
which provider variables are reduced together."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from pipeline.statistics.derived import derived_arrays, statistics_groups, with_derived


def _field(values, name: str) -> xr.DataArray:
    return xr.DataArray(np.asarray(values, dtype=np.float32)[None, None, :],
                        dims=("member", "valid_time", "cell"), name=name)  # fmt: skip


@pytest.mark.parametrize(
    ("code", "storm", "freezing"),
    [
        (95, 1, 0), (96, 1, 0), (99, 1, 0),  # WMO 4677 thunderstorm codes
        (94, 0, 0), (82, 0, 0), (0, 0, 0),  # heavy showers and no weather are not
        (56, 0, 1), (57, 0, 1), (66, 0, 1), (67, 0, 1),  # freezing drizzle and rain
        (55, 0, 0), (65, 0, 0), (68, 0, 0), (71, 0, 0),  # drizzle, rain, mixed, snow
        (94.99998, 1, 0),  # a code as 16-bit packing returns it
    ],
)  # fmt: skip
def test_weather_codes_give_the_flags(code, storm, freezing):
    ds = with_derived(xr.Dataset({"weather_code": _field([code], "weather_code")}))
    assert float(ds["thunderstorm"].item()) == storm
    assert float(ds["freezing_rain"].item()) == freezing


def test_a_missing_code_stays_missing():
    ds = with_derived(xr.Dataset({"weather_code": _field([np.nan, 95], "weather_code")}))
    values = ds["thunderstorm"].values.ravel()
    assert np.isnan(values[0]) and values[1] == 1


def test_gusts_count_for_thunderstorms_only_inside_them():
    ds = xr.Dataset({
        "weather_code": _field([95, 61, 96, 0], "weather_code"),
        "wind_gust": _field([30.0, 35.0, 20.0, 25.0], "wind_gust"),
    })  # fmt: skip
    gust = with_derived(ds)["thunderstorm_gust"].values.ravel()
    assert gust.tolist() == [30.0, 0.0, 20.0, 0.0]


def test_the_statistics_tasks_numpy_arrays_and_a_lazy_dataset_get_the_same_derivations():
    """The tasks derive from plain numpy arrays; a Dask-backed dataset stays lazy."""
    codes = np.array([[[95, 61, np.nan, 0]]], dtype=np.float32)
    gusts = np.array([[[30.0, 35.0, 20.0, 25.0]]], dtype=np.float32)
    plain = derived_arrays({"weather_code": codes, "wind_gust": gusts})
    assert plain["thunderstorm_gust"][0].ravel().tolist() == pytest.approx([30, 0, np.nan, 0],
                                                                           nan_ok=True)  # fmt: skip
    assert plain["thunderstorm_gust"][0].dtype == np.float32
    assert plain["thunderstorm_gust"][2] == "weather_code"  # its dimensions: ww's
    lazy = xr.Dataset({
        "weather_code": (("member", "valid_time", "cell"), codes),
        "wind_gust": (("member", "valid_time", "cell"), gusts),
    }).chunk()  # fmt: skip
    derived = with_derived(lazy)
    assert derived["thunderstorm_gust"].chunks is not None  # still a Dask array
    assert derived["freezing_rain"].dims == ("member", "valid_time", "cell")
    np.testing.assert_array_equal(
        derived["thunderstorm_gust"].values, plain["thunderstorm_gust"][0]
    )
    np.testing.assert_array_equal(derived["thunderstorm"].values.ravel(), [1, 0, np.nan, 0])


@pytest.mark.parametrize(("ptype", "freezing"), [(3, 1), (12, 1), (1, 0), (5, 0), (8, 0), (0, 0)])
def test_ecmwf_precipitation_type_gives_freezing_rain(ptype, freezing):
    ds = with_derived(xr.Dataset({"precipitation_type": _field([ptype], "precipitation_type")}))
    assert float(ds["freezing_rain"].item()) == freezing
    assert "thunderstorm" not in ds  # ptype never says thunderstorm


def test_fresh_snow_is_grid_scale_plus_convective_snow_at_ten_to_one():
    ds = xr.Dataset({
        "snowfall_grid_scale_6h": _field([2.0, 0.0], "a"),
        "snowfall_convective_6h": _field([0.5, 0.0], "b"),
    })  # fmt: skip
    out = with_derived(ds)
    assert out["snowfall_6h"].values.ravel().tolist() == [2.5, 0.0]
    assert out["fresh_snow_6h"].values.ravel().tolist() == [2.5, 0.0]  # cm: 1 mm -> 1 cm
    assert out["fresh_snow_6h"].attrs["units"] == "cm"
    # A source with the total (ECMWF's sf) or grid-scale snow only (the RUC) is read as given.
    total = with_derived(xr.Dataset({"snowfall_6h": _field([3.0], "sf")}))
    assert total["fresh_snow_6h"].item() == 3.0
    grid_only = with_derived(xr.Dataset({"snowfall_grid_scale_1h": _field([0.4], "g")}))
    assert grid_only["fresh_snow_1h"].item() == pytest.approx(0.4)


def test_variables_a_derived_one_needs_are_reduced_together():
    dwd = {
        "vmax_10m": "wind_gust", "tot_prec": "precipitation", "t_2m": "air_temperature",
        "ww": "weather_code", "snow_gsp": "snowfall_grid_scale",
        "snow_con": "snowfall_convective", "u_10m": "eastward_wind", "v_10m": "northward_wind",
    }  # fmt: skip
    assert statistics_groups(dwd) == [
        ("vmax_10m", "ww"),
        ("tot_prec",),
        ("t_2m", "u_10m", "v_10m"),
        ("snow_gsp", "snow_con"),
    ]
    # Without ww, the gust is a part of its own.
    assert statistics_groups({"vmax_10m": "wind_gust", "t_2m": "air_temperature"}) == [
        ("vmax_10m",),
        ("t_2m",),
    ]

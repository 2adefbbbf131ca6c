"""Reading a variable of real GRIB and NetCDF files by any of its names, with levels, runs,
valid times and the derived wind speed; values checked against cfgrib, an independent decoder."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import xarray as xr

from pipeline.analysis.fields import Selection, open_field, parse_time
from pipeline.analysis.names import message_names
from pipeline.errors import ConfigError
from pipeline.sources.grib import decode_fields

D2 = "nwp/dwd_icon-d2/icon-d2_germany_regular-lat-lon_single-level_2022042600_000_2d_{}_10m.grib2"
EU_U = "nwp/dwd_icon-eu/icon-eu_europe_regular-lat-lon_single-level_2022050700_000_U_10M.grib2"
EU_T = "nwp/dwd_icon-eu/icon-eu_europe_regular-lat-lon_single-level_2020062300_000_T_2M.grib2"
EPS = "nwp/dwd_icon-eu-eps_climada/test_storm_europe_icon_2021012800_001_vmax_10m.grib2"
LEVELS = "nwp/ecmwf_cfgrib_samples/era5-levels-members.grib"
COSMO = "nwp/meteoswiss_cosmo-e_climada/storm_europe_cosmoe_forecast_vmax_testfile.nc"
D2_NC = "nwp/derived/icon-d2_2022042600_000_uv10m_benelux.nc"
EU_NC = "nwp/derived/icon-eu_2020062300_000_t2m_benelux.nc"


def _cfgrib(path, name=None, **sel) -> xr.DataArray:
    with xr.open_dataset(path, engine="cfgrib", backend_kwargs={"indexpath": ""}) as ds:
        return ds[name or next(iter(ds.data_vars))].sel(sel).sortby("latitude").load()


@pytest.mark.parametrize("name", ["10u", "u10", "U_10M", "u_10m", "eastward_wind"])
def test_a_grib_variable_by_its_eccodes_cfgrib_dwd_or_cf_name(shared_data, name):
    field = open_field([shared_data / EU_U], name)
    assert field.units == "m s-1" and field.data.attrs["standard_name"] == "eastward_wind"
    np.testing.assert_array_equal(field.data.squeeze().values, _cfgrib(shared_data / EU_U).values)


@pytest.mark.parametrize("name", ["t2m", "2t", "T_2M", "air_temperature"])
def test_a_netcdf_variable_by_any_of_its_names(shared_data, name):
    field = open_field([shared_data / EU_NC], name)
    assert field.units == "K" and float(field.data["height"]) == 2.0
    with xr.open_dataset(shared_data / EU_NC) as ds:
        np.testing.assert_array_equal(field.data.squeeze().values, ds["t2m"].values)
    assert field.data["forecast_reference_time"].values == np.datetime64("2020-06-23T00:00")


@pytest.mark.parametrize("name", ["VMAX_10M", "vmax_10m", "wind_speed_of_gust"])
def test_cosmo_names_its_gust_as_dwd_does(shared_data, name):
    field = open_field([shared_data / COSMO], name)
    assert field.data.sizes == {"member": 21, "valid_time": 24, "cell": 25}
    assert field.data.attrs["standard_name"] == "wind_speed_of_gust"


def test_dwd_names_of_grib_messages_come_from_their_parameter_numbers(shared_data):
    [vmax] = decode_fields(shared_data / EPS, keys=("cfVarName", "cfName"))[:1]
    assert {"max_i10fg", "fg10", "vmax_10m", "wind_speed_of_gust"} <= message_names(vmax, "m s-1")
    grib1 = shared_data / "nwp/ecmwf_cfgrib_samples/era5-single-level-scalar-time.grib"
    era5 = decode_fields(grib1, keys=("cfVarName", "cfName"))[0]
    names = message_names(era5, "K")
    assert "air_temperature" in names and "t_2m" not in names  # GRIB1 has no DWD numbers


def test_an_unknown_or_ambiguous_name_says_what_the_file_holds(shared_data, tmp_path):
    with pytest.raises(ConfigError, match=r"no GRIB variable '2t'; it holds \['10u'\]"):
        open_field([shared_data / D2.format("u")], "2t")
    both = xr.Dataset(
        {
            "t2m": ("x", [1.0, 2.0], {"standard_name": "air_temperature"}),
            "tmax": ("x", [2.0, 3.0], {"standard_name": "air_temperature"}),
        }
    )
    both.to_netcdf(tmp_path / "two.nc")
    with pytest.raises(ConfigError, match=r"names several variables \(\['t2m', 'tmax'\]\)"):
        open_field([tmp_path / "two.nc"], "air_temperature")


def test_pressure_levels_stay_a_dimension(shared_data):
    run = Selection(run=datetime(2017, 1, 1, 12, tzinfo=UTC))
    field = open_field([shared_data / LEVELS], "t", selection=run)
    assert field.data.dims == ("member", "valid_time", "level", "latitude", "longitude")
    assert field.data["level"].values.tolist() == [500.0, 850.0]
    assert field.data["level"].attrs["units"] == "hPa"
    at = {"time": "2017-01-01T12", "number": 3, "isobaricInhPa": 850}
    reference = _cfgrib(shared_data / LEVELS, "t", **at)
    mine = field.data.sel(member=3, level=850.0).squeeze()
    # cfgrib keeps longitudes 0..357; crosswarn turns the global grid to start at -180.
    np.testing.assert_array_equal(mine.values, np.roll(reference.values, 60, axis=1))
    assert mine["longitude"].values[0] == -180.0


@pytest.mark.parametrize("level", ["850", "850hPa", "85000Pa"])
def test_a_level_is_chosen_in_any_pressure_unit(shared_data, level):
    run = datetime(2017, 1, 1, 12, tzinfo=UTC)
    field = open_field([shared_data / LEVELS], "t", selection=Selection(run=run, levels=(level,)))
    assert field.data["level"].values.tolist() == [850.0]


def test_a_level_not_held_or_on_a_single_level_field_is_refused(shared_data):
    run = datetime(2017, 1, 1, 12, tzinfo=UTC)
    with pytest.raises(ConfigError, match=r"--level 700: .* has levels 500, 850 \(hPa\)"):
        open_field([shared_data / LEVELS], "t", selection=Selection(run=run, levels=("700",)))
    with pytest.raises(ConfigError, match="on one level only; leave out --level"):
        open_field([shared_data / EU_U], "10u", selection=Selection(levels=("10",)))


def test_several_runs_need_one_chosen(shared_data):
    with pytest.raises(ConfigError, match=r"holds 4 model runs \(2017-01-01T00:00Z, .*--run"):
        open_field([shared_data / LEVELS], "z")
    wrong = Selection(run=datetime(2017, 1, 1, 13, tzinfo=UTC))
    with pytest.raises(ConfigError, match=r"--run 2017-01-01T13:00Z: .* holds the runs"):
        open_field([shared_data / LEVELS], "z", selection=wrong)
    with pytest.raises(ConfigError, match="does not say which model run it is"):
        open_field([shared_data / COSMO], "VMAX_10M", selection=wrong)


@pytest.mark.parametrize(
    ("selection", "hours"),
    [
        (Selection(times=(datetime(2018, 1, 3, 5, tzinfo=UTC),)), [5]),
        (Selection(start=datetime(2018, 1, 3, 5, tzinfo=UTC),
                   end=datetime(2018, 1, 3, 7, tzinfo=UTC)), [5, 6, 7]),
        (Selection(start=datetime(2018, 1, 3, 21, 30, tzinfo=UTC)), [22, 23]),
        (Selection(end=datetime(2018, 1, 3, 0, tzinfo=UTC)), [0]),
    ],
)  # fmt: skip
def test_valid_times_are_chosen_inclusively(shared_data, selection, hours):
    field = open_field([shared_data / COSMO], "VMAX_10M", selection=selection)
    assert field.data["valid_time"].dt.hour.values.tolist() == hours


def test_a_valid_time_not_held_is_refused_with_the_times_held(shared_data):
    wrong = Selection(times=(datetime(2018, 1, 4, tzinfo=UTC),))
    with pytest.raises(ConfigError, match=r"--time 2018-01-04T00:00Z: .* 2018-01-03T00:00Z, "):
        open_field([shared_data / COSMO], "VMAX_10M", selection=wrong)
    late = Selection(start=datetime(2018, 1, 4, tzinfo=UTC))
    with pytest.raises(ConfigError, match=r"no valid time of .* in that window"):
        open_field([shared_data / COSMO], "VMAX_10M", selection=late)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018010305", datetime(2018, 1, 3, 5, tzinfo=UTC)),
        ("2018-01-03T05", datetime(2018, 1, 3, 5, tzinfo=UTC)),
        ("2018-01-03 06:00+01:00", datetime(2018, 1, 3, 5, tzinfo=UTC)),
        ("2018-01-03T05:00Z", datetime(2018, 1, 3, 5, tzinfo=UTC)),
    ],
)
def test_times_are_iso_or_run_ids_in_utc(text, expected):
    assert parse_time(text, "--time") == expected


def test_a_time_that_is_no_time_is_refused():
    with pytest.raises(ConfigError, match=r"--from 'tomorrow': expected a time like"):
        parse_time("tomorrow", "--from")


@pytest.mark.parametrize("name", ["wind_speed", "FF_10M", "10si", "si10", "ws"])
def test_the_wind_speed_is_derived_from_u_and_v(shared_data, name):
    paths = [shared_data / D2.format("u"), shared_data / D2.format("v")]
    field = open_field(paths, name)
    u, v = _cfgrib(paths[0]).values, _cfgrib(paths[1]).values
    np.testing.assert_array_equal(field.data.squeeze().values, np.hypot(u, v))
    assert field.data.attrs["standard_name"] == "wind_speed" and field.units == "m s-1"
    assert float(field.data.max()) == pytest.approx(11.18, abs=0.01)  # PROVENANCE: 11.0 Benelux


def test_the_wind_speed_of_a_netcdf_with_both_components(shared_data):
    field = open_field([shared_data / D2_NC], "wind_speed")
    with xr.open_dataset(shared_data / D2_NC) as ds:
        expected = np.hypot(ds["u10"].values, ds["v10"].values)
    np.testing.assert_array_equal(field.data.squeeze().values, expected)


def test_the_wind_speed_without_v_says_so(shared_data):
    with pytest.raises(ConfigError, match=r"no northward_wind at 10 m .*add the file with it"):
        open_field([shared_data / D2.format("u")], "FF_10M")


def test_interval_statistics_keep_their_meaning(shared_data):
    field = open_field([shared_data / EU_T], "2t")
    assert "cell_methods" not in field.data.attrs  # an instant
    assert field.data["forecast_period"].values.tolist() == [0.0]


def test_netcdf_files_of_several_runs_need_one_chosen(tmp_path):
    from tests.analysis.conftest import write_grid

    lat, lon = np.array([50.25, 50.75]), np.array([4.25, 4.75])
    paths = []
    for hour in (0, 6):
        path = write_grid(tmp_path / f"run{hour}.nc", np.full((2, 2), hour), lat=lat, lon=lon,
                          times=["2026-01-15T12:00"])  # fmt: skip
        with xr.open_dataset(path) as ds:
            ds = ds.load()
        run = np.datetime64(f"2026-01-15T{hour:02d}:00", "ns")
        ds.coords["forecast_reference_time"] = (
            (),
            run,
            {"standard_name": "forecast_reference_time"},
        )
        ds.to_netcdf(path)
        paths.append(path)
    with pytest.raises(
        ConfigError, match=r"holds 2 model runs \(2026-01-15T00:00Z, 2026-01-15T06:00Z\)"
    ):
        open_field(paths, "gust")
    chosen = open_field(
        paths, "gust", selection=Selection(run=datetime(2026, 1, 15, 6, tzinfo=UTC))
    )
    assert float(chosen.data.max()) == 6.0 and chosen.files == (paths[1],)
    assert chosen.data["forecast_period"].values.tolist() == [6.0]

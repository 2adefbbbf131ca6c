"""DWD radar RV on the real sample: decoding, grid, exact region weights against an independent
computation (shapely intersections and geodesic cell areas), windows and missing steps."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import shapely
import xarray as xr
from pyproj import CRS, Geod, Transformer

from pipeline.errors import InvalidDataError
from pipeline.orchestration.config import load_config
from pipeline.settings import Settings
from pipeline.verification.observed import authority_ids, observed_levels
from pipeline.verification.radar import (
    analysis_of_tar,
    members_of_tar,
    radar_statistics,
    read_composite,
    window_statistics,
)

ANALYSIS = "composite_rv_20250923_0855_000-hd5"
NOWCAST = "composite_rv_20250923_0855_050-hd5"
TAR = "composite_rv_20250923_0855.tar"
#: The test window: the sample analysis x FACTORS[k] as the 12 steps ending 08:05 .. 09:00.
FACTORS = 20 * (1 + np.arange(12) / 10)
HOUR = np.datetime64("2025-09-23T09:00", "ns")


@pytest.fixture(scope="module")
def rv(shared_data: Path) -> Path:
    return shared_data / "obs" / "dwd_radar_rv"


@pytest.fixture(scope="module")
def config():
    return load_config(Settings().regions_dir)


@pytest.fixture(scope="module")
def field(rv: Path) -> xr.DataArray:
    return read_composite(rv / ANALYSIS)


@pytest.fixture(scope="module")
def steps(field: xr.DataArray) -> xr.DataArray:
    ends = HOUR - np.arange(11, -1, -1) * np.timedelta64(5, "m")
    return xr.concat(
        [(field * k).assign_coords(time=t) for k, t in zip(FACTORS, ends, strict=True)],
        dim="time",
        combine_attrs="override",
    )


@pytest.fixture(scope="module")
def stats(steps, config) -> xr.Dataset:
    return window_statistics(steps, config.regions, config.criteria)


def test_decoded_values_are_mm_from_the_files_gain_and_offset(rv, field):
    with netCDF4.Dataset(rv / ANALYSIS) as ds:
        ds.set_auto_maskandscale(False)
        raw = np.asarray(ds["dataset1/data1/data"][:])
        what = ds["dataset1/data1/what"]
        gain, offset = float(what.gain), float(what.offset)
        nodata, undetect = float(what.nodata), float(what.undetect)
    assert (gain, offset) == pytest.approx((0.001, -0.001), rel=1e-6)
    assert field.attrs["units"] == "mm" and field.shape == raw.shape == (1200, 1100)
    for value in (1849, 1678, 10, 3):  # the sample's maximum and a few small amounts
        i, j = np.argwhere(raw == value)[0]
        # Rounded to 1e-6 mm: gain and offset are the float32 values of 0.001 and -0.001.
        assert field.values[i, j] == pytest.approx(value * gain + offset, abs=1e-6)
        assert field.values[i, j] == pytest.approx((value - 1) / 1000, abs=1e-9)
    assert float(field.max()) == pytest.approx(1.848)
    assert np.isnan(field.values[raw == nodata]).all()
    assert (field.values[raw == undetect] == 0).all()
    assert np.isnan(field.values).mean() == pytest.approx(0.4712, abs=1e-4)
    assert field["time"].values == np.datetime64("2025-09-23T08:55")
    assert field.attrs["start_time"] == "2025-09-23T08:50:00+00:00"
    assert field.attrs["lead_minutes"] == 0


def test_grid_corners_are_the_files_corner_attributes(rv, field):
    with netCDF4.Dataset(rv / ANALYSIS) as ds:
        where = ds["where"]
        corners = {c: (float(getattr(where, f"{c}_lon")), float(getattr(where, f"{c}_lat")))
                   for c in ("LL", "UL", "UR", "LR")}  # fmt: skip
    to_lonlat = Transformer.from_crs(
        CRS.from_proj4(field.attrs["projdef"]), "EPSG:4326", always_xy=True
    )
    x, y = field["x"].values, field["y"].values
    assert np.allclose(np.diff(x), 1000) and np.allclose(np.diff(y), -1000)
    edges = {"UL": (x[0] - 500, y[0] + 500), "UR": (x[-1] + 500, y[0] + 500),
             "LL": (x[0] - 500, y[-1] - 500), "LR": (x[-1] + 500, y[-1] - 500)}  # fmt: skip
    for corner, (ex, ey) in edges.items():
        assert to_lonlat.transform(ex, ey) == pytest.approx(corners[corner], abs=1e-7), corner


def test_a_nowcast_step_is_refused_unless_flagged(rv):
    with pytest.raises(InvalidDataError, match=r"050-hd5: a RADVOR nowcast \(\+50 min"):
        read_composite(rv / NOWCAST)
    nowcast = read_composite(rv / NOWCAST, allow_nowcast=True)
    assert nowcast.attrs["lead_minutes"] == 50
    assert nowcast["time"].values == np.datetime64("2025-09-23T09:45")


def test_the_tar_is_read_in_memory_and_gives_its_analysis(rv, field):
    members = members_of_tar(rv / TAR)
    assert sorted(members) == [ANALYSIS, NOWCAST]
    assert members[ANALYSIS] == (rv / ANALYSIS).read_bytes()
    xr.testing.assert_identical(analysis_of_tar(rv / TAR).drop_attrs(), field.drop_attrs())


def test_a_tar_with_foreign_members_or_no_tar_is_refused(rv, tmp_path):
    bad = tmp_path / "composite_rv_20250923_0855.tar"
    with tarfile.open(bad, "w") as tar:
        info = tarfile.TarInfo("../evil.sh")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"rm\n"))
    with pytest.raises(InvalidDataError, match=r"unexpected members \['../evil.sh'\]"):
        members_of_tar(bad)
    with pytest.raises(InvalidDataError, match="not a readable tar"):
        members_of_tar(rv / ANALYSIS)


def _independent(field, region, total):
    """Weighted mean, fractions, max and valid share of ``total`` (the window's sums) over
    ``region``: shapely intersections of each cell's square with the region in the grid's
    projection, times the cell's geodesic area on the projection's ellipsoid."""
    crs = CRS.from_proj4(field.attrs["projdef"])
    to_xy = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    shape = shapely.transform(region, lambda c: np.column_stack(to_xy.transform(*c.T)))
    west, south, east, north = shape.bounds
    x, y = field["x"].values, field["y"].values
    cols = np.flatnonzero((x + 500 > west) & (x - 500 < east))
    rows = np.flatnonzero((y + 500 > south) & (y - 500 < north))
    r, c = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
    boxes = shapely.box(x[c] - 500, y[r] - 500, x[c] + 500, y[r] + 500)
    share = shapely.area(shapely.intersection(boxes, shape)) / 1e6
    geod = Geod(a=crs.ellipsoid.semi_major_metre, b=crs.ellipsoid.semi_minor_metre)
    area = np.empty(share.size)
    for k in np.flatnonzero(share > 0):
        lon, lat = to_lonlat.transform(
            x[c[k]] + np.array([-500, 500, 500, -500]), y[r[k]] + np.array([-500, -500, 500, 500])
        )
        area[k] = abs(geod.polygon_area_perimeter(lon, lat)[0]) / 1e6
    weight = np.where(share > 0, share * area, 0.0)
    value = total[r, c]
    valid = weight * np.isfinite(value)
    return {
        "area": weight.sum(),
        "valid_share": valid.sum() / weight.sum(),
        "mean": np.nansum(valid * value) / valid.sum(),
        "max": np.nanmax(np.where(share > 1e-9, value, np.nan)),
        "fraction": lambda t: (valid * (np.nan_to_num(value, nan=-1) >= t)).sum() / valid.sum(),
    }


@pytest.mark.parametrize("region", ["DE137", "NL019"])  # all inside range; NL019 98.6 %
def test_region_statistics_match_an_independent_computation(field, stats, config, region):
    total = field.values * FACTORS.sum()
    expected = _independent(field, config.regions.geometry[region], total)
    at = stats.sel(region=region, valid_time=HOUR, member=0)
    assert float(stats["region_area_km2"].sel(region=region)) == pytest.approx(
        expected["area"], rel=1e-6
    )
    assert float(at["precipitation_1h_valid_share"]) == pytest.approx(
        expected["valid_share"], rel=1e-6
    )
    assert float(at["precipitation_1h_mean"]) == pytest.approx(expected["mean"], rel=1e-6)
    assert float(at["precipitation_1h_max"]) == pytest.approx(expected["max"], rel=1e-6)
    fractions = at["precipitation_1h_fraction_above"]
    assert 0 < float(fractions.isel(precipitation_1h_threshold=0)) < 1  # a real test
    for threshold, fraction in zip(fractions["precipitation_1h_threshold"].values,
                                   fractions.values, strict=True):  # fmt: skip
        assert fraction == pytest.approx(expected["fraction"](threshold), rel=1e-6, abs=1e-12)


def test_the_layout_is_a_runs_and_only_the_spanned_windows_are_there(stats, config):
    assert list(stats["valid_time"].values) == [HOUR]
    assert list(stats["member"].values) == [0]
    assert stats["precipitation_1h_fraction_above"].dims == (
        "region", "valid_time", "member", "precipitation_1h_threshold"
    )  # fmt: skip
    assert not [v for v in stats.data_vars if v.startswith("precipitation_3h")]
    assert list(stats["region"].values) == list(config.regions.index)


def test_regions_outside_radar_range_are_unknown_not_dry(stats, config):
    at = stats.sel(valid_time=HOUR, member=0)
    assert float(at["precipitation_1h_valid_share"].sel(region="BE003")) == 0
    assert float(at["precipitation_1h_valid_share"].sel(region="BE002")) < 0.9
    for region in ("BE003", "BE002"):  # none, resp. 30 % of the area inside range
        assert at["precipitation_1h_fraction_above"].sel(region=region).isnull().all()
        assert np.isnan(float(at["precipitation_1h_mean"].sel(region=region)))
    levels = observed_levels(stats, config.criteria, authority_ids(Settings().regions_dir))
    levels = levels.set_index(["region", "authority"])["observed_level"]
    assert levels.loc["BE003"].isna().all()
    assert levels.loc["DE137"].notna().all()


def test_a_missing_five_minute_step_makes_the_window_nan(steps, config):
    gap = steps.drop_isel(time=5)  # 08:30
    stats = window_statistics(gap, config.regions, config.criteria)
    at = stats.sel(valid_time=HOUR, member=0)
    assert at["precipitation_1h_mean"].isnull().all()
    assert at["precipitation_1h_max"].isnull().all()
    assert at["precipitation_1h_fraction_above"].isnull().all()
    assert (at["precipitation_1h_valid_share"] == 0).all()


def test_longer_windows_need_all_their_steps(field, config):
    crop = field.isel(y=slice(740, 800), x=slice(270, 330))  # around DE137
    crop.attrs.update(grid_left=float(crop.x[0]) - 500, grid_top=float(crop.y[0]) + 500)
    ends = HOUR + np.arange(-35, 1) * np.timedelta64(5, "m")  # 06:05 .. 09:00
    steps = xr.concat([crop.assign_coords(time=t) for t in ends], "time")
    stats = window_statistics(steps, config.regions, config.criteria)
    assert list(stats["valid_time"].values) == list(
        HOUR - np.array([2, 1, 0]) * np.timedelta64(1, "h")
    )
    three = stats["precipitation_3h_max"].isel(member=0)
    assert three.isel(valid_time=[0, 1]).isnull().all()
    one = stats["precipitation_1h_max"].isel(member=0)
    covered = one.isel(valid_time=-1).notnull()
    assert covered.any()
    assert np.allclose(three.isel(valid_time=-1)[covered], 3 * one.isel(valid_time=-1)[covered])


def test_radar_statistics_reads_files_and_tars_but_needs_a_full_hour(rv, config):
    with pytest.raises(InvalidDataError, match="no hour ending at a full hour"):
        radar_statistics([rv / TAR], config.regions, config.criteria)
    with pytest.raises(InvalidDataError, match="a second analysis"):
        radar_statistics([rv / ANALYSIS, rv / TAR], config.regions, config.criteria)
    with pytest.raises(InvalidDataError, match="nowcast"):
        radar_statistics([rv / NOWCAST], config.regions, config.criteria)


def test_weights_are_cached(rv, config, tmp_path):
    for _ in range(2):
        with pytest.raises(InvalidDataError, match="no hour"):
            radar_statistics([rv / ANALYSIS], config.regions, config.criteria, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("weights-*.npz"))) == 1

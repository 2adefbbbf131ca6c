"""``crosswarn aggregate`` on a small grid written here: coverage and --min-coverage at its
boundary, statistics against values worked out by hand, the CSV's columns, CF NetCDF."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from pipeline.cli import main
from tests.analysis.conftest import write_grid, write_regions

#: 0.5° cells, edges 50-51° N and 4-6° E; rows south to north.
LAT, LON = np.array([50.25, 50.75]), np.array([4.25, 4.75, 5.25, 5.75])
VALUES = np.array([[10.0, 12.0, 14.0, 16.0], [20.0, 22.0, 24.0, 26.0]])
BOXES = {
    "in": (4.0, 50.0, 5.0, 51.0),  # the two western columns, wholly on the grid
    "half": (5.0, 50.5, 7.0, 51.0),  # the north-eastern cells, and as much again off the grid
    "out": (10.0, 50.0, 11.0, 51.0),
}
#: Areas on the sphere of the southern and northern rows' cells are as these bands.
SOUTH, NORTH = np.diff(np.sin(np.radians([50.0, 50.5, 51.0])))


@pytest.fixture
def files(tmp_path):
    grid = write_grid(tmp_path / "gust.nc", VALUES, lat=LAT, lon=LON)
    regions = write_regions(tmp_path / "boxes.geojson", BOXES)
    return grid, regions


def _run(files, tmp_path, *extra, out="out.nc"):
    grid, regions = files
    args = ["aggregate", str(grid), "--variable", "gust", "--regions", str(regions)]
    return main([*args, "--id-field", "code", *extra, "--out", str(tmp_path / out)])


def test_statistics_and_coverage_of_a_small_grid(files, tmp_path):
    code = _run(files, tmp_path, "--threshold", "20", "--threshold", "22", "--min-coverage", "0.5")
    assert code == 0
    ds = xr.open_dataset(tmp_path / "out.nc").squeeze().swap_dims(region="region_id")
    ds = ds.rename(region_id="region")
    assert ds["region_coverage"].sel(region="in") == 1.0
    assert ds["region_coverage"].sel(region="half") == 0.5  # lon 5-6 of 5-7, the same band
    assert ds["region_coverage"].sel(region="out") == 0.0
    expected_mean = (SOUTH * (10 + 12) + NORTH * (20 + 22)) / (2 * SOUTH + 2 * NORTH)
    assert float(ds["mean"].sel(region="in")) == pytest.approx(expected_mean, abs=1e-4)
    assert float(ds["max"].sel(region="in")) == 22.0 and float(ds["min"].sel(region="in")) == 10.0
    above = ds["fraction_above"].sel(region="in")
    # >= counts the value equal to the threshold: both northern cells at 20, one at 22.
    assert float(above.sel(threshold=20.0)) == pytest.approx(NORTH / (SOUTH + NORTH), abs=1e-5)
    assert float(above.sel(threshold=22.0)) == pytest.approx(NORTH / 2 / (SOUTH + NORTH), abs=1e-5)
    assert float(ds["mean"].sel(region="half")) == pytest.approx(25.0)  # only its covered half
    assert np.isnan(ds["mean"].sel(region="out"))


@pytest.mark.parametrize(("minimum", "kept"), [("0.5", True), ("0.5001", False)])
def test_min_coverage_is_the_lowest_share_kept(files, tmp_path, caplog, minimum, kept):
    caplog.set_level(logging.WARNING)
    assert _run(files, tmp_path, "--min-coverage", minimum) == 0
    ds = xr.open_dataset(tmp_path / "out.nc")
    half = ds["mean"].isel(region=1).squeeze()
    assert bool(np.isfinite(half)) is kept
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert ("half (50.0%)" in warned) is not kept
    assert "out (0.0%)" in warned


def test_no_region_covered_is_an_error_and_writes_nothing(tmp_path, capsys):
    grid = write_grid(tmp_path / "gust.nc", VALUES, lat=LAT, lon=LON)
    regions = write_regions(tmp_path / "far.geojson", {"far": BOXES["out"]})
    args = [str(grid), "--variable", "gust", "--regions", str(regions), "--id-field", "code"]
    assert main(["aggregate", *args, "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"crosswarn: error: {grid}: ")
    assert "covers none of the 1 regions" in err and "lat 50.25..50.75" in err
    assert not (tmp_path / "x.csv").exists()


def test_regions_all_below_min_coverage_is_an_error_naming_the_best(tmp_path, capsys):
    grid = write_grid(tmp_path / "gust.nc", VALUES, lat=LAT, lon=LON)
    regions = write_regions(tmp_path / "half.geojson", {"half": BOXES["half"]})
    args = [str(grid), "--variable", "gust", "--regions", str(regions), "--id-field", "code"]
    assert main(["aggregate", *args, "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "to --min-coverage 0.9 (best: half, 50.0%)" in err


def test_csv_says_the_units_and_the_thresholds_as_given(files, tmp_path):
    extra = ("--threshold", "72km/h", "--min-coverage", "0.5", "--name-field", "label")
    code = _run(files, tmp_path, *extra, out="o.csv")
    assert code == 0
    table = pd.read_csv(tmp_path / "o.csv", keep_default_na=False)
    assert list(table.columns[:8]) == [
        "region", "region_name", "region_coverage", "valid_time", "member", "units",
        "threshold", "threshold_given",
    ]  # fmt: skip
    assert set(table["units"]) == {"m s-1"}
    assert table["threshold"].tolist() == [20.0] * 3  # 72 km/h in the data's m s-1
    assert set(table["threshold_given"]) == {"72km/h"}
    assert table["region_name"].tolist() == ["box in", "box half", "box out"]
    assert table["valid_time"].tolist() == ["2026-01-15T06:00Z"] * 3
    assert table["region_coverage"].tolist() == [1.0, 0.5, 0.0]


def test_netcdf_is_cf_conformant_and_the_same_bytes_on_a_rerun(files, tmp_path, cf_problems):
    assert _run(files, tmp_path, "--threshold", "20", "--threshold", "72km/h") == 0
    first = (tmp_path / "out.nc").read_bytes()
    assert _run(files, tmp_path, "--threshold", "20", "--threshold", "72km/h") == 0
    assert (tmp_path / "out.nc").read_bytes() == first
    assert cf_problems(tmp_path / "out.nc") == []
    ds = xr.open_dataset(tmp_path / "out.nc")
    assert ds.attrs["Conventions"] == "CF-1.8"
    assert ds["mean"].attrs["units"] == "m s-1" and ds["threshold"].attrs["units"] == "m s-1"
    assert ds["threshold_given"].values.tolist() == ["20 = 72km/h"]  # one value, said twice
    assert ds["fraction_above"].attrs["units"] == "1"
    assert ds["mean"].attrs["cell_methods"] == "area: mean"
    assert "--threshold 72km/h" in ds.attrs["history"]


def test_thresholds_with_units_need_data_with_units(tmp_path, capsys):
    grid = write_grid(tmp_path / "plain.nc", VALUES, lat=LAT, lon=LON, attrs={})
    regions = write_regions(tmp_path / "in.geojson", {"in": BOXES["in"]})
    args = [str(grid), "--variable", "gust", "--regions", str(regions), "--id-field", "code"]
    out = str(tmp_path / "x.csv")
    assert main(["aggregate", *args, "--threshold", "25degC", "--out", out]) == 2
    err = capsys.readouterr().err
    assert "--threshold 25degC: gust in" in err and "has no units" in err
    assert main(["aggregate", *args, "--threshold", "25", "--out", out]) == 0  # bare is fine
    assert "(no units in the files)" in capsys.readouterr().out
    assert pd.read_csv(out, keep_default_na=False)["units"].tolist() == [""]


@pytest.mark.parametrize(("bare", "doubted"), [("149.9", True), ("150", False)])
def test_a_bare_kelvin_threshold_that_looks_like_celsius_is_pointed_out(
    tmp_path, caplog, bare, doubted
):
    caplog.set_level(logging.WARNING)
    grid = write_grid(tmp_path / "t.nc", VALUES + 273.15, lat=LAT, lon=LON, name="t2m",
                      attrs={"units": "K"})  # fmt: skip
    regions = write_regions(tmp_path / "in.geojson", {"in": BOXES["in"]})
    args = [str(grid), "--variable", "t2m", "--threshold", bare, "--regions", str(regions)]
    assert main(["aggregate", *args, "--id-field", "code", "--out", str(tmp_path / "t.csv")]) == 0
    warned = [r.getMessage() for r in caplog.records if "degC" in r.getMessage()]
    assert bool(warned) is doubted

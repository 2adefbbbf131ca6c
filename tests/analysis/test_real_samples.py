"""``crosswarn aggregate`` on each real sample grid, against an independent exact computation
(:mod:`tests.analysis.exact`: shapely cell-region intersections measured in an equal-area
projection of the sphere, values decoded by cfgrib or read by xarray), with the output CF-checked.

Tolerances: means and fractions differ by how a cell's share of a region is measured: crosswarn
takes its share in longitude-latitude times its area on the sphere, the reference measures the
clipped piece on the sphere. Within a cell the two part by up to about half its latitude span
times tan(latitude): 0.3 % on ECMWF's 0.25° cells at 51° N, 0.08 % on ICON-EU's. Maxima and
minima take the same cells, so they agree exactly.
"""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest
import shapely
import xarray as xr
from pyproj import CRS, Transformer

from pipeline.cli import main
from pipeline.geo.regions import load_regions
from pipeline.settings import DEFAULT_REGIONS_DIR
from pipeline.sources.gisco import load_nuts
from tests.analysis import exact
from tests.analysis.conftest import write_regions

D2 = "nwp/dwd_icon-d2/icon-d2_germany_regular-lat-lon_single-level_2022042600_000_2d_{}_10m.grib2"
D2_CROP = "nwp/derived/icon-d2_2022042600_000_uv10m_benelux.nc"
EU_T = "nwp/dwd_icon-eu/icon-eu_europe_regular-lat-lon_single-level_2020062300_000_T_2M.grib2"
ECMWF = "nwp/ecmwf_opendata/20250912120000-0h-oper-fc_msg90_tprate.grib2"
COSMO = "nwp/meteoswiss_cosmo-e_climada/storm_europe_cosmoe_forecast_vmax_testfile.nc"
EPS = "nwp/dwd_icon-eu-eps_climada"
#: Largest differences allowed: of means, this share of the field's largest value; of
#: fractions and coverage (shares of a region's area), this much.
MEAN_TOLERANCE = 1e-3
SHARE_TOLERANCE = 1e-3


def _cfgrib(path, name=None) -> xr.DataArray:
    with xr.open_dataset(path, engine="cfgrib", backend_kwargs={"indexpath": ""}) as ds:
        values = ds[name or next(iter(ds.data_vars))]
        return (values.sortby("latitude") if "latitude" in values.dims else values).load()


def _ours(path) -> xr.Dataset:
    with xr.open_dataset(path) as ds:
        return ds.load()


def differences(ours: xr.Dataset, reference: dict, coverage: np.ndarray) -> dict[str, float]:
    """Largest absolute difference of each statistic (ours: region first; the reference's
    arrays: region last) and of the coverage."""
    found = {}
    for name, values in reference.items():
        mine = ours[name]
        if "threshold" in mine.dims:
            mine = mine.isel(threshold=0)
        mine = np.moveaxis(mine.values.reshape(mine.shape[0], -1), 0, -1)
        found[name] = float(np.nanmax(np.abs(mine - values.reshape(-1, mine.shape[-1]))))
    found["coverage"] = float(np.abs(ours["region_coverage"].values - coverage).max())
    return found


def _check(found: dict, values: np.ndarray) -> None:
    assert found["max"] == 0.0 and found["min"] == 0.0, found
    assert found["mean"] <= MEAN_TOLERANCE * np.abs(values).max(), found
    assert found.get("fraction_above", 0.0) <= SHARE_TOLERANCE, found
    assert found["coverage"] <= SHARE_TOLERANCE, found


def _regular(values: xr.DataArray, regions: np.ndarray):
    """Reference weights of ``regions`` on the cells of a regular field near them, its values
    there, and each region's coverage."""
    west, south, east, north = shapely.total_bounds(regions)
    lat, lon = values["latitude"].values, values["longitude"].values
    rows = np.flatnonzero((lat > south - 1) & (lat < north + 1))
    cols = np.flatnonzero((lon > west - 1) & (lon < east + 1))
    cells = exact.regular_cells(lat[rows], lon[cols])
    matrix = exact.weights(regions, cells)
    area = exact.equal_area(regions, ((west + east) / 2, (south + north) / 2))
    return (
        matrix,
        values.values[..., rows[:, None], cols].reshape(-1),
        np.minimum(matrix.sum(1) / area, 1),
    )


def test_icon_d2_wind_speed_over_the_warning_regions(shared_data, tmp_path, cf_problems):
    u, v = shared_data / D2.format("u"), shared_data / D2.format("v")
    out = tmp_path / "d2.nc"
    code = main(["aggregate", str(u), str(v), "--variable", "wind_speed", "--threshold", "20km/h",
                 "--out", str(out)])  # fmt: skip
    assert code == 0 and cf_problems(out) == []
    ours = _ours(out)
    assert ours["mean"].attrs["units"] == "m s-1"
    assert ours["threshold"].values.tolist() == [pytest.approx(20 / 3.6)]
    speed = np.hypot(_cfgrib(u), _cfgrib(v))
    regions = load_regions(DEFAULT_REGIONS_DIR).geometry.to_numpy()
    matrix, values, coverage = _regular(speed, regions)
    found = differences(ours, exact.statistics(matrix, values, 20 / 3.6), coverage)
    _check(found, values)
    assert (ours["region_coverage"] == 1).all()  # ICON-D2 covers every warning region


def test_icon_eu_temperature_over_nuts3_with_celsius_thresholds(shared_data, tmp_path, cf_problems):
    out = tmp_path / "eu.nc"
    code = main(["aggregate", str(shared_data / EU_T), "--variable", "T_2M", "--threshold",
                 "15degC", "--threshold", "25degC", "--regions", "nuts3", "--nuts-version", "2021",
                 "--nuts-mirror", str(shared_data / "regions"), "--out", str(out)])  # fmt: skip
    assert code == 0 and cf_problems(out) == []
    ours = _ours(out)
    assert ours["threshold"].values.tolist() == [288.15, 298.15]  # in the data's kelvin
    # The case: 25 °C is never reached here (282.6-291.6 K over Benelux): no area.
    assert (ours["fraction_above"].sel(threshold=298.15) == 0).all()
    units = load_nuts(3, 2021, cache_dir=tmp_path / "nuts", mirror=shared_data / "regions")
    regions = units.geometry.loc[ours["region_id"].values].to_numpy()
    matrix, values, coverage = _regular(_cfgrib(shared_data / EU_T), regions)
    found = differences(ours, exact.statistics(matrix, values, 288.15), coverage)
    _check(found, values)


def test_ecmwf_precipitation_rate_with_a_threshold_in_mm_per_hour(
    shared_data, tmp_path, cf_problems
):
    out = tmp_path / "ifs.nc"
    code = main(["aggregate", str(shared_data / ECMWF), "--variable", "tprate", "--threshold",
                 "0.5mm/h", "--out", str(out)])  # fmt: skip
    assert code == 0 and cf_problems(out) == []
    ours = _ours(out)
    assert ours["mean"].attrs["units"] == "kg m-2 s-1"
    assert ours["mean"].attrs["standard_name"] == "precipitation_flux"
    assert ours["threshold"].values.tolist() == [pytest.approx(0.5 / 3600)]  # 1 mm = 1 kg m-2
    regions = load_regions(DEFAULT_REGIONS_DIR).geometry.to_numpy()
    matrix, values, coverage = _regular(_cfgrib(shared_data / ECMWF), regions)
    found = differences(ours, exact.statistics(matrix, values, 0.5 / 3600), coverage)
    _check(found, values)


def _rotated_cells(ds: xr.Dataset) -> np.ndarray:
    """COSMO-E's cells as lon-lat polygons: rotated-grid boxes with densified edges, rotated
    back with pyproj, flattened row-major (y, x)."""
    mapping = ds["grid_mapping_1"].attrs
    crs = CRS.from_cf({k: mapping[k] for k in ("grid_mapping_name", "grid_north_pole_latitude",
                                              "grid_north_pole_longitude")})  # fmt: skip
    to_true = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    y, x = ds["y_1"].values.astype(float), ds["x_1"].values.astype(float)
    step = 0.02
    xx, yy = np.meshgrid(x, y)
    boxes = shapely.box(xx - step / 2, yy - step / 2, xx + step / 2, yy + step / 2).ravel()
    dense = shapely.segmentize(boxes, step / 20)
    return shapely.transform(dense, lambda xy: np.column_stack(to_true.transform(*xy.T)))


def test_cosmo_e_rotated_grid_over_a_polygon_file(shared_data, tmp_path, cf_problems):
    boxes = {
        "inner": (9.97, 46.98, 10.03, 47.02),
        "east": (10.005, 46.975, 10.045, 47.025),
        "half-out": (10.005, 46.985, 10.2, 47.015),
    }
    regions_file = write_regions(tmp_path / "alps.geojson", boxes)
    out = tmp_path / "cosmo.nc"
    code = main(["aggregate", str(shared_data / COSMO), "--variable", "VMAX_10M", "--threshold",
                 "90km/h", "--regions", str(regions_file), "--id-field", "code",
                 "--min-coverage", "0.3", "--out", str(out)])  # fmt: skip
    assert code == 0 and cf_problems(out) == []
    ours = _ours(out)
    assert ours.sizes == {"region": 3, "valid_time": 24, "member": 21, "threshold": 1}
    with xr.open_dataset(shared_data / COSMO) as ds:
        cells = _rotated_cells(ds)
        values = ds["VMAX_10M"].transpose("time", "epsd_1", "y_1", "x_1").values
    regions = np.array([shapely.box(*b) for b in boxes.values()])
    matrix = exact.weights(regions, cells)
    domain = shapely.union_all(cells)
    centre = (10.0, 47.0)
    coverage = exact.equal_area(shapely.intersection(regions, domain), centre)
    coverage = coverage / exact.equal_area(regions, centre)
    reference = exact.statistics(matrix, values.reshape(24, 21, 25), 25.0)
    found = differences(ours, reference, coverage)
    _check(found, values)
    assert 0.3 < float(ours["region_coverage"][2]) < 0.5  # reaches 10.06 E of 10.2


def test_the_netcdf_crop_gives_the_grib_answer(shared_data, tmp_path):
    """The derived NetCDF is a crop of the same GRIB: regions inside it agree exactly."""
    crop, grib = shared_data / D2_CROP, shared_data / D2.format("u")
    assert main(["aggregate", str(crop), "--variable", "u10", "--out", str(tmp_path / "a.nc")]) == 0
    assert main(["aggregate", str(grib), "--variable", "10u", "--out", str(tmp_path / "b.nc")]) == 0
    a = _ours(tmp_path / "a.nc").swap_dims(region="region_id")
    b = _ours(tmp_path / "b.nc").swap_dims(region="region_id")
    inside = ["BE004", "NL014", "LU001"]  # well inside the crop's 48.5-54.5 N, 1.5-9.5 E
    for stat in ("mean", "max", "min", "p90"):
        xr.testing.assert_allclose(a[stat].sel(region_id=inside), b[stat].sel(region_id=inside))


def test_icon_eu_eps_members_with_its_grid_file(shared_data, tmp_path, cf_problems):
    """CLIMADA's crop of the ICON-EU-EPS grid file keeps only the 49 cells' centres, which
    cannot weigh them: a copy with an area per cell (distinct, to see which are taken) stands in
    for DWD's full file. Each cell then counts wholly for the region holding its centre."""
    folder = shared_data / EPS
    with netCDF4.Dataset(folder / "test_storm_europe_icon_grid.nc") as crop:
        clat, clon = crop["clat"][:], crop["clon"][:]
    areas = np.linspace(250.0, 300.0, clat.size)  # km²
    grid_file = tmp_path / "icon_grid_0028_R02B07_N02.nc"
    with netCDF4.Dataset(grid_file, "w") as nc:
        nc.createDimension("cell", clat.size)
        for name, values in (("clat", clat), ("clon", clon)):
            nc.createVariable(name, "f8", ("cell",)).setncattr("units", "radian")
            nc[name][:] = values
        nc.createVariable("cell_area", "f8", ("cell",))[:] = areas * 1e6
    boxes = {  # the cells lie along 71.1-71.6 N, 36-53.3 E, and at 67-67.5 N, 63.5-64.3 E
        "west": (36.0, 70.5, 42.0, 72.0),
        "east": (44.0, 70.0, 55.0, 72.0),
        "pechora": (63.0, 67.0, 65.0, 67.5),
    }
    regions_file = write_regions(tmp_path / "barents.geojson", boxes)
    out = tmp_path / "eps.nc"
    steps = sorted(folder.glob("*_00?_vmax_10m.grib2"))
    as_served = [f"{path}.bz2" for path in steps]  # bz2-compressed, as DWD serves them
    code = main(["aggregate", *as_served, "--variable", "VMAX_10M", "--grid-file",
                 str(grid_file), "--regions", str(regions_file), "--id-field", "code",
                 "--threshold", "15", "--min-coverage", "0", "--out", str(out)])  # fmt: skip
    assert code == 0 and cf_problems(out) == []
    ours = _ours(out)
    assert ours.sizes == {"region": 3, "valid_time": 2, "member": 40, "threshold": 1}
    assert ours["mean"].attrs["cell_methods"] == "time: maximum area: mean"  # since the run
    assert ours["forecast_period"].values.tolist() == [1.0, 2.0]
    values = np.stack(  # (time, member, cell) by cfgrib
        [_cfgrib(path, "fg10").transpose("number", "values").values for path in steps]
    )
    lat, lon = np.degrees(clat), np.degrees(clon)
    matrix = np.array([
        np.where(shapely.contains_xy(shapely.box(*b), lon, lat), areas, 0.0)
        for b in boxes.values()
    ])  # fmt: skip
    assert (matrix > 0).sum(axis=1).min() > 0
    region_area = exact.equal_area([shapely.box(*b) for b in boxes.values()], (50.0, 70.0))
    coverage = np.minimum(matrix.sum(axis=1) / region_area, 1.0)
    found = differences(ours, exact.statistics(matrix, values, 15.0), coverage)
    _check(found, values)

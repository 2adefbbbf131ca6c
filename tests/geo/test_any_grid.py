"""Which grid an analyst's variable is on (:func:`grid_of`), the layout a field is put into
(:func:`to_grid_layout`), and the one-line errors for what cannot be weighted."""

from __future__ import annotations

import bz2

import netCDF4
import numpy as np
import pytest
import xarray as xr

from pipeline.errors import ConfigError, InvalidDataError, InvalidGridError
from pipeline.geo.any_grid import grid_of, to_grid_layout
from pipeline.geo.cell_grids import CurvilinearGrid, IconTriangleGrid, RotatedPoleGrid
from pipeline.geo.grids import RegularGrid
from pipeline.geo.icon_grid import UnstructuredGrid

COSMO_E = "nwp/meteoswiss_cosmo-e_climada/storm_europe_cosmoe_forecast_vmax_testfile.nc"
ICON_EU_EPS = "nwp/dwd_icon-eu-eps_climada"


def _latlon(lat, lon, *, names=("lat", "lon")) -> xr.Dataset:
    """A (time, lat, lon) variable ``t`` whose value at (lat_i, lon_j) is 100 i + j."""
    values = 100 * np.arange(len(lat))[:, None] + np.arange(len(lon))[None, :]
    return xr.Dataset(
        {"t": (("time", *names), values[None].astype(np.float32))},
        coords={"time": [np.datetime64("2024-01-01T00", "ns")], names[0]: lat, names[1]: lon},
    )


def test_regular_grid_as_in_the_dataset():
    ds = _latlon(
        np.arange(49.0, 52.5, 0.5), np.arange(2.0, 7.25, 0.25), names=("latitude", "longitude")
    )
    grid, dims = grid_of(ds, "t")
    assert dims == ("latitude", "longitude")
    assert grid == RegularGrid(lat0=49.0, lon0=2.0, dlat=0.5, dlon=0.25, nlat=7, nlon=21)


def test_descending_latitudes_and_0_360_longitudes_are_sorted_into_the_grid():
    lat = np.array([52.0, 51.0, 50.0])  # north to south, as ECMWF writes them
    lon = np.array([350.0, 355.0, 0.0, 5.0, 10.0])  # 0..360 across Greenwich
    ds = _latlon(lat, lon)
    grid, dims = grid_of(ds, "t")
    assert dims == ("lat", "lon")
    assert grid == RegularGrid(lat0=50.0, lon0=-10.0, dlat=1.0, dlon=5.0, nlat=3, nlon=5)
    field = to_grid_layout(ds["t"], grid, dims)
    assert field.dims == ("time", "latitude", "longitude")
    np.testing.assert_array_equal(field.latitude, [50, 51, 52])
    np.testing.assert_array_equal(field.longitude, [-10, -5, 0, 5, 10])
    # 52 N 355 E was row 0, column 1 (100 * 0 + 1); it is now at latitude 52, longitude -5.
    assert float(field.sel(latitude=52, longitude=-5).item()) == 1.0
    assert float(field.sel(latitude=50, longitude=10).item()) == 204.0


def test_global_0_360_grid_starts_at_minus_180():
    grid, _ = grid_of(_latlon(np.arange(-90.0, 91.0, 30.0), np.arange(0.0, 360.0, 30.0)), "t")
    assert (grid.lon0, grid.nlon, grid.dlon) == (-180.0, 12, 30.0)


def test_a_grid_across_the_antimeridian_keeps_0_360():
    ds = _latlon(np.array([-20.0, -15.0]), np.array([170.0, 175.0, 180.0, -175.0]))
    grid, dims = grid_of(ds, "t")
    assert (grid.lon0, grid.dlon, grid.nlon) == (170.0, 5.0, 4)
    field = to_grid_layout(ds["t"], grid, dims)
    np.testing.assert_array_equal(field.longitude, [170, 175, 180, 185])
    assert float(field.isel(time=0, latitude=0, longitude=3)) == 3.0  # was -175


def test_float32_coordinates_count_as_evenly_spaced():
    lat = np.arange(43.18, 43.5, 0.02).astype(np.float32)
    lon = np.arange(356.0, 360.0, 0.02).astype(np.float32)
    grid, _ = grid_of(_latlon(lat, lon), "t")
    assert isinstance(grid, RegularGrid) and (grid.dlat, grid.dlon) == (0.02, 0.02)


def test_uneven_latitudes_give_the_exact_cells_between_them():
    lat = np.array([50.0, 50.5, 51.5, 53.0])  # a Gaussian-like axis
    grid, dims = grid_of(_latlon(lat, np.array([4.0, 5.0, 6.0])), "t")
    assert isinstance(grid, CurvilinearGrid) and dims == ("lat", "lon")
    assert grid.shape == (12,) and grid.grid_shape == (4, 3)
    # row 1 (50.5 N) spans halfway to its neighbours: 50.25 .. 51.0, column 0: 3.5 .. 4.5
    row1 = 1 * 3 + 0
    assert sorted(set(grid.vertex_lat[row1])) == [50.25, 51.0]
    assert sorted(set(grid.vertex_lon[row1])) == [3.5, 4.5]
    # the outer edges lie as far out as the next edge in
    assert grid.vertex_lat.min() == 49.75 and grid.vertex_lat.max() == 53.75


def test_real_cosmo_e_is_a_rotated_pole_grid(shared_data):
    ds = xr.open_dataset(shared_data / COSMO_E)
    grid, dims = grid_of(ds, "VMAX_10M")
    assert isinstance(grid, RotatedPoleGrid)
    assert dims == ("y_1", "x_1")  # the rotated coordinates, found by their standard_name
    # PROVENANCE.md: rotated_latitude_longitude, pole 43 N / -170 E, 5 x 5 points 0.02° apart.
    assert (grid.pole_latitude, grid.pole_longitude, grid.north_pole_grid_longitude) == (
        43.0,
        -170.0,
        0.0,
    )
    assert grid.rotated == RegularGrid(-0.04, -0.04, 0.02, 0.02, 5, 5)
    assert grid.shape == (25,) and grid.grid_shape == (5, 5)
    # the true centres we compute are those the file gives (to its float32 precision)
    np.testing.assert_allclose(grid.latitudes, ds["lat_1"].values, atol=2e-5)
    np.testing.assert_allclose(grid.longitudes, ds["lon_1"].values, atol=2e-5)
    field = to_grid_layout(ds["VMAX_10M"], grid, dims)
    assert field.dims == ("time", "epsd_1", "cell") and field.shape == (24, 21, 25)
    # cell k is row k // 5 (y_1), column k % 5 (x_1)
    np.testing.assert_array_equal(field.isel(cell=7).values, ds["VMAX_10M"].isel(y_1=1, x_1=2))
    np.testing.assert_allclose(field.latitude.values, ds["lat_1"].values.ravel(), atol=2e-5)


def test_rotated_coordinates_in_descending_order_are_sorted():
    ds = _rotated(rlat=np.array([0.5, 0.0, -0.5]), rlon=np.array([-1.0, 0.0]))
    grid, dims = grid_of(ds, "t")
    assert grid.rotated == RegularGrid(-0.5, -1.0, 0.5, 1.0, 3, 2)
    field = to_grid_layout(ds["t"], grid, dims)
    # the first cell is the southern-most, western-most: rlat -0.5 was row 2 (value 200)
    assert field.values.tolist() == [200.0, 201.0, 100.0, 101.0, 0.0, 1.0]


def _rotated(rlat, rlon, **mapping) -> xr.Dataset:
    values = 100 * np.arange(len(rlat))[:, None] + np.arange(len(rlon))[None, :]
    attrs = {
        "grid_mapping_name": "rotated_latitude_longitude",
        "grid_north_pole_latitude": 40.0,
        "grid_north_pole_longitude": -170.0,
    } | mapping
    return xr.Dataset(
        {
            "t": (("rlat", "rlon"), values.astype(float), {"grid_mapping": "rotated_pole"}),
            "rotated_pole": ((), 0, attrs),
        },
        coords={"rlat": rlat, "rlon": rlon},
    )


def test_two_d_coordinates_named_by_the_cf_coordinates_attribute():
    lon, lat = np.meshgrid([4.0, 4.1, 4.3], [50.0, 50.1])
    ds = xr.Dataset(
        {
            "t": (("y", "x"), np.zeros((2, 3)), {"coordinates": "nav_lat nav_lon"}),
            "nav_lat": (("y", "x"), lat, {"units": "degrees_north"}),
            "nav_lon": (("y", "x"), lon, {"units": "degrees_east"}),
        }
    )
    grid, dims = grid_of(ds, "t")
    assert isinstance(grid, CurvilinearGrid) and dims == ("y", "x")
    np.testing.assert_array_equal(grid.latitudes, lat)
    field = to_grid_layout(ds["t"], grid, dims)
    assert field.dims == ("cell",)
    np.testing.assert_array_equal(field.longitude, lon.ravel())


def test_a_lambert_grid_with_2d_coordinates_is_curvilinear():
    lon, lat = np.meshgrid([4.0, 4.1], [50.0, 50.1])
    ds = xr.Dataset(
        {
            "t": (("y", "x"), np.zeros((2, 2)), {"grid_mapping": "lcc"}),
            "lcc": ((), 0, {"grid_mapping_name": "lambert_conformal_conic"}),
        },
        coords={"lat": (("y", "x"), lat), "lon": (("y", "x"), lon)},
    )
    assert isinstance(grid_of(ds, "t")[0], CurvilinearGrid)


# --- ICON ---------------------------------------------------------------------------------


def write_icon_grid(path, *, number=28, uuid="0f" * 16, cells=8, vertices=True, area=True):
    """A small ICON-style grid file: a strip of triangles near 51 N 5 E, as DWD lays it out
    (radians, vertex_of_cell (3, ncells) 1-based, cell_area in m²)."""
    vlon = np.radians(np.array([5.0, 5.2, 5.4, 5.6, 5.8] * 2))
    vlat = np.radians(np.array([51.0] * 5 + [51.2] * 5))
    corners = []
    for k in range(cells // 2):
        corners += [(k, k + 1, k + 5), (k + 1, k + 6, k + 5)]
    corners = np.array(corners).T + 1
    clat = vlat[corners - 1].mean(axis=0)
    clon = vlon[corners - 1].mean(axis=0)
    with netCDF4.Dataset(path, "w") as nc:
        nc.number_of_grid_used = number
        nc.uuidOfHGrid = uuid
        nc.createDimension("cell", clat.size)
        nc.createDimension("vertex", vlat.size)
        nc.createDimension("nv", 3)
        for name, values, dim in (
            ("clat", clat, "cell"),
            ("clon", clon, "cell"),
            ("vlat", vlat, "vertex"),
            ("vlon", vlon, "vertex"),
        ):
            if vertices or name.startswith("c"):
                nc.createVariable(name, "f8", (dim,)).setncattr("units", "radian")
                nc[name][:] = values
        if vertices:
            nc.createVariable("vertex_of_cell", "i4", ("nv", "cell"))[:] = corners
        if area:
            nc.createVariable("cell_area", "f8", ("cell",))[:] = np.full(clat.size, 1e8)
    return path


def _icon_data(n=8, dim="ncells", **attrs) -> xr.Dataset:
    return xr.Dataset({"t": ((dim,), np.arange(float(n)))}, attrs=attrs)


def test_icon_needs_its_grid_file_and_says_which(tmp_path):
    ds = _icon_data(number_of_grid_used=28)
    with pytest.raises(ConfigError, match=r"pass --grid-file .*icon_grid_0028_\*\.nc\.bz2"):
        grid_of(ds, "t")
    with pytest.raises(ConfigError, match=r"--grid-file .*icon_grid_NNNN_"):
        grid_of(_icon_data(), "t")


def test_icon_grid_file_gives_triangles_or_centres(tmp_path):
    path = tmp_path / "icon_grid_0028_R02B07_N02.nc"
    path.write_bytes(bz2.compress(write_icon_grid(tmp_path / "raw.nc").read_bytes()))
    path = path.rename(path.with_suffix(".nc.bz2"))
    ds = _icon_data(number_of_grid_used=28, uuidOfHGrid="0f" * 16)
    grid, dims = grid_of(ds, "t", grid_file=path)
    assert isinstance(grid, IconTriangleGrid) and dims == ("ncells",)
    assert grid.cells.name == "icon_grid_0028_R02B07_N02" and grid.shape == (8,)
    np.testing.assert_allclose(grid.vertex_lat[1], [51.0, 51.2, 51.2])
    np.testing.assert_allclose(grid.vertex_lon[1], [5.2, 5.2, 5.0])
    centres, _ = grid_of(ds, "t", grid_file=path, icon_weights="centre")
    assert isinstance(centres, UnstructuredGrid) and centres.fingerprint != grid.fingerprint
    field = to_grid_layout(ds["t"], grid, dims)
    assert field.dims == ("cell",)
    np.testing.assert_array_equal(field.latitude, grid.latitudes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_icon_data(n=9), r"data has 9 cells; the file holds .* 8 cells"),
        (_icon_data(number_of_grid_used=47), "holds grid no. 28, expected 47"),
        (_icon_data(uuidOfHGrid="ab" * 16), "uuid (ab){16}; the file holds .*uuid (0f){16}"),
    ],
)
def test_a_grid_file_that_is_not_the_datas_grid_is_refused(tmp_path, data, message):
    path = write_icon_grid(tmp_path / "icon_grid_0028_R02B07_N02.nc")
    with pytest.raises(InvalidGridError, match=message):
        grid_of(data, "t", grid_file=path)


def test_a_grid_file_without_vertices_falls_back_to_centres_with_a_warning(tmp_path, caplog):
    path = write_icon_grid(tmp_path / "g.nc", vertices=False)
    grid, _ = grid_of(_icon_data(), "t", grid_file=path)
    assert isinstance(grid, UnstructuredGrid)
    assert "no cell vertices" in caplog.text and "g.nc" in caplog.text


def test_a_missing_grid_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"--grid-file .*nowhere\.nc: no such file"):
        grid_of(_icon_data(), "t", grid_file=tmp_path / "nowhere.nc")


def test_real_icon_eu_eps_grib_and_its_cropped_grid_file(shared_data):
    """CLIMADA's crop of the grid file keeps only clat/clon: no areas, no vertices."""
    folder = shared_data / ICON_EU_EPS
    ds = xr.open_dataset(
        folder / "test_storm_europe_icon_2021012800_001_vmax_10m.grib2",
        engine="cfgrib",
        backend_kwargs={"indexpath": "", "read_keys": ["numberOfGridUsed", "uuidOfHGrid"]},
    )
    with pytest.raises(ConfigError, match="--grid-file"):
        grid_of(ds, "fg10")
    with pytest.raises(InvalidDataError, match="neither cell_area nor vertex_of_cell"):
        grid_of(ds, "fg10", grid_file=folder / "test_storm_europe_icon_grid.nc")


# --- what cannot be weighted --------------------------------------------------------------


def test_errors_name_the_file_the_variable_and_what_to_do(tmp_path):
    path = tmp_path / "in.nc"
    _latlon(np.array([50.0]), np.array([4.0, 5.0])).to_netcdf(path)
    with xr.open_dataset(path) as ds:
        with pytest.raises(ConfigError, match=r"in\.nc \(t\): a single point along lat"):
            grid_of(ds, "t")
        with pytest.raises(
            ConfigError, match=r"in\.nc \(nope\): no variable 'nope'; it holds \['t'\]"
        ):
            grid_of(ds, "nope")


@pytest.mark.parametrize(
    ("ds", "message"),
    [
        (xr.Dataset({"t": ((), 1.0)}), "has no dimensions"),
        (xr.Dataset({"t": (("a", "b"), np.zeros((2, 2)))}), r"cannot tell the grid of t \(dims"),
        (
            xr.Dataset(
                {
                    "t": (("y", "x"), np.zeros((2, 2)), {"grid_mapping": "m"}),
                    "m": ((), 0, {"grid_mapping_name": "polar_stereographic"}),
                }
            ),
            "grid mapping 'polar_stereographic' without 2-D latitude",
        ),
        (
            xr.Dataset({"t": (("y", "x"), np.zeros((2, 2)), {"grid_mapping": "crs"})}),
            "'crs' is not a variable",
        ),
        (
            xr.Dataset({"t": (("y", "x"), np.zeros((2, 2)), {"grid_mapping": "m"}), "m": ((), 0)}),
            "has no grid_mapping_name",
        ),
        (
            xr.Dataset({"t": (("values",), np.zeros(4), {"GRIB_gridType": "reduced_gg"})}),
            "a reduced_gg grid on dim 'values'; regrid",
        ),
        (
            xr.Dataset(
                {"t": (("y", "x"), np.zeros((1, 3)))},
                coords={"lat": (("y", "x"), [[50.0, 50, 50]]), "lon": (("y", "x"), [[4.0, 5, 6]])},
            ),
            r"2-D grid of \(1, 3\) points without CF bounds",
        ),
    ],
)
def test_grids_that_cannot_be_weighted(ds, message):
    with pytest.raises(ConfigError, match=message):
        grid_of(ds, "t")


def test_rotated_grid_errors():
    ds = _rotated(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    del ds["rotated_pole"].attrs["grid_north_pole_latitude"]
    with pytest.raises(
        ConfigError, match="rotated-pole grid mapping without grid_north_pole_latitude"
    ):
        grid_of(ds, "t")
    uneven = _rotated(np.array([0.0, 1.0, 3.0]), np.array([0.0, 1.0]))
    with pytest.raises(ConfigError, match="rlat/rlon are not evenly spaced"):
        grid_of(uneven, "t")
    renamed = _rotated(np.array([0.0, 1.0]), np.array([0.0, 1.0])).rename(rlat="a", rlon="b")
    with pytest.raises(ConfigError, match="without a 1-D grid_latitude coordinate"):
        grid_of(renamed, "t")


def test_evenly_spaced_means_within_5e_5_degrees_plus_1e_4_of_the_step():
    """A 1° axis may be off by up to 1.5e-4° (float32 noise) and stay regular, not more."""
    lon = np.array([4.0, 5.0, 6.0])
    nearly = grid_of(_latlon(np.array([50.0, 51.0 + 1.4e-4, 52.0]), lon), "t")[0]
    assert isinstance(nearly, RegularGrid) and nearly.dlat == 1.0
    uneven = grid_of(_latlon(np.array([50.0, 51.0 + 1.6e-4, 52.0]), lon), "t")[0]
    assert isinstance(uneven, CurvilinearGrid)


def test_crosswarns_own_icon_datasets_need_no_grid_file():
    """A forecast dataset as crosswarn's ICON sources write it carries its cells."""
    cells = UnstructuredGrid(
        name="icon_grid_0047_R19B07_L",
        number=47,
        uuid="ab" * 16,
        latitudes=np.array([50.0, 50.1, 50.2]),
        longitudes=np.array([4.0, 4.1, 4.2]),
        areas=np.array([4.0, 4.1, 4.2]),
    )
    ds = xr.Dataset(
        {"wind_gust": (("member", "cell"), np.zeros((2, 3)))},
        coords={
            "cell": np.arange(3),
            "latitude": ("cell", cells.latitudes),
            "longitude": ("cell", cells.longitudes),
            "cell_area": ("cell", cells.areas),
            "grid_name": ((), cells.name),
            "grid_number": ((), 47),
            "grid_uuid": ((), cells.uuid),
        },
    )
    grid, dims = grid_of(ds, "wind_gust")
    assert dims == ("cell",) and grid.fingerprint == cells.fingerprint

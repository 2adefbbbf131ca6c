"""Contract of the four DWD adapters against a loopback server with a DWD-shaped tree.

Expected values come from how the files were written (see dwd_tree's docstring), not from the
code under test.
"""

from __future__ import annotations

import bz2
import hashlib
import json

import eccodes
import netCDF4
import numpy as np
import pytest

from pipeline.errors import ConfigError, InvalidDataError, InvalidGridError
from pipeline.geo.grids import UnstructuredRef
from pipeline.sources import SOURCES
from pipeline.sources.dwd import IconD2, IconD2Eps, IconEu, IconEuEps
from pipeline.sources.grib import iter_messages
from tests.sources.dwd_tree import (
    SMALL_GRID,
    base_url,
    cell_area_m2,
    write_file,
    write_grid_file,
    write_run,
)

RUN = "2026011500"
PARAMS = ["vmax_10m", "tot_prec", "t_2m"]
ADAPTERS = [IconD2, IconEu, IconD2Eps, IconEuEps]


def _source(cls, loopback, tmp_path):
    return cls(base_url(loopback.url), cache_dir=tmp_path / "cache", backoff_s=0.01)


def test_registry_holds_the_four_adapters():
    assert {cls.id: cls for cls in ADAPTERS}.items() <= SOURCES.items()


@pytest.mark.parametrize(
    ("cls", "run", "param", "step", "expected"),
    [
        (IconD2, "2026011503", "vmax_10m", 7,
         "icon-d2/grib/03/vmax_10m/"
         "icon-d2_germany_regular-lat-lon_single-level_2026011503_007_2d_vmax_10m.grib2.bz2"),
        (IconEu, "2026011506", "t_2m", 81,
         "icon-eu/grib/06/t_2m/"
         "icon-eu_europe_regular-lat-lon_single-level_2026011506_081_T_2M.grib2.bz2"),
        (IconD2Eps, "2026011521", "tot_prec", 48,
         "icon-d2-eps/grib/21/tot_prec/"
         "icon-d2-eps_germany_icosahedral_single-level_2026011521_048_2d_tot_prec.grib2.bz2"),
        (IconEuEps, "2026011518", "vmax_10m", 120,
         "icon-eu-eps/grib/18/vmax_10m/"
         "icon-eu-eps_europe_icosahedral_single-level_2026011518_120_vmax_10m.grib2.bz2"),
    ],
)  # fmt: skip
def test_locate_follows_dwd_layout(cls, run, param, step, expected):
    root = "https://opendata.dwd.de/weather/nwp"
    assert cls(root + "/").locate(run, param, step) == f"{root}/{expected}"


def test_run_cycles_and_lead_times():
    d2, eu, d2e, eue = (cls("x") for cls in ADAPTERS)
    assert d2.steps("2026011503") == list(range(49))
    assert d2e.steps("2026011521") == list(range(49))
    full = eu.steps("2026011512")
    assert (len(full), full[78], full[79], full[-1]) == (93, 78, 81, 120)
    assert eu.steps("2026011509") == list(range(31))  # side run
    eps = eue.steps("2026011518")
    assert eps[:49] == list(range(49))
    assert eps[49:] == [51, 54, 57, 60, 63, 66, 69, 72, 78, 84, 90, 96, 102, 108, 114, 120]
    with pytest.raises(ConfigError, match="every 6 h"):
        eue.steps("2026011503")
    with pytest.raises(ConfigError, match="does not publish tmax_2m"):
        d2e.check_params(["tmax_2m"])


@pytest.mark.parametrize("cls", ADAPTERS, ids=lambda c: c.id)
def test_fetch_open_normalise(cls, loopback, tmp_path):
    source = _source(cls, loopback, tmp_path)
    steps = [0, 1, 2, 3, 4, 5, 6]
    write_run(loopback.root, source, RUN, PARAMS, steps)
    if source.grid_file:
        write_grid_file(loopback.root, source)
    archive = tmp_path / "archive"
    run_dir = source.fetch(RUN, archive, params=PARAMS, steps=steps)

    manifest = json.loads((run_dir / "manifest.json").read_text())["files"]
    assert len(manifest) == len(PARAMS) * len(steps)
    for record in manifest:
        served = loopback.root / record["url"].removeprefix(loopback.url + "/")
        assert record["sha256"] == hashlib.sha256(served.read_bytes()).hexdigest()
        assert (run_dir / record["path"]).read_bytes() == served.read_bytes()

    ds = source.open(RUN, archive, params=PARAMS, steps=steps).compute()
    members = np.arange(1, cls.members + 1) if cls.members > 1 else np.array([0])
    assert ds.member.values.tolist() == members.tolist()
    assert ds.step_hours.values.tolist() == [1, 2, 3, 4, 5, 6]
    assert ds.interval_hours.values.tolist() == [1] * 6
    assert str(ds.valid_time.values[0]) == "2026-01-15T01:00:00.000000000"
    spatial = ("cell",) if cls.grid_file else ("latitude", "longitude")
    assert ds.wind_gust.dims == ("member", "valid_time", *spatial)

    def everywhere(name: str) -> np.ndarray:
        """The value of ``name`` per (member, valid_time), checking it is the same in each cell."""
        values = ds[name].values.reshape(ds.sizes["member"], ds.sizes["valid_time"], -1)
        np.testing.assert_array_equal(values, np.repeat(values[..., :1], values.shape[-1], -1))
        return values[..., 0]

    valid = np.arange(1, 7)
    gust = 10.0 + valid[None, :] + members[:, None]
    if cls is IconEuEps:
        assert ds.wind_gust.attrs["window"] == "run_start"
    np.testing.assert_allclose(everywhere("wind_gust"), gust, atol=1e-3)
    # s mm fell in the hour ending at step s.
    np.testing.assert_allclose(everywhere("precipitation_1h")[0], valid, atol=1e-3)
    np.testing.assert_allclose(
        everywhere("precipitation_3h")[0], [np.nan, np.nan, 6, 9, 12, 15], atol=1e-3
    )
    np.testing.assert_allclose(everywhere("precipitation_6h")[0, -1], 21, atol=1e-3)
    np.testing.assert_allclose(everywhere("air_temperature")[:, 0], 5.0 + members, atol=1e-3)
    assert ds.air_temperature.attrs["units"] == "degC"
    assert ("precipitation_72h" in ds) == (cls.main_steps(source)[-1] >= 72)
    assert ds.attrs["source"] == cls.id and "Deutscher Wetterdienst" in ds.attrs["attribution"]
    if cls.grid_file:
        np.testing.assert_allclose(
            ds.cell_area.values, cell_area_m2(ds.latitude.values) / 1e6, rtol=1e-12
        )
        assert int(ds.grid_number) == cls.grid_file[1]
    else:
        np.testing.assert_allclose(ds.latitude.values, SMALL_GRID.latitudes)


def test_icon_eu_three_hourly_steps_keep_their_interval(loopback, tmp_path):
    source = _source(IconEu, loopback, tmp_path)
    steps = [0, 78, 81]
    write_run(loopback.root, source, "2026011512", ["vmax_10m", "tot_prec"], steps)
    archive = tmp_path / "archive"
    source.fetch("2026011512", archive, params=["vmax_10m", "tot_prec"], steps=steps)
    ds = source.open("2026011512", archive, params=["vmax_10m", "tot_prec"], steps=steps)
    ds = ds.isel(latitude=0, longitude=0, member=0).compute()
    assert ds.interval_hours.values.tolist() == [1, 3]
    np.testing.assert_allclose(ds.wind_gust.values, [88.0, 91.0], atol=1e-3)
    # 79 + 80 + 81 mm fell between steps 78 and 81; no single hour ends at 81 with a known start.
    np.testing.assert_allclose(ds.precipitation_3h.values[1], 240.0, atol=1e-2)
    assert np.isnan(ds.precipitation_1h.values[1])


def test_interval_other_than_the_products_is_rejected(loopback, tmp_path):
    source = _source(IconD2, loopback, tmp_path)
    write_run(loopback.root, source, RUN, ["vmax_10m"], [0, 1])
    bad = write_file(loopback.root, source, RUN, "vmax_10m", 2, grid=SMALL_GRID, interval=2)
    archive = tmp_path / "archive"
    source.fetch(RUN, archive, params=["vmax_10m"], steps=[0, 1, 2])
    ds = source.open(RUN, archive, params=["vmax_10m"], steps=[0, 1, 2])
    with pytest.raises(InvalidDataError, match=rf"{bad.name}: vmax_10m covers steps 0-2"):
        ds.compute()


def test_ensemble_file_missing_a_member_is_rejected(loopback, tmp_path):
    source = _source(IconD2Eps, loopback, tmp_path)
    write_grid_file(loopback.root, source)
    paths = write_run(loopback.root, source, RUN, ["t_2m"], [0, 1])
    data = bz2.decompress(paths[1].read_bytes())
    first = next(iter_messages(data, origin="x"))
    size = eccodes.codes_get(first, "totalLength")
    eccodes.codes_release(first)
    paths[1].write_bytes(bz2.compress(data[size:]))  # drop member 1
    archive = tmp_path / "archive"
    source.fetch(RUN, archive, params=["t_2m"], steps=[0, 1])
    with pytest.raises(InvalidDataError, match=r"19 GRIB message.*expected 20"):
        source.open(RUN, archive, params=["t_2m"], steps=[0, 1]).compute()


def test_grid_file_is_downloaded_once_and_checked(loopback, tmp_path):
    source = _source(IconD2Eps, loopback, tmp_path)
    write_grid_file(loopback.root, source)
    write_run(loopback.root, source, RUN, ["t_2m"], [0, 1])
    archive = tmp_path / "archive"
    source.fetch(RUN, archive, params=["t_2m"], steps=[0, 1])
    source.open(RUN, archive, params=["t_2m"], steps=[0, 1])
    source.open(RUN, archive, params=["t_2m"], steps=[0, 1])
    grid_requests = [r for r in loopback.requests if r.endswith(".nc.bz2")]
    assert grid_requests == ["/weather/lib/cdo/icon_grid_0047_R19B07_L.nc.bz2"]
    assert not list((tmp_path / "cache" / "icon-grids").glob("*.nc*"))  # only the .npz stays


def test_grid_file_without_areas_is_a_clear_error(loopback, tmp_path):
    source = _source(IconEuEps, loopback, tmp_path)
    write_grid_file(loopback.root, source, with_area=False)
    with pytest.raises(InvalidDataError, match="neither cell_area nor vertex_of_cell"):
        source.grid()
    assert not (tmp_path / "cache" / "icon-grids" / "icon_grid_0028_R02B07_N02.npz").exists()


def test_gribs_on_another_icosahedral_grid_are_rejected(loopback, tmp_path):
    source = _source(IconD2Eps, loopback, tmp_path)
    write_grid_file(loopback.root, source)
    write_run(loopback.root, source, RUN, ["t_2m"], [0, 1])
    wrong = UnstructuredRef(npoints=1400, number=28, uuid="ab" * 16)
    bad = write_file(loopback.root, source, RUN, "t_2m", 1, grid=wrong)
    archive = tmp_path / "archive"
    source.fetch(RUN, archive, params=["t_2m"], steps=[0, 1])
    with pytest.raises(InvalidGridError, match=rf"{bad.name}: not on .*grid no. 28"):
        source.open(RUN, archive, params=["t_2m"], steps=[0, 1]).compute()


# -- real DWD files -------------------------------------------------------------------------


def _serve(loopback, source, run, param, step, data: bytes) -> None:
    relative = source.locate(run, param, step).removeprefix(source.base_url + "/")
    dest = loopback.root / "weather" / "nwp" / relative
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(data)


def test_real_icon_eu_files_keep_their_own_domain(shared_data, loopback, tmp_path):
    """The 2020/2022 ICON-EU grid (657 x 1097) is read from the files, never assumed."""
    source = _source(IconEu, loopback, tmp_path)
    folder = shared_data / "nwp" / "dwd_icon-eu"
    for run, param in (("2022050700", "u_10m"), ("2022050700", "v_10m"), ("2020062300", "t_2m")):
        name = f"icon-eu_europe_regular-lat-lon_single-level_{run}_000_{param.upper()}.grib2"
        _serve(loopback, source, run, param, 0, bz2.compress((folder / name).read_bytes()))
    archive = tmp_path / "archive"
    source.fetch("2022050700", archive, params=["u_10m", "v_10m"], steps=[0])
    source.fetch("2020062300", archive, params=["t_2m"], steps=[0])
    path = source.archive_path(archive, "2022050700", "v_10m", 0)
    ((field,),) = source._decode(path, "v_10m", 0, "2022050700", None, 0)
    assert (field.grid.nlat, field.grid.nlon, field.grid.dlat) == (657, 1097, 0.0625)
    assert (field.grid.lat0, field.grid.lon0) == (29.5, -23.5)
    t2m = source._values(
        source.archive_path(archive, "2020062300", "t_2m", 0), "t_2m", 0, "2020062300",
        field.grid, 0,
    )  # fmt: skip
    lat, lon = field.grid.latitudes, field.grid.longitudes
    benelux = t2m[0][np.ix_((lat >= 49.4) & (lat <= 53.6), (lon >= 2.5) & (lon <= 7.2))]
    # PROVENANCE.md: 282.6...291.6 K over the Benelux, i.e. 9.45...18.45 °C.
    assert 9.0 < benelux.min() < 10.5 and 17.5 < benelux.max() < 19.0


def test_real_icon_eu_eps_members_on_their_grid(shared_data, loopback, tmp_path):
    """Real ICON-EU-EPS VMAX_10M (40 members, 49 cells) with cell centres from its grid file."""
    source = _source(IconEuEps, loopback, tmp_path)
    folder = shared_data / "nwp" / "dwd_icon-eu-eps_climada"
    for step in (1, 2):
        original = folder / f"test_storm_europe_icon_2021012800_{step:03d}_vmax_10m.grib2.bz2"
        _serve(loopback, source, "2021012800", "vmax_10m", step, original.read_bytes())
    # CLIMADA's crop of the grid file keeps only clat/clon: add areas (0.2° cells) to use it.
    grid_file = loopback.root / "grid.nc"
    with netCDF4.Dataset(folder / "test_storm_europe_icon_grid.nc") as src:
        clat, clon = src["clat"][:], src["clon"][:]
    with netCDF4.Dataset(grid_file, "w") as nc:
        nc.createDimension("cell", clat.size)
        for name, values in (("clat", clat), ("clon", clon)):
            nc.createVariable(name, "f8", ("cell",)).setncattr("units", "radian")
            nc[name][:] = values
        nc.createVariable("cell_area", "f8", ("cell",))[:] = cell_area_m2(np.degrees(clat))
    dest = loopback.root / "weather" / "lib" / "cdo" / "icon_grid_0028_R02B07_N02.nc.bz2"
    dest.parent.mkdir(parents=True)
    dest.write_bytes(bz2.compress(grid_file.read_bytes()))

    archive = tmp_path / "archive"
    source.fetch("2021012800", archive, params=["vmax_10m"], steps=[1, 2])
    ds = source.open("2021012800", archive, params=["vmax_10m"], steps=[1, 2]).compute()
    assert ds.wind_gust.shape == (40, 1, 49)
    assert ds.member.values.tolist() == list(range(1, 41))
    # PROVENANCE.md: 0.70...17.28 m/s over both steps; step 2 holds the maximum since the start.
    assert float(ds.wind_gust.min()) >= 0.70 and abs(float(ds.wind_gust.max()) - 17.28) < 0.01
    np.testing.assert_allclose(ds.latitude.values, np.degrees(clat), rtol=1e-12)
    assert float(ds.latitude.min()) > 67.0 and float(ds.latitude.max()) < 71.6


def test_real_files_never_written_by_us_are_not_mistaken(shared_data, tmp_path):
    """A real ICON-D2 u_10m file in place of vmax_10m names the parameter it holds."""
    source = IconD2("x")
    real = (
        shared_data / "nwp" / "dwd_icon-d2"
        / "icon-d2_germany_regular-lat-lon_single-level_2022042600_000_2d_u_10m.grib2"
    )  # fmt: skip
    path = tmp_path / "vmax.grib2.bz2"
    path.write_bytes(bz2.compress(real.read_bytes()))
    with pytest.raises(InvalidDataError, match=r"holds GRIB parameter \(0, 2, 2\)"):
        source._decode(path, "vmax_10m", 0, "2022042600", None, 0)

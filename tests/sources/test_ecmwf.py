"""ECMWF open data (IFS HRES and ENS) through a loopback server laid out as data.ecmwf.int.

The contract (directory layout, ``.index`` JSON lines, HTTP Range requests for just the needed
messages), the real IFS message from ../shared/data, the step tables, and the faults: not yet
published, 5xx then success, connection reset, truncated file, wrong grid, missing step,
incomplete ensemble, and 429 with Retry-After.
"""

from __future__ import annotations

import eccodes
import numpy as np
import pytest
import xarray as xr

from pipeline.errors import DataNotYetAvailable, InvalidDataError, InvalidGridError
from pipeline.geo.grids import RegularGrid
from pipeline.sources.ecmwf import GLOBAL_0P25, EcmwfEns, EcmwfIfs
from pipeline.sources.grib import decode_fields
from pipeline.statistics.derived import with_derived
from tests.sources.ecmwf_tree import SmallEns, SmallIfs, write_run, write_step

RUN = "2026071500"
REAL = "nwp/ecmwf_opendata/20250912120000-0h-oper-fc_msg90_tprate.grib2"


@pytest.fixture
def sleeps() -> list[float]:
    return []


def _source(cls, loopback, sleeps):
    return cls(loopback.url + "/forecasts", backoff_s=0.01, sleep=sleeps.append)


def _root(loopback):
    return loopback.root / "forecasts"


def _clean(archive) -> list:
    """No temporary leftovers; every GRIB decodes. The GRIB files and manifests (not the
    kept step indexes)."""
    files = sorted(p for p in archive.rglob("*") if p.is_file())
    assert [p for p in files if p.name.startswith(".")] == []
    for path in (p for p in files if p.suffix == ".grib2"):
        assert decode_fields(path)
    return [p for p in files if p.suffix != ".index"]


def test_step_tables_streams_and_urls():
    ifs, ens = EcmwfIfs("https://data.ecmwf.int/forecasts"), EcmwfEns("x")
    assert ifs.step_table(0) == [*range(0, 144, 3), *range(144, 241, 6)]
    assert len(ifs.steps("2026071500")) == 48 + 17 and ifs.steps("2026071500")[-1] == 240
    assert ifs.steps("2026071506") == list(range(0, 91, 3))
    assert len(ens.step_table(12)) == 48 + 37 and ens.step_table(12)[-1] == 360
    assert ens.step_table(18) == list(range(0, 145, 3))
    assert ens.steps("2026071512")[-1] == 144  # crosswarn's horizon
    # IFS cycle 50r1 (12 May 2026) moved the 06/18 UTC HRES runs from scda to oper.
    assert ifs.stream("2026051106") == "scda" and ifs.stream("2026051206") == "oper"
    assert ifs.locate("2026071500", 24) == (
        "https://data.ecmwf.int/forecasts/20260715/00z/ifs/0p25/oper/"
        "20260715000000-24h-oper-fc.grib2"
    )
    assert ens.file_name("2026071518", 3, "index") == "20260715180000-3h-enfo-ef.index"


def test_real_ifs_message_is_on_the_documented_grid_and_cropped(shared_data):
    (field,) = decode_fields(shared_data / REAL)
    assert field.grid == GLOBAL_0P25
    grid, (rows, cols) = field.grid.crop(EcmwfIfs.crop)
    assert (grid.lat0, grid.lon0, grid.nlat, grid.nlon) == (46.0, -1.0, 45, 57)
    ours = xr.DataArray(
        field.values[rows, cols],
        coords={"latitude": grid.latitudes, "longitude": grid.longitudes},
        dims=("latitude", "longitude"),
    )
    # The data gatherer's own crop (cfgrib, lat 48.5..54.5, lon 1.5..9.5) holds the same values.
    with xr.open_dataset(
        shared_data / "nwp/derived/ecmwf-ifs_2025091212_000_tprate_benelux.nc"
    ) as nc:
        theirs = nc.tprate.load()
    mine = ours.sel(latitude=theirs.latitude, longitude=theirs.longitude)
    np.testing.assert_array_equal(mine.values, theirs.values)
    assert 12.0 < float(mine.max()) * 3600 < 14.0  # PROVENANCE.md: about 13.3 mm/h at most


def test_ensemble_by_index_and_byte_ranges(loopback, tmp_path, sleeps, shared_data):
    source = _source(SmallEns, loopback, sleeps)
    write_run(_root(loopback), source, RUN, real=(shared_data / REAL).read_bytes())
    assert source.run_status(RUN).complete
    assert not source.run_status("2026071506").complete
    assert source.latest_complete_run() == RUN

    archive = tmp_path / "archive"
    source.fetch(RUN, archive)
    files = _clean(archive)
    # 10fg, 2t and ptype at +3 and +6 h, tp at 0, 3 and 6 h: each with all 51 members; a
    # manifest.
    assert len(files) == 2 + 2 + 2 + 3 + 1
    for path in (p for p in files if p.suffix == ".grib2"):
        fields = decode_fields(path)
        assert sorted(f.member for f in fields) == list(range(51))
        # Only the variable asked for (no msl, no tprate); eccodes calls a 3 h gust max 10fg3.
        expected = {"10fg": "10fg3"}.get(path.parent.name, path.parent.name)
        assert {f.short_name for f in fields} == {expected}
    grib_requests = [h for p, h in loopback.seen if p.endswith(".grib2")]
    assert grib_requests and all(h.get("Range", "").startswith("bytes=") for h in grib_requests)

    ds = source.open(RUN, archive)
    assert ds.member.values.tolist() == list(range(51))
    assert ds.step_hours.values.tolist() == [3, 6]
    assert (ds.sizes["latitude"], ds.sizes["longitude"]) == (45, 57)
    assert "precipitation_1h" not in ds  # 3-hourly output has no hourly window
    ds = ds.isel(latitude=20, longitude=30).compute()
    members = np.arange(51)
    np.testing.assert_allclose(ds.wind_gust.values[:, 0], 16.0 + members / 10, atol=0.01)
    np.testing.assert_allclose(ds.wind_gust.values[:, 1], 17.0 + members / 10, atol=0.01)
    np.testing.assert_allclose(ds.air_temperature.values[:, 1], 10.0 + members / 10, atol=0.01)
    np.testing.assert_allclose(ds.precipitation_3h.values, 3.0, atol=0.01)  # 1 mm/h, from m
    assert np.isnan(ds.precipitation_6h.values[:, 0]).all()
    np.testing.assert_allclose(ds.precipitation_6h.values[:, 1], 6.0, atol=0.01)
    # ptype 1 (rain) at +3 h, 3 (freezing rain) at +6 h: the freezing-rain flag follows.
    np.testing.assert_allclose(ds.precipitation_type.values, [[1.0, 3.0]] * 51, atol=0.01)
    flags = with_derived(ds)["freezing_rain"].values
    assert flags.tolist() == [[0.0, 1.0]] * 51
    assert "CC BY 4.0" in ds.attrs["attribution"] and "ECMWF" in ds.attrs["attribution"]

    before = len(loopback.requests)
    source.fetch(RUN, archive)  # idempotent: nothing fetched again
    assert len(loopback.requests) == before


def test_real_ifs_message_through_the_adapter(loopback, tmp_path, sleeps, shared_data):
    """The real CCSDS-packed field, relabelled as tp accumulated since the start at the rate
    it states, comes out as the 3-hour amount the rate implies at every Benelux point."""
    source = _source(SmallIfs, loopback, sleeps)
    real = (shared_data / REAL).read_bytes()
    write_run(_root(loopback), source, RUN, params=("10fg", "2t", "ptype", "sf"))
    handle = eccodes.codes_new_from_message(real)
    rate = eccodes.codes_get_values(handle)  # kg m-2 s-1, north to south
    for step in source.steps(RUN):
        eccodes.codes_set(handle, "dataDate", int(RUN[:8]))
        eccodes.codes_set(handle, "dataTime", 0)
        eccodes.codes_set(handle, "paramId", 228)
        eccodes.codes_set(handle, "productDefinitionTemplateNumber", 8)
        eccodes.codes_set(handle, "paramId", 228)
        eccodes.codes_set(handle, "stepUnits", 1)
        eccodes.codes_set(handle, "startStep", 0)
        eccodes.codes_set(handle, "endStep", step)
        eccodes.codes_set_values(handle, rate * 3600 * step / 1000)  # metres since the start
        path = source.locate(RUN, step).removeprefix(source.base_url + "/")
        data = (_root(loopback) / path).read_bytes()
        message = eccodes.codes_get_message(handle)
        (_root(loopback) / path).write_bytes(data + message)
        index = (_root(loopback) / path).with_suffix(".index")
        entry = f'{{"type": "fc", "param": "tp", "levtype": "sfc", "_offset": {len(data)}, '
        entry += f'"_length": {len(message)}}}\n'
        index.write_text(index.read_text() + entry)
    eccodes.codes_release(handle)
    source.fetch(RUN, tmp_path / "archive")
    ds = source.open(RUN, tmp_path / "archive", params=["tp"]).compute()
    lat, lon = 50.5, 4.25  # Brussels' grid point: row (90 - 50.5) / 0.25, column (180 + 4.25)
    expected = rate.reshape(721, 1440)[int((90 - lat) / 0.25), int((180 + lon) / 0.25)] * 3 * 3600
    got = ds.precipitation_3h.sel(latitude=lat, longitude=lon).values[0]
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=0.01)


def test_indexes_are_read_once_for_all_variables(loopback, tmp_path, sleeps):
    source = _source(SmallIfs, loopback, sleeps)
    write_run(_root(loopback), source, RUN)
    source.fetch(RUN, tmp_path / "archive", params=["tp"], manifest=False)
    first = [p for p in loopback.requests if p.endswith(".index")]
    assert len(first) == 5  # steps 0, 3, 6, 9, 12 (precipitation windows need +0 h)
    source.fetch(RUN, tmp_path / "archive", params=["2t"], manifest=False)
    assert [p for p in loopback.requests if p.endswith(".index")] == first
    kept = sorted((tmp_path / "archive" / source.id / RUN / "index").iterdir())
    assert [p.name for p in kept] == sorted(
        source.file_name(RUN, s, "index") for s in range(0, 13, 3)
    )


def test_a_cut_index_is_not_kept(loopback, tmp_path, sleeps):
    source = _source(SmallIfs, loopback, sleeps)
    (path, *_) = write_run(_root(loopback), source, RUN, steps=[0])
    index = path.with_suffix(".index")
    index.write_text(index.read_text()[:-20])
    with pytest.raises(
        InvalidDataError, match=r"0h-oper-fc\.index: line \d+ is not an index entry"
    ):
        source.fetch(RUN, tmp_path / "archive", steps=[0], params=["2t"])
    assert not (tmp_path / "archive" / source.id / RUN / "index").exists()


def test_index_not_yet_published_then_published(loopback, tmp_path, sleeps):
    source = _source(SmallIfs, loopback, sleeps)
    write_run(_root(loopback), source, RUN, steps=[0, 3, 6, 9])
    assert source.run_status(RUN).missing == (f"{RUN}0000-12h-oper-fc.index",)
    with pytest.raises(DataNotYetAvailable, match=r"1 of 5 step indexes not published.*404"):
        source.fetch(RUN, tmp_path / "archive")
    assert not (tmp_path / "archive").exists() or _clean(tmp_path / "archive") == []
    write_step(_root(loopback), source, RUN, 12)
    source.fetch(RUN, tmp_path / "archive")
    # 10fg, 2t and ptype at 4 steps, tp and sf at 5 (accumulations need +0 h), a manifest.
    assert len(_clean(tmp_path / "archive")) == 4 + 4 + 4 + 5 + 5 + 1


def test_server_errors_resets_and_rate_limits_are_retried(loopback, tmp_path, sleeps):
    source = _source(SmallIfs, loopback, sleeps)
    write_run(_root(loopback), source, RUN)
    grib = "/forecasts/20260715/00z/ifs/0p25/oper/20260715000000-6h-oper-fc.grib2"
    index = grib.replace(".grib2", ".index")
    loopback.faults[index] = [(429, {"Retry-After": "9"}), 502]
    loopback.faults[grib] = [503, "reset"]
    source.fetch(RUN, tmp_path / "archive")
    assert 9.0 in sleeps
    assert len(_clean(tmp_path / "archive")) == 4 + 4 + 4 + 5 + 5 + 1  # as above


def test_truncated_file_is_retried_then_reported(loopback, tmp_path, sleeps):
    source = _source(SmallIfs, loopback, sleeps)
    (path, *_) = write_run(_root(loopback), source, RUN, steps=[0])
    path.write_bytes(path.read_bytes()[:-100])  # the index still promises the whole messages
    with pytest.raises(InvalidDataError, match=r"0h-oper-fc\.grib2.*(cut short|truncated)"):
        source.fetch(RUN, tmp_path / "archive", steps=[0], params=["sf"])  # the last message
    assert _clean(tmp_path / "archive") == []


def test_missing_parameter_in_a_step_is_named(loopback, tmp_path, sleeps):
    source = _source(SmallIfs, loopback, sleeps)
    write_run(_root(loopback), source, RUN)
    write_step(_root(loopback), source, RUN, 9, params=("10fg", "tp"))
    with pytest.raises(InvalidDataError, match=r"9h-oper-fc\.index: lists 2t for members \[\]"):
        source.fetch(RUN, tmp_path / "archive")


def test_incomplete_ensemble_is_refused(loopback, tmp_path, sleeps):
    source = _source(SmallEns, loopback, sleeps)
    write_run(_root(loopback), source, RUN, steps=[0, 3])
    write_step(_root(loopback), source, RUN, 6, members=list(range(50)))  # member 50 missing
    with pytest.raises(InvalidDataError, match=r"6h-enfo-ef\.index: lists 10fg for members 50 "):
        source.fetch(RUN, tmp_path / "archive")


def test_wrong_grid_is_refused_when_opened(loopback, tmp_path, sleeps):
    source = _source(SmallIfs, loopback, sleeps)
    half = RegularGrid(lat0=-90.0, lon0=-180.0, dlat=0.5, dlon=0.5, nlat=361, nlon=720)
    write_run(_root(loopback), source, RUN, grid=half)
    source.fetch(RUN, tmp_path / "archive")
    with pytest.raises(InvalidGridError, match=r"361 x 720.*ecmwf-ifs is on 721 x 1440"):
        source.open(RUN, tmp_path / "archive")


def test_runs_command_finds_the_newest_complete_run_on_a_mirror(tmp_path, capsys):
    from pipeline.cli import main

    root = tmp_path / "mirror"
    source = EcmwfIfs(f"file://{root}")
    write_run(root, source, "2026071500", params=("2t",))
    write_run(root, source, "2026071506", steps=[0, 3], params=("2t",))  # still arriving
    assert main(["runs", "ecmwf-ifs", "--base-url", f"file://{root}"]) == 0
    assert capsys.readouterr().out.strip() == "2026071500"
    assert main(["runs", "ecmwf-ifs", "--base-url", f"file://{root}", "--run", "2026071506"]) == 1
    assert "29 of 31 files not listed yet" in capsys.readouterr().out

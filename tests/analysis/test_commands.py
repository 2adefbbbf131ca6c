"""``crosswarn aggregate`` at the terminal: every bad input ends in one line naming the file or
option and what to do (exit 2, nothing written); a good run prints one summary line and lets no
library warning through."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from pipeline.cli import main
from tests.analysis.conftest import write_grid, write_regions

D2_U = "nwp/dwd_icon-d2/icon-d2_germany_regular-lat-lon_single-level_2022042600_000_2d_u_10m.grib2"
EU_T = "nwp/dwd_icon-eu/icon-eu_europe_regular-lat-lon_single-level_2020062300_000_T_2M.grib2"
EU_NC = "nwp/derived/icon-eu_2020062300_000_t2m_benelux.nc"
EPS = "nwp/dwd_icon-eu-eps_climada/test_storm_europe_icon_2021012800_001_vmax_10m.grib2"
LEVELS = "nwp/ecmwf_cfgrib_samples/era5-levels-members.grib"
POINT = "nwp/ecmwf_cfgrib_samples/single_gridpoint.grib"


def _bad_inputs(data, tmp):
    """(arguments, what the error line says) for each bad input."""
    (tmp / "text.nc").write_text("time,value\n2026-01-15,3\n")
    (tmp / "empty.grib2").write_bytes(b"")
    (tmp / "hdf.nc").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    u = (data / D2_U).read_bytes()
    (tmp / "cut.grib2").write_bytes(u[: len(u) // 2])
    write_grid(tmp / "point.nc", [[5.0]], lat=np.array([50.5]), lon=np.array([4.5]))
    return [
        (["missing.nc", "--variable", "t2m"], "missing.nc: no such file; check the path"),
        ([tmp / "text.nc", "--variable", "t2m"], "text.nc: neither GRIB nor NetCDF"),
        ([tmp, "--variable", "t2m"], "a directory; give the files in it"),
        ([tmp / "empty.grib2", "--variable", "2t"], "empty.grib2: an empty file"),
        ([tmp / "hdf.nc", "--variable", "t2m"], "hdf.nc: cannot be read as NetCDF"),
        (
            [tmp / "cut.grib2", "--variable", "10u"],
            "cut.grib2: GRIB message at byte 0 is truncated",
        ),
        ([data / POINT, "--variable", "2t", "--run", "2018010100"], "a grid of 1 x 1 point(s)"),
        ([tmp / "point.nc", "--variable", "gust"], "a single point along lat"),
        ([data / LEVELS, "--variable", "t"], "holds 4 model runs"),
        ([data / EU_NC, "--variable", "t2m", "--threshold", "nan"], "'nan': not a finite number"),
        ([data / EU_NC, "--variable", "t2m", "--threshold", "90km/h"], "is in K, which km/h"),
        ([data / EU_NC, "--variable", "T_2M", "--level", "2"], "on one level only"),
        ([data / EU_NC, "--variable", "gust"], "no variable 'gust'; it holds ['t2m']"),
        ([data / EU_NC, "--variable", "t2m", "--time", "noon"], "--time 'noon': expected a time"),
        ([data / EU_NC, data / EU_T, "--variable", "t2m"], "and NetCDF mixed"),
        ([data / EU_NC, "--variable", "t2m", "--regions", "nowhere.geojson"], "nor an existing"),
        ([data / EU_NC, "--variable", "t2m", "--min-coverage", "1.5"], "a share from 0 to 1"),
        ([data / EPS, "--variable", "VMAX_10M"], "pass --grid-file with DWD's grid file"),
    ]


def test_every_bad_input_is_one_line_naming_it(shared_data, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    for args, says in _bad_inputs(shared_data, bad):
        for out in (tmp_path / "out.csv", tmp_path / "out.nc"):
            code = main(["aggregate", *map(str, args), "--out", str(out)])
            captured = capsys.readouterr()
            error = captured.err.strip()
            assert code == 2, (args, captured)
            assert "\n" not in error and error.startswith("crosswarn: error: "), error
            assert says in error, (says, error)
            assert not out.exists()


@pytest.mark.parametrize(
    ("out", "says"), [("out.txt", "must end in .csv or .nc"), ("folder.nc", "a directory")]
)
def test_an_output_crosswarn_cannot_write_is_refused_first(
    shared_data, tmp_path, capsys, out, says
):
    (tmp_path / "folder.nc").mkdir()
    args = [str(shared_data / EU_NC), "--variable", "t2m", "--out", str(tmp_path / out)]
    assert main(["aggregate", *args]) == 2
    assert says in capsys.readouterr().err


def _cli(*args, tmp_path, **env):
    environment = {
        **os.environ,
        "PYTHONWARNINGS": "default",
        "CROSSWARN_CACHE_DIR": str(tmp_path / "cache"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "aggregate", *map(str, args)],
        capture_output=True, text=True, env=environment, check=False,
    )  # fmt: skip


def test_a_run_prints_one_line_and_no_library_warning(shared_data, tmp_path):
    regions = write_regions(tmp_path / "benelux.geojson", {"be": (4.0, 50.0, 5.0, 51.0)})
    for source, variable, out in (
        (shared_data / EU_NC, "T_2M", "nc.nc"),
        (shared_data / EU_T, "air_temperature", "grib.csv"),
    ):
        args = [source, "--variable", variable, "--threshold", "15degC", "--regions", regions]
        done = _cli(*args, "--id-field", "code", "--out", tmp_path / out, tmp_path=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert done.stdout.count("\n") == 1
        assert "(K) over 1 of 1 regions" in done.stdout and "288.15 (15degC)" in done.stdout


def test_a_progress_bar_over_the_files_on_request(shared_data, tmp_path):
    regions = write_regions(tmp_path / "benelux.geojson", {"be": (4.0, 50.0, 5.0, 51.0)})
    done = _cli(shared_data / EU_T, "--variable", "2t", "--regions", regions, "--id-field", "code",
                "--out", tmp_path / "t.csv", tmp_path=tmp_path, CROSSWARN_PROGRESS="1")  # fmt: skip
    assert done.returncode == 0 and "decoding GRIB" in done.stderr

"""Thunderstorm, snow and glaze from DWD files, and ICON-D2-RUC on DWD's newer layout.

Files are written by tests/sources/dwd_tree with hand-chosen values (its docstring): ww 95 at odd
steps and 66 at even ones, snow_gsp 0.5 s and snow_con 0.25 s kg m-2 since the run start. The
expected values below follow from those, not from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.sources.dwd import IconD2, IconD2Ruc
from pipeline.statistics.derived import with_derived
from tests.sources.dwd_tree import base_url, write_grid_file, write_run

RUN = "2026011507"  # a RUC run (hourly); ICON-D2 runs every 3 h
D2_RUN = "2026011506"
STEPS = [0, 1, 2, 3, 4, 5, 6]


def _everywhere(ds, name: str) -> np.ndarray:
    """``name``'s value per valid time, checking every point holds the same (member 0)."""
    values = ds[name].isel(member=0).values.reshape(ds.sizes["valid_time"], -1)
    np.testing.assert_array_equal(values, np.repeat(values[:, :1], values.shape[-1], -1))
    return values[:, 0]


def test_icon_d2_ww_and_snow_decode_to_flags_and_fresh_snow(loopback, tmp_path):
    source = IconD2(base_url(loopback.url), cache_dir=tmp_path / "cache", backoff_s=0.01)
    params = ["vmax_10m", "tot_prec", "ww", "snow_gsp", "snow_con"]
    files = write_run(loopback.root, source, D2_RUN, params, STEPS)
    # ICON-D2 writes no ww at +0 h: the run is complete without it and nothing asks for it.
    assert not any("_000_2d_ww" in f.name for f in files)
    status = source.run_status(D2_RUN, params)
    assert status.expected == 5 * 49 - 1
    assert not any("_000_2d_ww" in name for name in status.missing)
    archive = tmp_path / "archive"
    source.fetch(D2_RUN, archive, params=params, steps=STEPS)
    ds = with_derived(source.open(D2_RUN, archive, params=params, steps=STEPS)).compute()

    np.testing.assert_allclose(_everywhere(ds, "weather_code"), [95, 66, 95, 66, 95, 66], atol=0.01)
    assert _everywhere(ds, "thunderstorm").tolist() == [1, 0, 1, 0, 1, 0]
    assert _everywhere(ds, "freezing_rain").tolist() == [0, 1, 0, 1, 0, 1]
    # Gusts of 10 + s m/s count as thunderstorm gusts only at the thunderstorm steps.
    np.testing.assert_allclose(
        _everywhere(ds, "thunderstorm_gust"), [11, 0, 13, 0, 15, 0], atol=0.01
    )
    # 0.5 + 0.25 kg m-2 of snow per hour: 0.75 cm of fresh snow per hour at 10:1.
    np.testing.assert_allclose(_everywhere(ds, "snowfall_1h"), [0.75] * 6, atol=0.01)
    np.testing.assert_allclose(_everywhere(ds, "fresh_snow_1h"), [0.75] * 6, atol=0.01)
    fresh_6h = _everywhere(ds, "fresh_snow_6h")
    assert np.isnan(fresh_6h[:5]).all()  # the 6 h window starts before the run until +6 h
    np.testing.assert_allclose(fresh_6h[5], 4.5, atol=0.02)
    assert ds["fresh_snow_6h"].attrs["units"] == "cm"
    assert ds["weather_code"].attrs["units"] == "1"


def test_ruc_layout_is_dwds_v1_tree():
    ruc = IconD2Ruc("https://opendata.dwd.de/weather/nwp/")
    assert ruc.locate("2026011507", "vmax_10m", 3) == (
        "https://opendata.dwd.de/weather/nwp/v1/m/icon-d2-ruc/p/VMAX_10M/r/"
        "2026-01-15T07%3A00/s/PT003H00M.grib2"
    )
    assert ruc.steps("2026011523") == list(range(15))  # hourly to +14 h, every hour
    with pytest.raises(ConfigError, match="does not publish snow_con"):
        ruc.check_params(["snow_con"])  # convection-permitting: no convective snow


def test_ruc_end_to_end_over_loopback_http(loopback, tmp_path):
    source = IconD2Ruc(base_url(loopback.url), cache_dir=tmp_path / "cache", backoff_s=0.01)
    params = list(source.default_params)
    write_grid_file(loopback.root, source)
    files = write_run(loopback.root, source, RUN, params, STEPS)
    write_run(loopback.root, source, "2026011506", ["vmax_10m"], [1])  # an older, partial run
    # Uncompressed, one file per step, run directories named like "2026-01-15T07:00".
    assert all(f.suffix == ".grib2" for f in files)
    assert any(p.name == "2026-01-15T07:00" for p in files[0].parents)
    assert source.available_runs(params) == ["2026011506", RUN]
    assert source.run_status(RUN, params).expected == 5 * 15 - 2  # no vmax/ww at +0 h
    archive = tmp_path / "archive"
    source.fetch(RUN, archive, params=params, steps=STEPS)
    ds = with_derived(source.open(RUN, archive, params=params, steps=STEPS)).compute()
    assert ds.sizes["member"] == 1 and "cell" in ds.dims
    np.testing.assert_allclose(_everywhere(ds, "wind_gust"), 10.0 + np.arange(1, 7), atol=0.01)
    assert _everywhere(ds, "thunderstorm").tolist() == [1, 0, 1, 0, 1, 0]
    # Grid-scale snow only (0.5 kg m-2 per hour): 0.5 cm of fresh snow per hour.
    np.testing.assert_allclose(_everywhere(ds, "fresh_snow_1h"), [0.5] * 6, atol=0.01)
    assert "ICON-D2-RUC" in ds.attrs["attribution"]

"""The ICON-D2-EPS storm scenario, read back through the real source.

Expected values come from the deterministic scenario's physics evaluated at each member's moved
cell centres, not from the code that writes the files.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline.sources.dwd import IconD2Eps
from pipeline.sources.grib import decode_fields
from pipeline.tools import scenario
from pipeline.tools.scenario_eps import (
    MARKER,
    RUN,
    data_path,
    member_perturbation,
    write_eps_scenario,
)

PARAMS = ("vmax_10m", "tot_prec", "t_2m")
STEPS = [0, 1, 2, 3]
N_CELLS = 3000


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A small run (3000 cells, 20 members as the real source expects), fetched and opened."""
    tmp = tmp_path_factory.mktemp("eps")
    mirror = write_eps_scenario(
        tmp / "mirror", steps=range(4), params=PARAMS, n_cells=N_CELLS, workers=2
    )
    source = IconD2Eps(f"file://{mirror}", cache_dir=tmp / "cache", backoff_s=0.01)
    archive = tmp / "archive"
    source.fetch(RUN, archive, params=list(PARAMS), steps=STEPS)
    return source.open(RUN, archive, params=list(PARAMS), steps=STEPS).compute()


def test_members_and_synthetic_grid(run):
    assert run.member.values.tolist() == list(range(1, 21))
    assert run.wind_gust.dims == ("member", "valid_time", "cell")
    assert run.sizes["cell"] == N_CELLS and int(run.grid_number) == 47
    assert run.attrs["production_status"] == 2
    # The cells tile 43.18-58.08 N, 3.94 W-20.34 E on ICON's sphere (radius 6371.229 km).
    lat, lon = run.latitude.values, run.longitude.values
    assert 43.18 < lat.min() < lat.max() < 58.08 and -3.94 < lon.min() < lon.max() < 20.34
    domain = 6371.229**2 * math.radians(24.28)
    domain *= math.sin(math.radians(58.08)) - math.sin(math.radians(43.18))
    assert run.cell_area.values.sum() == pytest.approx(domain, rel=1e-9)
    assert run.cell_area.values.max() / run.cell_area.values.min() < 1.05


def test_member_perturbations_stay_small():
    perturbations = [member_perturbation(m) for m in range(1, 21)]
    for p in perturbations:
        km = math.hypot(p.dlat * 111.2, p.dlon * 111.2 * math.cos(math.radians(51.0)))
        assert km <= 50.0 + 1e-9 and 0.85 <= p.scale <= 1.15
    assert len({(p.dlat, p.dlon, p.scale) for p in perturbations}) == 20


@pytest.mark.parametrize("member", [1, 7, 20])
def test_member_fields_are_the_moved_scaled_storm(run, member):
    p = member_perturbation(member)
    lat = run.latitude.values - p.dlat
    lon = run.longitude.values - p.dlon
    ds = run.sel(member=member)
    for i, step in enumerate(STEPS[1:]):
        gust = 8.0 + p.scale * (scenario.hourly_max_gust(lat, lon, step) - 8.0)
        np.testing.assert_allclose(ds.wind_gust.values[i], gust, rtol=1e-3)
        celsius = scenario.temperature_k(lat, lon, float(step)) - 273.15
        np.testing.assert_allclose(ds.air_temperature.values[i], celsius, atol=0.01)
        # Accumulated since the run start in the files; the hour's amount after differencing.
        rain = p.scale * scenario.hourly_rain(lat, lon, step)
        np.testing.assert_allclose(ds.precipitation_1h.values[i], rain, atol=2e-3)
    assert ds.wind_gust.values.max() > 15.0  # the storm is in the domain


def test_members_differ(run):
    gust = run.wind_gust.isel(valid_time=-1).values
    assert np.abs(gust[0] - gust[1]).max() > 1.0


def test_files_hold_every_member_and_are_reused(tmp_path):
    mirror = write_eps_scenario(
        tmp_path / "m", members=3, steps=range(2), params=("tot_prec",), n_cells=500
    )
    path = data_path(mirror, "tot_prec", 1)
    fields = decode_fields(path, keys=("numberOfForecastsInEnsemble",))
    assert [f.member for f in fields] == [1, 2, 3]
    assert {f.keys["numberOfForecastsInEnsemble"] for f in fields} == {3}
    assert {(f.step_start, f.step_end) for f in fields} == {(0, 1)}
    files = sorted(p for p in mirror.rglob("*.bz2"))
    assert len(files) == 3  # two steps and the grid file
    before = {p: p.stat().st_mtime_ns for p in files}
    assert (
        write_eps_scenario(
            tmp_path / "m", members=3, steps=range(2), params=("tot_prec",), n_cells=500
        )
        == mirror
    )
    assert {p: p.stat().st_mtime_ns for p in files} == before
    assert (mirror / MARKER).exists()

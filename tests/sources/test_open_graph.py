"""An opened run's lazy graph holds the work and nothing else: one task per file decoded and
one per precipitation window and valid time (no wrapper tasks per block), each file decoded
once, and the values are the files'."""

from __future__ import annotations

import numpy as np

import pipeline.sources.grib_source as grib_source
from pipeline.sources.dwd import IconD2
from tests.sources.dwd_tree import SMALL_GRID, base_url, value, write_file

RUN = "2026011500"
STEPS = [0, 1, 2, 3, 4]


def _opened(tmp_path):
    root = tmp_path / "mirror"
    source = IconD2(base_url(root.as_uri()))
    for param in ("vmax_10m", "tot_prec"):
        for step in STEPS:
            write_file(root, source, RUN, param, step, grid=SMALL_GRID)
    archive = tmp_path / "archive"
    source.fetch(RUN, archive, params=["vmax_10m", "tot_prec"], steps=STEPS)
    return source.open(RUN, archive, params=["vmax_10m", "tot_prec"], steps=STEPS)


def test_the_graph_is_one_task_per_file_and_per_window(tmp_path, monkeypatch):
    forecast = _opened(tmp_path)
    windows = [v for v in forecast.data_vars if v.startswith("precipitation_")]
    # ICON-D2 is hourly to 48 h: 1, 3, 6, 12, 24 and 48 h windows (a task per valid time; a window
    # reaching before the run's start a NaN field); the gust's valid times need 4 files (not
    # step 0), the windows 5.
    assert windows == [f"precipitation_{n}h" for n in (1, 3, 6, 12, 24, 48)]
    graph = {}
    for variable in forecast.data_vars:
        graph.update(forecast[variable].data.__dask_graph__())
    assert len(graph) == 4 + 5 + len(windows) * 4
    decoded = []
    decode = grib_source.decode_bytes
    monkeypatch.setattr(
        grib_source,
        "decode_bytes",
        lambda data, *, origin, **kw: decoded.append(origin) or decode(data, origin=origin, **kw),
    )
    computed = forecast.compute(scheduler="sync")
    assert sorted(decoded) == sorted(set(decoded)) and len(decoded) == 4 + 5
    gust = computed.wind_gust.values[0, :, 0, 0]
    assert gust.tolist() == [value("vmax_10m", s, 0) for s in STEPS[1:]]
    three = computed.precipitation_3h.values[0, :, 5, 7]
    # tot_prec is accumulated since the run start: the 3 h amount ending at 3 and 4 h; before
    # (1 and 2 h) the window reaches before the run, so there is none.
    amounts = [value("tot_prec", s, 0) - value("tot_prec", s - 3, 0) for s in (3, 4)]
    np.testing.assert_array_equal(three[2:], np.float32(amounts))
    assert np.isnan(three[:2]).all()
    assert computed.wind_gust.dtype == np.float32 and computed.wind_gust.shape == (1, 4, 30, 40)


def test_only_the_cells_asked_for_are_kept_as_each_file_is_decoded(tmp_path, monkeypatch):
    """``cells`` (the statistics: the cells some region covers) picks flat indices of the grid
    within ``bounds``; each picked cell carries the value the whole field has at its
    coordinates."""
    whole = _opened(tmp_path).compute(scheduler="sync")
    source = IconD2(base_url((tmp_path / "mirror").as_uri()))
    bounds = (51.0, 53.0, 4.0, 6.0)
    asked = []

    def cells(grid):
        asked.append(grid)
        return np.array([0, 3, grid.nlon + 1, grid.nlat * grid.nlon - 1])

    picked = source.open(
        RUN, tmp_path / "archive", params=["vmax_10m", "tot_prec"], steps=STEPS,
        bounds=bounds, cells=cells,
    ).compute(scheduler="sync")  # fmt: skip
    (grid,) = asked
    assert grid.latitudes[0] >= 51.0 and grid.latitudes[-1] <= 53.0  # within the bounds
    assert picked.wind_gust.dims == ("member", "valid_time", "cell")
    assert picked.sizes["cell"] == 4
    for k in range(4):
        lat, lon = float(picked.latitude[k]), float(picked.longitude[k])
        assert 51.0 <= lat <= 53.0 and 4.0 <= lon <= 6.0
        for name in ("wind_gust", "precipitation_3h"):
            expected = whole[name].sel(latitude=lat, longitude=lon).values
            np.testing.assert_array_equal(picked[name].values[:, :, k], expected)
    # The corners asked for: the first and last cells of the cropped grid.
    assert (float(picked.latitude[0]), float(picked.longitude[0])) == (
        float(grid.latitudes[0]), float(grid.longitudes[0]))  # fmt: skip
    assert float(picked.latitude[3]) == float(grid.latitudes[-1])

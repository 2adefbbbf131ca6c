"""The analysts' time series: levels per region and hour, an ensemble plume against the
authority's thresholds, and each level's probability, checked on the drawn artists."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from pipeline.assessment.criteria import load_criteria, thresholds_for
from pipeline.figures.series import (
    level_shares,
    level_timeline,
    own_levels,
    peak_step,
    plume,
    probability_plot,
)
from pipeline.publishing.maps import COLOURS
from pipeline.settings import DEFAULT_REGIONS_DIR

CRITERIA = load_criteria(DEFAULT_REGIONS_DIR)
KMH = 1 / 3.6  # m/s per km/h


def _stats(cells_kmh: np.ndarray, regions: list[str]) -> xr.Dataset:
    """Gust statistics from cell values in km/h (region, valid_time, member, cell), hourly
    from 2026-01-15 01 UTC (run 00 UTC), at every threshold of the shipped criteria."""
    thresholds = np.array(thresholds_for(CRITERIA, "wind_gust", "above"))
    cells = cells_kmh * KMH
    hours = np.arange(1, cells.shape[1] + 1)
    times = np.datetime64("2026-01-15T00", "ns") + hours * np.timedelta64(1, "h")
    return xr.Dataset(
        {
            "wind_gust_fraction_above": (
                ("region", "valid_time", "member", "wind_gust_threshold"),
                (cells[..., None] >= thresholds).mean(axis=3),
            ),
            "wind_gust_max": (("region", "valid_time", "member"), cells.max(axis=3)),
        },
        coords={
            "region": regions,
            "valid_time": times,
            "step_hours": ("valid_time", hours),
            "member": np.arange(1, cells.shape[2] + 1),
            "wind_gust_threshold": thresholds,
        },
        attrs={"reference_time": "2026-01-15T00:00:00+00:00"},
    )


def _axes():
    fig = Figure()
    return fig, fig.add_subplot()


def test_own_levels_take_each_regions_own_countrys_criteria():
    """Hour 1: X (NL) has one cell at 76 km/h: KNMI yellow (75 anywhere); Y (DE) has 10 % of
    its area at 66 km/h: DWD orange (65 on 10 %), where KNMI would give nothing. Hour 2: calm."""
    cells = np.full((2, 2, 1, 100), 40.0)
    cells[0, 0, 0, 0] = 76.0
    cells[1, 0, 0, :10] = 66.0
    levels = own_levels(_stats(cells, ["X", "Y"]), CRITERIA, {"X": "NL", "Y": "DE"}, "wind")
    assert levels.transpose("region", "valid_time").values.tolist() == [[1, 0], [2, 0]]


def test_level_timeline_shows_the_warned_regions_hour_by_hour_with_a_legend():
    levels = xr.DataArray(
        [[0, 0, 0], [0, 2, 1], [1, 1, 0]],
        dims=("region", "valid_time"),
        coords={
            "region": ["A", "B", "C"],
            "valid_time": np.datetime64("2026-01-15T01", "ns")
            + np.arange(3) * np.timedelta64(1, "h"),
        },
    )
    _, ax = _axes()
    level_timeline(ax, levels, {"A": "Alpha", "B": "Beta", "C": "Gamma / Gamma"}, title="wind")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B Beta", "C Gamma"]  # A: no level
    mesh = ax.collections[0]
    assert np.asarray(mesh.get_array()).reshape(2, 3).tolist() == [[0, 2, 1], [1, 1, 0]]
    # The colour of each level is its MeteoAlarm colour.
    assert [tuple(mesh.cmap(mesh.norm(v))) for v in range(4)] == [
        to_rgba(COLOURS[level]) for level in ("none", "yellow", "orange", "red")
    ]
    # Hours end at their valid time: the first column starts at 00 UTC.
    assert ax.get_xlim()[0] == pytest.approx(mesh.get_coordinates()[0, 0, 0])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["none (2)", "yellow (3)", "orange (1)", "red (0)"]


def test_peak_step_is_the_step_of_the_strongest_regional_gust():
    cells = np.full((2, 3, 1, 4), 40.0)
    cells[1, 1, 0, 2] = 90.0  # region Y, second valid time (+2 h)
    cells[0, 2, 0, 0] = 89.0
    assert peak_step(_stats(cells, ["X", "Y"])) == 2


def test_plume_draws_members_median_and_the_authoritys_thresholds():
    """Four members at 36, 72, 108 and 144 km/h: median 90 km/h. DWD: > 50, >= 65, >= 105."""
    values = xr.DataArray(
        np.array([[10.0, 20.0, 30.0, 40.0]] * 2),
        dims=("valid_time", "member"),
        coords={"valid_time": np.arange(2), "member": [1, 2, 3, 4]},
    )
    _, ax = _axes()
    plume(ax, values, CRITERIA["DE"].hazards["wind"], month=1, title="plume")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "members", "10-90 % of members", "median",
        "yellow: > 50 km/h", "orange: >= 65 km/h", "red: >= 105 km/h",
    ]  # fmt: skip
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["median"].get_ydata().tolist() == pytest.approx([90.0, 90.0])
    assert len([line for line in ax.get_lines() if line.get_color() == "0.6"]) == 4
    assert lines["red: >= 105 km/h"].get_ydata()[0] == 105
    assert ax.get_ylabel() == "km/h"


def test_plume_thresholds_follow_the_season():
    """KMI-IRM yellow: 70 km/h in the leaf season (May-October), 80 otherwise."""
    values = xr.DataArray(np.zeros((1, 2)), dims=("valid_time", "member"))
    kmi = CRITERIA["BE"].hazards["wind"]
    for month, expected in ((6, "yellow: >= 70 km/h"), (1, "yellow: >= 80 km/h")):
        _, ax = _axes()
        plume(ax, values, kmi, month=month, title="plume")
        assert expected in [t.get_text() for t in ax.get_legend().get_texts()]


def test_level_shares_and_their_plot_against_the_required_probability():
    """KNMI, four members with one cell at 76, 100, 120 and 40 km/h: yellow (75 anywhere) in
    3 of 4, orange (100) in 2, red (120) in 1."""
    cells = np.full((1, 1, 4, 100), 40.0)
    cells[0, 0, :3, 0] = [76.0, 100.0, 120.0]
    knmi = CRITERIA["NL"].hazards["wind"]
    shares = level_shares(_stats(cells, ["X"]), knmi)
    assert {k: float(v.sel(region="X").item()) for k, v in shares.items()} == {
        "yellow": 0.75, "orange": 0.5, "red": 0.25,
    }  # fmt: skip
    _, ax = _axes()
    probability_plot(ax, {k: v.sel(region="X") for k, v in shares.items()}, knmi, title="p")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # KNMI asks p >= 0.6 for yellow and orange; its red (a crosswarn proxy) 0.2.
    assert labels == [
        "P(yellow)", "P(orange)", "P(red)",
        "yellow, orange: needs p ≥ 0.6", "red: needs p ≥ 0.2",
    ]  # fmt: skip

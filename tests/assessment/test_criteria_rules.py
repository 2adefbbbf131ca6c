"""Each kind of rule the criteria state, at its boundary, with hand-computed expectations.

A region is a set of equally weighted cells; the statistics are built here the way their
definition reads (share of cells at or beyond each threshold), independently of the statistics
code, and fed to the level rules of the shipped criteria.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import xarray as xr

from pipeline.assessment.criteria import load_criteria, thresholds_for
from pipeline.assessment.events import find_events
from pipeline.assessment.levels import assess_levels
from pipeline.settings import DEFAULT_REGIONS_DIR
from pipeline.statistics.derived import wind_chill, with_derived

CRITERIA = load_criteria(DEFAULT_REGIONS_DIR)
KMH = 1 / 3.6  # m/s per km/h


def _stats(variable: str, direction: str, cells: np.ndarray, start: str) -> xr.Dataset:
    """Statistics of one region "X" from cell values (valid_time, member, cell), hourly valid
    times from ``start`` + 1 h, at every threshold the shipped criteria apply."""
    thresholds = np.array(thresholds_for(CRITERIA, variable, direction))
    if direction == "above":
        share = (cells[..., None] >= thresholds).mean(axis=2)
    else:
        share = (cells[..., None] <= thresholds).mean(axis=2)
    times = np.datetime64(start, "ns") + np.arange(1, cells.shape[0] + 1) * np.timedelta64(1, "h")
    extreme = "max" if direction == "above" else "min"
    return xr.Dataset(
        {
            f"{variable}_fraction_{direction}": (
                ("region", "valid_time", "member", f"{variable}_threshold"),
                share[None],
            ),
            f"{variable}_{extreme}": (
                ("region", "valid_time", "member"),
                (cells.max(axis=2) if extreme == "max" else cells.min(axis=2))[None],
            ),
        },
        coords={"region": ["X"], "valid_time": times, f"{variable}_threshold": thresholds},
    )


def _levels(stats, country, hazard, reference="2026-01-15T00"):
    reference_time = datetime.fromisoformat(reference).replace(tzinfo=UTC)
    cube = assess_levels(stats, CRITERIA, hazard, reference_time=reference_time)
    return cube["level"].sel(region="X", criteria=country).values, cube


def _one_hour(values_kmh: list[float], cells: int = 100, fill: float = 40.0) -> np.ndarray:
    """One valid time, one member, ``cells`` cells at ``fill`` km/h except the first ones."""
    field = np.full(cells, fill)
    field[: len(values_kmh)] = values_kmh
    return (field * KMH)[None, None, :]


# -- area rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gust", "knmi", "kmi"),
    [(76.0, 1, 0), (75.0, 1, 0), (74.9, 0, 0)],  # KNMI: "vanaf 75 km/u", anywhere
)
def test_one_cell_above_knmis_threshold_warns_the_province(gust, knmi, kmi):
    """One cell of 100 at the threshold: KNMI warns (criteria met anywhere in the province);
    KMI-IRM, which needs a quarter of the province, does not."""
    stats = _stats("wind_gust", "above", _one_hour([gust]), "2026-01-15T00")
    assert _levels(stats, "NL", "wind")[0].tolist() == [knmi]
    assert _levels(stats, "BE", "wind")[0].tolist() == [kmi]


@pytest.mark.parametrize(("covered", "level"), [(25, 1), (24, 0)])
def test_kmi_needs_a_quarter_of_the_province(covered, level):
    stats = _stats("wind_gust", "above", _one_hour([85.0] * covered), "2026-01-15T00")
    assert _levels(stats, "BE", "wind")[0].tolist() == [level]


# -- strict comparisons ("mehr als") --------------------------------------------------------


@pytest.mark.parametrize(("rain", "level"), [(25.0, 2), (25.01, 3), (15.0, 2), (14.99, 0)])
def test_dwd_heavy_rain_red_is_strictly_more_than_25_mm(rain, level):
    """DWD: Starkregen 15-25 l/m² in 1 h is level 2; heftiger Starkregen is "mehr als 25"."""
    cells = np.full((1, 1, 10), rain)
    stats = _stats("precipitation_1h", "above", cells, "2026-06-15T00")
    assert _levels(stats, "DE", "rain_1h", "2026-06-15T00")[0].tolist() == [level]


@pytest.mark.parametrize(("gust", "level"), [(50.0, 0), (50.1, 1)])
def test_dwd_wind_gusts_warn_above_50(gust, level):
    stats = _stats("wind_gust", "above", _one_hour([gust] * 100), "2026-01-15T00")
    assert _levels(stats, "DE", "wind")[0].tolist() == [level]


# -- seasons ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "gust", "level"),
    [
        ("2026-07-15T00", 75.0, 1),  # in leaf: yellow from 70 km/h
        ("2026-01-15T00", 75.0, 0),  # leafless: yellow from 80
        ("2026-07-15T00", 95.0, 2),  # in leaf: orange above 90
        ("2026-01-15T00", 95.0, 1),  # leafless: orange above 100
    ],
)
def test_kmi_wind_thresholds_switch_with_the_leaf_season(start, gust, level):
    stats = _stats("wind_gust", "above", _one_hour([gust] * 100), start)
    assert _levels(stats, "BE", "wind", start)[0].tolist() == [level]


def test_the_season_switches_at_local_midnight():
    """Valid 22:00 UTC on 30 April closes the hour ending at midnight CEST (still April, 80 km/h
    applies); the hour ending 23:00 UTC lies in May (leaf: 70 km/h)."""
    cells = np.repeat(_one_hour([75.0] * 100), 2, axis=0)
    stats = _stats("wind_gust", "above", cells, "2026-04-30T21")
    levels, _ = _levels(stats, "BE", "wind", "2026-04-30T12")
    assert levels.tolist() == [0, 1]


# -- persistence: KNMI heat orange -----------------------------------------------------------


def _heat(daily_max: list[float]) -> xr.Dataset:
    """Hourly temperatures from 2026-07-01 00 UTC, the same at every hour of each local day
    (CEST): local 1 July is valid hours 1-22, 2 July 23-46, 3 July 47-70, 4 July 71-94."""
    hours = np.arange(1, 97)
    local_day = (hours - 1 + 2) // 24  # hour ending at h UTC, its middle in CEST, day index
    values = np.array([daily_max[d] if d < len(daily_max) else 20.0 for d in local_day])
    cells = np.repeat(values[:, None, None], 4, axis=2)
    cells[:, :, 1:] = 20.0  # one cell of four is hot: KNMI's rule is "anywhere"
    return _stats("air_temperature", "above", cells, "2026-07-01T00")


def _expected(orange_days: set[int], hot: dict[int, bool]) -> list[int]:
    """Level per valid hour 1..96: orange on hours of series days within 24 h, else yellow where
    the day reaches 30 °C within 48 h (the yellow proxy), else none."""
    out = []
    for h in range(1, 97):
        day = (h - 1 + 2) // 24
        if day in orange_days and h <= 24:
            out.append(2)
        elif hot.get(day) and h <= 48:
            out.append(1)
        else:
            out.append(0)
    return out


@pytest.mark.parametrize(
    ("days", "orange"),
    [
        ([35, 35, 35, 20], {0, 1, 2}),  # three days >= 34
        ([35, 35, 33, 20], set()),  # the third day misses 34: no series
        ([34, 34, 34, 20], {0, 1, 2}),  # exactly at 34: ">= 34"
        ([36, 36, 25, 20], {0, 1}),  # two days >= 36
        ([38, 25, 25, 20], {0}),  # one day >= 38
        ([37.9, 25, 25, 20], set()),
    ],
)
def test_knmi_heat_orange_multi_day_rule(days, orange):
    levels, _ = _levels(_heat(days), "NL", "heat", "2026-07-01T00")
    hot = {d: t >= 30 for d, t in enumerate(days)}
    assert levels.tolist() == _expected(orange, hot)


# -- consultation-only levels ----------------------------------------------------------------


def test_knmi_code_red_is_a_consultation_recommendation_not_a_warning():
    """125 km/h somewhere in the province 6 h ahead: orange under KNMI's criteria, and its red
    proxy (120) reached, so crosswarn recommends consulting KNMI; 13 h ahead (beyond red's
    12 h) no recommendation."""
    cells = np.concatenate([_one_hour([125.0])] * 13)
    stats = _stats("wind_gust", "above", cells, "2026-01-15T00")
    levels, cube = _levels(stats, "NL", "wind")
    assert levels.tolist() == [2] * 13
    advised = cube["consultation"].sel(region="X", criteria="NL").values
    assert advised.tolist() == [3] * 12 + [0]
    (event,) = find_events(
        cube["level"].sel(criteria=["NL"]),
        stats["wind_gust_max"].max("member"),
        {"X": "NL"},
        "wind",
        consultation=cube["consultation"].sel(criteria=["NL"]),
    )
    assert (event.peak_level, event.consultation_level) == (2, 3)


# -- derived variables: wind chill --------------------------------------------------------------


@pytest.mark.parametrize(
    ("temperature", "speed", "expected"),
    [
        (-5.0, 30.0, -13.0),  # Environment Canada wind chill table, rounded values
        (-10.0, 20.0, -18.0),
        (-20.0, 50.0, -35.0),
        (15.0, 30.0, 15.0),  # above 10 °C: the air temperature
        (-5.0, 3.0, -5.0),  # below 4.8 km/h: the air temperature
    ],
)
def test_wind_chill_matches_the_published_table(temperature, speed, expected):
    assert round(float(wind_chill(np.float64(temperature), np.float64(speed)))) == expected


def test_knmi_cold_reads_wind_chill_not_air_temperature():
    """-8 °C with a 40 km/h wind feels like -18.1 °C (13.12 - 4.972 - 20.516 - 5.724), below
    KNMI's -15: code geel, although the air temperature is far above -15."""
    u = 40 * KMH
    forecast = xr.Dataset(
        {
            "air_temperature": (("valid_time", "member", "cell"), np.full((1, 1, 4), -8.0)),
            "eastward_wind": (("valid_time", "member", "cell"), np.full((1, 1, 4), u)),
            "northward_wind": (("valid_time", "member", "cell"), np.zeros((1, 1, 4))),
        }
    )
    chill = with_derived(forecast)["wind_chill"].values
    np.testing.assert_allclose(chill, -18.11, atol=0.02)
    stats = _stats("wind_chill", "below", chill, "2026-01-15T00")
    assert _levels(stats, "NL", "cold")[0].tolist() == [1]
    at_bound = _stats("wind_chill", "below", np.full((1, 1, 4), -15.0), "2026-01-15T00")
    assert _levels(at_bound, "NL", "cold")[0].tolist() == [1]  # "-15 graden of lager"
    above = _stats("wind_chill", "below", np.full((1, 1, 4), -14.9), "2026-01-15T00")
    assert _levels(above, "NL", "cold")[0].tolist() == [0]


def test_a_run_without_the_variable_leaves_that_authority_not_assessed():
    """Air temperature only: DWD's frost is assessed, KNMI's wind-chill rule is listed as not
    assessed rather than applied to the air temperature."""
    stats = _stats("air_temperature", "below", np.full((1, 1, 4), -20.0), "2026-01-15T00")
    levels, cube = _levels(stats, "DE", "cold")
    assert levels.tolist() == [2]  # strenger Frost below -10
    assert cube.attrs["not_assessed"] == ["NL"]
    assert cube["level"].sel(region="X", criteria="NL").values.tolist() == [0]


def test_ensemble_probability_of_a_multi_day_level_counts_members_with_the_series():
    """Three members: two have three days at 35 °C (KNMI orange by the 3-day rule), one only
    two. At the event's peak hour 2 of 3 members reach orange: probability 0.667."""
    from pipeline.assessment.assess import with_probability

    series = _heat([35, 35, 35, 20])["air_temperature_fraction_above"].values  # 1 member
    short = _heat([35, 35, 25, 20])["air_temperature_fraction_above"].values
    stats = _heat([35, 35, 35, 20])
    stats = stats.isel(member=[0, 0, 0]).assign_coords(member=[1, 2, 3])
    values = np.concatenate([series, series, short], axis=2)
    stats["air_temperature_fraction_above"] = (stats["air_temperature_fraction_above"].dims, values)
    reference = datetime(2026, 7, 1, tzinfo=UTC)
    cube = assess_levels(stats, CRITERIA, "heat", reference_time=reference)
    event = next(
        e
        for e in find_events(
            cube["level"].sel(criteria=["NL"]),
            stats["air_temperature_max"].max("member"),
            {"X": "NL"},
            "heat",
        )
        if e.peak_level == 2
    )
    assert with_probability(event, stats, CRITERIA, reference).probability == 0.667

"""Thunderstorm, snow and ice rules of the shipped criteria at their boundaries.

Each expectation restates the published rule (regions/criteria/*.yaml sources; audit in
regions/audit/criteria-thunderstorm-snow-ice.md) on a region of 100 equally weighted cells;
the statistics are built from the cells as their definition reads (tests.assessment.
test_criteria_rules._stats), not by the statistics code.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.assessment.test_criteria_rules import _levels, _stats

KMH = 1 / 3.6


def _cells(value: float, count: int, fill: float = 0.0, scale: float = 1.0) -> np.ndarray:
    """One valid time and member: ``count`` of 100 cells at ``value``, the rest at ``fill``."""
    field = np.full(100, fill)
    field[:count] = value
    return (field * scale)[None, None, :]


@pytest.mark.parametrize(
    ("gust", "level"),
    [(59.9, 0), (60.0, 1), (75.0, 1), (75.1, 2)],  # geel >= 60 km/h, oranje > 75 km/h
)
def test_knmi_thunderstorm_gusts_anywhere_in_the_province(gust, level):
    stats = _stats("thunderstorm_gust", "above", _cells(gust, 1, scale=KMH), "2026-07-15T00")
    assert _levels(stats, "NL", "thunderstorm_gust", "2026-07-15T00")[0].tolist() == [level]


@pytest.mark.parametrize(
    ("gust", "count", "level"),
    # DWD Stufe 2 from 65 km/h (Sturmböen), Stufe 3 from 105 (orkanartige Böen), on 10 % of
    # the district (crosswarn's proxy share).
    [(65.0, 10, 2), (64.9, 10, 0), (65.0, 9, 0), (105.0, 10, 3), (104.9, 10, 2)],
)
def test_dwd_thunderstorm_gusts(gust, count, level):
    stats = _stats("thunderstorm_gust", "above", _cells(gust, count, scale=KMH), "2026-07-15T00")
    assert _levels(stats, "DE", "thunderstorm_gust", "2026-07-15T00")[0].tolist() == [level]


@pytest.mark.parametrize(("count", "level"), [(10, 1), (9, 0)])
def test_dwd_thunderstorm_itself_is_yellow(count, level):
    """DWD Stufe 1 GEWITTER: a thunderstorm (the model's flag) on 10 % of the district."""
    stats = _stats("thunderstorm", "above", _cells(1.0, count), "2026-07-15T00")
    assert _levels(stats, "DE", "thunderstorm", "2026-07-15T00")[0].tolist() == [level]


@pytest.mark.parametrize(
    ("snow", "count", "level"),
    # DWD snowfall in 6 h: Stufe 1 up to 5 cm, Stufe 2 5-10 cm, Stufe 3 10-20 cm.
    [(0.9, 10, 0), (1.0, 10, 1), (4.9, 10, 1), (5.0, 10, 2), (5.0, 9, 0), (10.0, 10, 3)],
)
def test_dwd_fresh_snow_in_six_hours(snow, count, level):
    stats = _stats("fresh_snow_6h", "above", _cells(snow, count), "2026-01-15T00")
    assert _levels(stats, "DE", "snow_6h")[0].tolist() == [level]


@pytest.mark.parametrize(
    ("snow", "count", "level"),
    # KMI-IRM: yellow 1-5 cm in 6 h; orange 6-10 cm in 6 h in at least half of the province.
    [(6.0, 50, 2), (6.0, 49, 1), (5.0, 50, 1), (1.0, 25, 1), (1.0, 24, 0)],
)
def test_kmi_fresh_snow_in_six_hours_needs_half_the_province_for_orange(snow, count, level):
    stats = _stats("fresh_snow_6h", "above", _cells(snow, count), "2026-01-15T00")
    assert _levels(stats, "BE", "snow_6h")[0].tolist() == [level]


@pytest.mark.parametrize(
    ("count", "kmi"),
    # KMI-IRM: (very) local black ice yellow; black ice over at least half the province orange.
    [(1, 1), (49, 1), (50, 2), (0, 0)],
)
def test_kmi_black_ice_by_how_much_of_the_province(count, kmi):
    stats = _stats("freezing_rain", "above", _cells(1.0, count), "2026-01-15T00")
    assert _levels(stats, "BE", "ice")[0].tolist() == [kmi]


def test_hail_criteria_without_a_hail_field_leave_the_hazard_not_assessed():
    """No source gives a hail diameter: statistics without it assess no thunderstorm hail."""
    stats = _stats("thunderstorm_gust", "above", _cells(100.0, 100, scale=KMH), "2026-07-15T00")
    with pytest.raises(Exception, match="no variable for hazard thunderstorm_hail"):
        _levels(stats, "NL", "thunderstorm_hail", "2026-07-15T00")

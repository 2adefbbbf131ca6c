"""The members' share reaching a level's area rule: the ensemble probability of the level."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import xarray as xr

from pipeline.assessment.criteria import load_criteria, thresholds_for
from pipeline.assessment.levels import lead_hours, level_reached, member_share
from pipeline.errors import ConfigError
from pipeline.settings import DEFAULT_REGIONS_DIR

CRITERIA = load_criteria(DEFAULT_REGIONS_DIR)
KMH = 1 / 3.6  # m/s per km/h


def _fractions(members_kmh: list[list[float]], start: str = "2026-01-15T00") -> xr.DataArray:
    """One region, one hour (ending at ``start`` + 1 h); each member's 100 cells at 40 km/h
    except the listed values, as the share of cells at or above every criteria threshold."""
    thresholds = np.array(thresholds_for(CRITERIA, "wind_gust", "above"))
    cells = np.full((len(members_kmh), 100), 40.0)
    for m, values in enumerate(members_kmh):
        cells[m, : len(values)] = values
    share = ((cells * KMH)[..., None] >= thresholds).mean(axis=1)  # (member, threshold)
    return xr.DataArray(
        share[None, None],
        dims=("region", "valid_time", "member", "threshold"),
        coords={
            "region": ["X"],
            "valid_time": [np.datetime64(start, "ns") + np.timedelta64(1, "h")],
            "member": np.arange(1, len(members_kmh) + 1),
            "threshold": thresholds,
        },
    )


def _share(fractions: xr.DataArray, country: str, level: str) -> float:
    table = CRITERIA[country].hazards["wind"]
    return float(member_share(fractions, table, level).sel(region="X").item())


def test_knmi_anywhere_rule_counts_members_with_one_cell_at_the_threshold():
    """KNMI: 75 km/h (yellow), 100 (orange), 120 (red) anywhere in the province."""
    fractions = _fractions([[76.0], [74.9], [100.0], [75.0], [], [120.0], [119.9], [99.9]])
    assert _share(fractions, "NL", "yellow") == 6 / 8  # 76, 100, 75, 120, 119.9, 99.9
    assert _share(fractions, "NL", "orange") == 3 / 8  # 100, 120, 119.9
    assert _share(fractions, "NL", "red") == 1 / 8  # 120


def test_kmi_needs_a_quarter_of_the_province_in_each_member():
    """KMI-IRM yellow in January: 80 km/h over at least 25 % of the area."""
    fractions = _fractions([[80.0] * 25, [80.0] * 24, [79.9] * 30, [90.0] * 100])
    assert _share(fractions, "BE", "yellow") == 2 / 4


def test_the_threshold_follows_the_month_of_the_hour():
    """KMI-IRM's yellow is 70 km/h from May to October (leaf season), 80 otherwise."""
    members = [[75.0] * 25, [69.9] * 25]
    assert _share(_fractions(members, "2026-06-15T00"), "BE", "yellow") == 1 / 2
    assert _share(_fractions(members, "2026-01-15T00"), "BE", "yellow") == 0


def test_a_level_is_reached_where_the_share_meets_its_min_probability():
    """DWD (no lead limit, p >= 0.5): the share agrees with the level the assessment sets."""
    table = CRITERIA["DE"].hazards["wind"]
    for members in ([[66.0] * 10, [66.0] * 9], [[66.0] * 10, [66.0] * 10, [], []], [[], []]):
        fractions = _fractions(members)
        lead = lead_hours(fractions["valid_time"], datetime(2026, 1, 15, tzinfo=UTC))
        reached = level_reached(fractions, table, "orange", lead)
        share = member_share(fractions, table, "orange")
        assert (reached == (share >= table.levels["orange"].min_probability)).all()


def test_a_persistence_level_has_no_hourly_share():
    heat = CRITERIA["NL"].hazards["heat"]
    with pytest.raises(ConfigError, match="orange has no hourly threshold"):
        member_share(_fractions([[]]), heat, "orange")

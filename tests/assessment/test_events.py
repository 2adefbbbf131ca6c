"""Warning events from level cubes: runs, merging of quiet gaps, peaks, and (de)serialisation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import xarray as xr

from pipeline.assessment.events import Event, _runs, event_from_dict, event_to_dict, find_events

T0 = datetime(2026, 1, 15, 1, tzinfo=UTC)  # first valid time of the cubes below


def _times(n: int) -> np.ndarray:
    return np.array([np.datetime64(f"2026-01-15T{h:02d}:00") for h in range(1, n + 1)])


def _cube(own: list[int], other: list[int], values: list[float], *, region="BE008"):
    """A (region, valid_time, criteria) level cube of one Belgian region, and its extremes."""
    times = _times(len(own))
    levels = xr.DataArray(
        np.array([np.stack([own, other], axis=-1)]),
        dims=("region", "valid_time", "criteria"),
        coords={"region": [region], "valid_time": times, "criteria": ["BE", "DE"]},
    )
    extremes = xr.DataArray(
        np.array([values], dtype=float),
        dims=("region", "valid_time"),
        coords={"region": [region], "valid_time": times},
    )
    return levels, extremes


def _at(hour: int) -> datetime:
    return datetime(2026, 1, 15, hour, tzinfo=UTC)


# --- _runs: half-open runs of True, merging gaps of at most merge_gap Falses ---------------------


@pytest.mark.parametrize("gap", [1, 2, 3])
def test_a_gap_of_exactly_merge_gap_quiet_hours_merges(gap):
    mask = np.array([True] + [False] * gap + [True])
    assert _runs(mask, gap) == [(0, gap + 2)]


@pytest.mark.parametrize("gap", [0, 1, 2, 3])
def test_a_gap_one_longer_than_merge_gap_does_not_merge(gap):
    mask = np.array([True] + [False] * (gap + 1) + [True])
    assert _runs(mask, gap) == [(0, 1), (gap + 2, gap + 3)]


def test_runs_of_adjacent_hours_are_one_run_even_without_merging():
    assert _runs(np.array([False, True, True, True, False]), 0) == [(1, 4)]


def test_runs_of_an_all_quiet_mask_are_empty():
    assert _runs(np.zeros(5, dtype=bool), 3) == []


def test_runs_chain_merges_and_keep_leading_and_trailing_quiet_hours_out():
    #        0      1     2      3     4      5      6      7     8
    mask = [False, True, False, True, True, False, False, True, False]
    assert _runs(np.array(mask), 1) == [(1, 5), (7, 8)]
    assert _runs(np.array(mask), 2) == [(1, 8)]


# --- find_events --------------------------------------------------------------------------------


def test_find_events_onset_is_one_hour_before_the_first_warned_valid_time():
    # valid times 01..06 UTC; own levels warned at 03 and 04 UTC only.
    levels, extremes = _cube([0, 0, 1, 1, 0, 0], [0] * 6, [10, 11, 18, 19, 12, 9])
    [event] = find_events(levels, extremes, {"BE008": "BE"}, "wind")
    assert event.onset == _at(2)  # the hour ending at 03 UTC starts at 02 UTC
    assert event.expiry == _at(4)
    assert event.onset.tzinfo is not None and event.onset.utcoffset() == timedelta(0)
    assert (event.region, event.country, event.hazard) == ("BE008", "BE", "wind")


def test_find_events_merges_an_exact_gap_and_reports_peak_timeline_and_criteria():
    # hours 01..08: own = 1 2 0 2 0 0 1 0 (gap of 1 at 03 merges with merge gap 1; 05-06 does not)
    own = [1, 2, 0, 2, 0, 0, 1, 0]
    other = [0, 3, 0, 0, 0, 0, 2, 0]  # the DE criteria see red at 02 UTC
    values = [20.0, 27.5, 14.0, 27.0, 13.0, 12.0, 21.0, 10.0]
    levels, extremes = _cube(own, other, values)
    first, second = find_events(levels, extremes, {"BE008": "BE"}, "wind", merge_gap_hours=1)

    assert first.onset == _at(0)  # first warned valid time 01 UTC minus 1 h
    assert first.expiry == _at(4)
    assert first.peak_level == 2
    assert first.peak_time == _at(2)  # the first hour at the highest level, not 04 UTC
    assert first.peak_value == 27.5
    assert first.peak_level_name == "orange"
    assert first.timeline == (
        ("2026-01-15T01:00:00+00:00", 1),
        ("2026-01-15T02:00:00+00:00", 2),
        ("2026-01-15T03:00:00+00:00", 0),
        ("2026-01-15T04:00:00+00:00", 2),
    )
    assert first.levels_by_criteria == {"BE": 2, "DE": 3}

    assert (second.onset, second.expiry) == (_at(6), _at(7))
    assert (second.peak_level, second.peak_time, second.peak_value) == (1, _at(7), 21.0)
    assert second.levels_by_criteria == {"BE": 1, "DE": 2}


def test_find_events_splits_at_a_gap_one_hour_longer_than_the_merge_gap():
    own = [1, 0, 0, 1]  # two quiet hours between the warned ones
    levels, extremes = _cube(own, [0] * 4, [20, 5, 5, 20])
    assert len(find_events(levels, extremes, {"BE008": "BE"}, "wind", merge_gap_hours=1)) == 2
    [merged] = find_events(levels, extremes, {"BE008": "BE"}, "wind", merge_gap_hours=2)
    assert (merged.onset, merged.expiry) == (_at(0), _at(4))


def test_find_events_uses_the_regions_own_criteria_only():
    # The DE criteria warn all day, BE's never: no event for a Belgian region.
    levels, extremes = _cube([0, 0, 0], [2, 2, 2], [30, 30, 30])
    assert find_events(levels, extremes, {"BE008": "BE"}, "wind") == []


def test_find_events_cold_takes_the_minimum_and_ignores_nan():
    levels, extremes = _cube([1, 2, 1], [0, 0, 0], [-12.5, np.nan, -15.25])
    [event] = find_events(levels, extremes, {"BE008": "BE"}, "cold", extreme="min")
    assert event.peak_value == -15.25
    [hot] = find_events(levels, extremes, {"BE008": "BE"}, "heat")
    assert hot.peak_value == -12.5  # the default extreme is the maximum


def test_find_events_a_warning_in_the_first_and_last_hour():
    levels, extremes = _cube([3, 0, 0, 1], [0] * 4, [40, 1, 1, 19])
    first, last = find_events(levels, extremes, {"BE008": "BE"}, "wind")
    assert (first.onset, first.expiry, first.peak_level_name) == (_at(0), _at(1), "red")
    assert (last.onset, last.expiry, last.peak_level_name) == (_at(3), _at(4), "yellow")


# --- event_to_dict / event_from_dict ------------------------------------------------------------


def _event(**changes) -> Event:
    base = dict(
        region="NL012",
        country="NL",
        hazard="rain_6h",
        onset=_at(5),
        expiry=_at(11),
        peak_level=2,
        peak_time=_at(8),
        peak_value=41.25,
        timeline=(("2026-01-15T06:00:00+00:00", 1), ("2026-01-15T07:00:00+00:00", 2)),
        levels_by_criteria={"NL": 2, "BE": 1, "DE": 0},
        probability=0.45,
        models={"icon-d2": 2, "ecmwf": 1},
    )
    return Event(**(base | changes))


def test_event_dict_round_trip_through_json_gives_the_same_event():
    event = _event()
    data = json.loads(json.dumps(event_to_dict(event)))
    assert event_from_dict(data) == event


def test_event_to_dict_fields():
    data = event_to_dict(_event())
    assert data["onset"] == "2026-01-15T05:00:00+00:00"
    assert data["expiry"] == "2026-01-15T11:00:00+00:00"
    assert data["peak_level_name"] == "orange"
    assert data["timeline"] == [["2026-01-15T06:00:00+00:00", 1], ["2026-01-15T07:00:00+00:00", 2]]
    assert data["probability"] == 0.45
    assert data["models"] == {"icon-d2": 2, "ecmwf": 1}


def test_event_to_dict_rounds_the_peak_value_to_three_decimals():
    assert event_to_dict(_event(peak_value=31.23456))["peak_value"] == 31.235
    assert event_to_dict(_event(peak_value=-0.0004))["peak_value"] == 0.0


def test_event_from_dict_of_older_data_without_probability_or_models():
    data = event_to_dict(_event(probability=None, models={}))
    del data["probability"], data["models"]
    event = event_from_dict(data)
    assert event.probability is None
    assert event.models == {}
    assert event == _event(probability=None, models={})


def test_events_overlap_only_when_they_share_time():
    a = _event(onset=_at(1), expiry=_at(4))
    assert a.overlaps(_event(onset=_at(3), expiry=_at(6)))
    assert not a.overlaps(_event(onset=_at(4), expiry=_at(6)))  # touching is not overlapping
    assert not _event(onset=_at(4), expiry=_at(6)).overlaps(a)

"""Forecast against observed: one pair per run, region, hazard and local day.

A run's forecast level for a region, hazard and local day (CET/CEST) is the highest level its
warning events give the region under the region's *own* authority in any hour of that day, 0
where the run assessed the region and hazard but warned nothing. A local day is paired when the
run (its reference time to ``max_lead_hours``) covers at least :data:`MIN_COVERED_HOURS` of its
hours, with the lead time to the start of the covered part; the observed level is the highest
observed under the same authority's criteria in the *covered hours* of that day (so the first
day of a run is judged on what the run forecast, not on the hours before it). A day without
observations gives no pair (unknown is never "none").

Ensembles: an event's ``probability`` is the share of members reaching its peak level; it
stands for the probability of every level up to the peak (a lower bound below the peak), 0
above it.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pandas as pd

from pipeline.assessment.criteria import LEVELS, LOCAL_TIME

#: Lead-time classes of the scores (hours from the run's reference time to the day's start).
LEAD_BINS = (0, 24, 48, 72, 120, 240)


def lead_class(lead_hours: int) -> str:
    """The lead-time class of a pair, e.g. ``"24-48 h"``."""
    for low, high in itertools.pairwise(LEAD_BINS):
        if low <= lead_hours < high:
            return f"{low}-{high} h"
    return f">={LEAD_BINS[-1]} h" if lead_hours >= LEAD_BINS[-1] else f"<{LEAD_BINS[0]} h"


#: A local day is paired when the run covers at least this many of its hours.
MIN_COVERED_HOURS = 12


def covered_days(reference: datetime, max_lead_hours: int) -> list[tuple[str, int]]:
    """The local days of which the run (``reference`` to ``reference + max_lead_hours``)
    covers at least :data:`MIN_COVERED_HOURS` hours, each with the lead time (hours) to the
    start of its covered part."""
    end = reference + timedelta(hours=max_lead_hours)
    day = reference.astimezone(LOCAL_TIME).date()
    days = []
    while True:
        start = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TIME)
        stop = datetime.combine(day + timedelta(days=1), start.timetz())
        if start >= end:
            return days
        first, last = max(start, reference), min(stop, end)
        if last - first >= timedelta(hours=MIN_COVERED_HOURS):
            days.append((day.isoformat(), int((first - reference).total_seconds() // 3600)))
        day += timedelta(days=1)


def forecast_daily_levels(
    assessment: dict, reference: datetime, max_lead_hours: int
) -> pd.DataFrame:
    """Per region, hazard and covered local day: the run's level under the region's own
    authority (and the event's probability for ensembles)."""
    days = covered_days(reference, max_lead_hours)
    wanted = {d for d, _ in days}
    best: dict[tuple[str, str, str], tuple[int, float | None]] = {}
    for event in assessment["events"]:
        for valid, level in event["timeline"]:
            hour_end = datetime.fromisoformat(valid)
            date = (hour_end - timedelta(minutes=30)).astimezone(LOCAL_TIME).date().isoformat()
            if date not in wanted:
                continue
            key = (event["region"], event["hazard"], date)
            if level > best.get(key, (0, None))[0]:
                best[key] = (int(level), event.get("probability"))
    rows = []
    for hazard, by_region in assessment["levels"].items():
        for region in by_region:
            for date, lead in days:
                level, probability = best.get((region, hazard, date), (0, None))
                rows.append((region, hazard, date, lead, level, probability))
    return pd.DataFrame(
        rows,
        columns=["region", "hazard", "date", "lead_hours", "forecast_level", "probability"],
    )


def observed_in_run(hourly: pd.DataFrame, reference: datetime, max_lead_hours: int) -> pd.DataFrame:
    """The daily observed levels (:func:`~pipeline.verification.observed.daily_levels`) of the
    hours a run covers: valid times after ``reference``, up to ``max_lead_hours``."""
    from pipeline.verification.observed import daily_levels

    end = reference + timedelta(hours=max_lead_hours)
    window = hourly[(hourly["valid_time"] > reference) & (hourly["valid_time"] <= end)]
    return daily_levels(window)


def pair(
    forecast: pd.DataFrame, observed: pd.DataFrame, countries: dict[str, str],
    authority_ids: dict[str, str],
) -> pd.DataFrame:  # fmt: skip
    """Join a run's daily forecast levels with the daily observed levels of the hours it
    covers (:func:`observed_in_run`) under each region's own authority; pairs without an
    observation are dropped."""
    if forecast.empty or observed.empty:
        return pd.DataFrame(columns=[*forecast.columns, "country", "observed_level"])
    own = observed[
        observed["authority"] == observed["region"].map(countries).map(authority_ids)
    ].dropna(subset=["observed_level"])
    rank = {name: i for i, name in enumerate(LEVELS)}
    own = own.assign(observed_level=own["observed_level"].map(rank).astype(int))
    joined = forecast.merge(
        own[["region", "hazard", "date", "country", "observed_level"]],
        on=["region", "hazard", "date"],
        how="inner",
    )
    return joined.sort_values(["region", "hazard", "date"]).reset_index(drop=True)

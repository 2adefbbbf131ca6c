"""A model run's assessment, pure: region statistics -> levels under every authority, events
under each region's own criteria (with ensemble probability), criteria mismatches and candidate
consultation triggers. No files, no database: orchestration reads and writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

import numpy as np
import xarray as xr

from pipeline.assessment.consultation import ConsultationConfig, Trigger, find_triggers
from pipeline.assessment.criteria import (
    HAZARDS,
    LEVELS,
    AuthorityCriteria,
    assess_levels,
    hazards_of,
    mismatch_levels,
    mismatches,
)
from pipeline.assessment.events import Event, find_events

log = logging.getLogger(__name__)

#: A model speaks for a region only if its grid covers at least this share of the region's
#: area (KNMI HARMONIE P1 ends at 49° N, ECMWF's fields are cropped to the regions' area).
MIN_REGION_COVERAGE = 0.9

#: (own country, own level, other country, other level) of an event's criteria mismatches.
MismatchPairs = Callable[[Event], list[tuple[str, int, str, int]]]


@dataclass(frozen=True)
class Linking:
    """Which regions' events may be linked into a trigger, and against which countries' criteria
    an event's mismatches are listed."""

    links: dict[frozenset[str], tuple[str, ...]]
    linked_countries: dict[str, set[str]]
    criteria: dict[str, AuthorityCriteria] = field(repr=False)

    def mismatch_pairs(self, event: Event) -> list[tuple[str, int, str, int]]:
        return mismatch_levels(
            event.country,
            event.levels_by_criteria,
            self.linked_countries.get(event.region, set()),
            self.criteria,
            event.hazard,
        )

    def mismatch_text(self, event: Event) -> list[str]:
        return mismatches(self.mismatch_pairs(event), self.criteria)


def linking(
    links: dict[frozenset[str], tuple[str, ...]],
    countries: dict[str, str],
    criteria: dict[str, AuthorityCriteria],
) -> Linking:
    """:class:`Linking` from the linked region pairs (:func:`linked_pairs`)."""
    linked_countries: dict[str, set[str]] = {}
    for pair in links:
        a, b = sorted(pair)
        linked_countries.setdefault(a, set()).add(countries[b])
        linked_countries.setdefault(b, set()).add(countries[a])
    return Linking(links, linked_countries, criteria)


@dataclass(frozen=True)
class Assessment:
    """What one model run says: events, peak levels per hazard, region and authority, the
    regions it does not cover, and its candidate triggers."""

    events: list[Event]
    levels: dict[str, dict[str, dict[str, int]]]  # hazard -> region -> country -> peak level
    not_covered: list[str]
    triggers: list[Trigger]


def assess_statistics(
    stats: xr.Dataset,
    criteria: dict[str, AuthorityCriteria],
    consultation: ConsultationConfig,
    *,
    countries: dict[str, str],
    crisis_cells: dict[str, str],
    links: Linking,
    reference_time: datetime,
) -> Assessment:
    """Assess a run's region statistics (``statistics.nc``'s layout) under every authority."""
    stats, not_covered = covered_regions(stats)
    events: list[Event] = []
    summary: dict[str, dict[str, dict[str, int]]] = {}
    for hazard in hazards_of(criteria):
        variable, direction = HAZARDS[hazard]
        name = f"{variable}_fraction_{direction}"
        if name not in stats:
            continue  # this source does not provide the variable
        view = xr.Dataset(
            {f"fraction_{direction}": stats[name].rename({f"{variable}_threshold": "threshold"})}
        )
        levels = assess_levels(view, criteria, hazard, reference_time=reference_time)
        extreme = "min" if direction == "below" else "max"
        regional = stats[f"{variable}_{extreme}"]
        regional = regional.min("member") if extreme == "min" else regional.max("member")
        found = find_events(
            levels,
            regional,
            countries,
            hazard,
            merge_gap_hours=consultation.events.merge_gap_hours,
            extreme=extreme,
        )
        if view.sizes["member"] > 1:
            found = [with_probability(e, view, criteria, direction) for e in found]
        events += found
        peak = levels.max("valid_time")
        summary[hazard] = {
            region: {str(c): int(peak.sel(region=region, criteria=c)) for c in peak.criteria.values}
            for region in map(str, peak.region.values)
        }
    triggers = find_triggers(
        events, links.links, crisis_cells, consultation.rule, links.mismatch_pairs
    )
    return Assessment(events, summary, not_covered, triggers)


def covered_regions(stats: xr.Dataset) -> tuple[xr.Dataset, list[str]]:
    """The statistics of the regions the grid covers enough, and the ids of the others."""
    if "region_coverage" not in stats:
        return stats, []
    covered = stats["region_coverage"] >= MIN_REGION_COVERAGE
    not_covered = [str(r) for r in stats.region.values[~covered.values]]
    if not_covered:
        log.warning(
            "the grid covers less than %d %% of %d region(s), not assessed: %s",
            MIN_REGION_COVERAGE * 100,
            len(not_covered),
            ", ".join(not_covered),
        )
    return stats.sel(region=covered), not_covered


def with_probability(
    event: Event, view: xr.Dataset, criteria: dict[str, AuthorityCriteria], direction: str
) -> Event:
    """The share of ensemble members that reach the event's peak level at its peak time."""
    rule = criteria[event.country].hazards[event.hazard]
    name = LEVELS[event.peak_level]
    fraction = (
        view[f"fraction_{direction}"]
        .sel(
            region=event.region,
            valid_time=np.datetime64(event.peak_time.replace(tzinfo=None), "ns"),
        )
        .sel(threshold=rule.threshold(name), method="nearest")
    )
    reached = fraction >= rule.levels[name].min_area_fraction
    return replace(event, probability=round(float(reached.mean("member")), 3))

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
    hazards_of,
    mismatch_levels,
    mismatches,
)
from pipeline.assessment.events import Event, find_events
from pipeline.assessment.levels import assess_levels, members_reaching

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
    #: hazard -> countries whose criteria read a variable this run lacks (wind chill without
    #: 10 m wind)
    not_assessed: dict[str, list[str]] = field(default_factory=dict)


def assess_statistics(
    stats: xr.Dataset,
    criteria: dict[str, AuthorityCriteria],
    consultation: ConsultationConfig,
    *,
    countries: dict[str, str],
    crisis_cells: dict[str, tuple[str, ...]],
    links: Linking,
    reference_time: datetime,
) -> Assessment:
    """Assess a run's region statistics (``statistics.nc``'s layout) under every authority."""
    stats, not_covered = covered_regions(stats)
    events: list[Event] = []
    summary: dict[str, dict[str, dict[str, int]]] = {}
    not_assessed: dict[str, list[str]] = {}
    for hazard in hazards_of(criteria):
        kind = HAZARDS[hazard]
        if not any(f"{v}_fraction_{kind.direction}" in stats for v in kind.variables):
            continue  # this source provides none of the hazard's variables
        cube = assess_levels(stats, criteria, hazard, reference_time=reference_time)
        levels = cube["level"]
        if cube.attrs["not_assessed"]:
            not_assessed[hazard] = list(cube.attrs["not_assessed"])
            log.warning(
                "%s not assessed under the criteria of %s: the run lacks their variable",
                hazard,
                ", ".join(cube.attrs["not_assessed"]),
            )
        extreme = "min" if kind.direction == "below" else "max"
        found = find_events(
            levels,
            regional_extreme(stats, criteria, countries, hazard, levels["region"].values),
            countries,
            hazard,
            merge_gap_hours=consultation.events.merge_gap_hours,
            extreme=extreme,
            consultation=cube["consultation"],
        )
        if stats.sizes["member"] > 1:
            found = [with_probability(e, stats, criteria, reference_time) for e in found]
        events += found
        peak = levels.max("valid_time").transpose("region", "criteria")
        names = [str(c) for c in peak.criteria.values]
        summary[hazard] = {
            region: dict(zip(names, map(int, row), strict=True))
            for region, row in zip(map(str, peak.region.values), peak.to_numpy(), strict=True)
        }
    triggers = find_triggers(
        events, links.links, crisis_cells, consultation.rule, links.mismatch_pairs
    )
    return Assessment(events, summary, not_covered, triggers, not_assessed)


def covered_regions(stats: xr.Dataset) -> tuple[xr.Dataset, list[str]]:
    """The statistics of the regions the grid covers enough, and the ids of the others."""
    if "region_coverage" not in stats:
        return stats, []
    covered = stats["region_coverage"].values >= MIN_REGION_COVERAGE
    if covered.all():
        return stats, []
    not_covered = [str(r) for r in stats.region.values[~covered]]
    log.warning(
        "the grid covers less than %d %% of %d region(s), not assessed: %s",
        MIN_REGION_COVERAGE * 100,
        len(not_covered),
        ", ".join(not_covered),
    )
    return stats.isel(region=covered), not_covered


def regional_extreme(
    stats: xr.Dataset,
    criteria: dict[str, AuthorityCriteria],
    countries: dict[str, str],
    hazard: str,
    regions,
) -> xr.DataArray:
    """Per (region, valid_time) the regional extreme (over members too) of the variable the
    region's own authority reads for ``hazard`` (NaN where it reads none this run has)."""
    kind = HAZARDS[hazard]
    extreme = "min" if kind.direction == "below" else "max"
    regions = [str(r) for r in regions]
    index = stats.indexes["region"]
    positions = [index.get_loc(region) for region in regions]
    series: dict[str, np.ndarray] = {}  # variable -> (region, valid_time), over members
    rows = []
    for region in regions:
        table = criteria[countries[region]].hazards.get(hazard)
        variable = table.variable if table is not None else kind.variables[0]
        name = f"{variable}_{extreme}"
        if name not in stats:
            name = next(f"{v}_{extreme}" for v in kind.variables if f"{v}_{extreme}" in stats)
        if name not in series:
            values = stats.variables[name].transpose("region", "valid_time", "member").values
            reduce = np.min if extreme == "min" else np.max
            series[name] = reduce(values[positions], axis=-1)
        rows.append(series[name][len(rows)])
    return xr.DataArray(
        np.stack(rows),
        dims=("region", "valid_time"),
        coords={"region": regions, "valid_time": stats["valid_time"].values},
    )


def with_probability(
    event: Event, stats: xr.Dataset, criteria: dict[str, AuthorityCriteria], reference_time
) -> Event:
    """The share of ensemble members that reach the event's peak level at its peak time."""
    reached = members_reaching(
        stats,
        criteria[event.country].hazards[event.hazard],
        LEVELS[event.peak_level],
        region=event.region,
        valid_time=np.datetime64(event.peak_time.replace(tzinfo=None), "ns"),
        reference_time=reference_time,
    )
    return replace(event, probability=round(float(np.mean(reached)), 3))

"""The cross-border joint-consultation trigger.

Events of regions in different countries that share a border or a cross-border area, for the
same hazard and with overlapping time windows, are linked; each connected group of linked events
that spans at least two countries, with one country at ``min_level_one_side`` or above and
another at ``min_level_other_side`` or above, becomes one trigger convening the crisis cells of
all its regions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import Field, model_validator

from pipeline.assessment.criteria import LEVELS, LevelName
from pipeline.assessment.events import Event
from pipeline.config import Frozen, Source, load_yaml_model
from pipeline.errors import ConfigError


class Rule(Frozen):
    min_level_one_side: LevelName
    min_level_other_side: LevelName


class EventPolicy(Frozen):
    merge_gap_hours: int = Field(1, ge=0)
    material_shift_hours: int = Field(3, ge=1)
    confirm_runs: dict[LevelName, int] = Field(default_factory=dict)


class Area(Frozen):
    """A cross-border area: the warning regions containing its member territories."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    members: tuple[str, ...] = Field(min_length=2)
    territories: str = Field(
        min_length=3, description="The member territories as the sources name them."
    )
    sources: tuple[str, ...] = Field(min_length=1)


class ConsultationConfig(Frozen):
    version: int
    rule: Rule
    events: EventPolicy = EventPolicy()
    sources: dict[str, Source] = Field(default_factory=dict)
    areas: tuple[Area, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> ConsultationConfig:
        ids = [area.id for area in self.areas]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"areas: duplicate ids {duplicates}")
        for k, area in enumerate(self.areas):
            where = f"areas[{k}] ({area.id})"
            twice = sorted({m for m in area.members if area.members.count(m) > 1})
            if twice:
                raise ValueError(f"{where}.members: listed twice {twice}")
            unknown = sorted(set(area.sources) - set(self.sources))
            if unknown:
                raise ValueError(f"{where}.sources: unknown source ids {unknown}")
        return self


def load_consultation(
    regions_dir: Path, known_regions: set[str] | None = None
) -> ConsultationConfig:
    """``consultation.yaml``; area members must be known region ids (when given)."""
    path = regions_dir / "consultation.yaml"
    config = load_yaml_model(path, ConsultationConfig)
    if known_regions is not None:
        for k, area in enumerate(config.areas):
            unknown = sorted(set(area.members) - known_regions)
            if unknown:
                raise ConfigError(
                    f"{path}: areas[{k}] ({area.id}).members: unknown region ids {unknown} "
                    f"(not in {regions_dir / 'scope.yaml'})"
                )
    return config


def linked_pairs(
    neighbours: Iterable[tuple[str, str]], areas: tuple[Area, ...]
) -> dict[frozenset[str], tuple[str, ...]]:
    """Region pairs whose events may be linked, and why (``border`` and/or area ids).

    ``neighbours``: pairs that share a border, e.g. the keys of
    :func:`pipeline.geo.regions.cross_border_neighbours`.
    """
    links: dict[frozenset[str], list[str]] = {}
    for a, b in neighbours:
        links.setdefault(frozenset((a, b)), []).append("border")
    for area in areas:
        for i, a in enumerate(area.members):
            for b in area.members[i + 1 :]:
                links.setdefault(frozenset((a, b)), []).append(area.id)
    return {pair: tuple(why) for pair, why in links.items()}


@dataclass(frozen=True)
class Trigger:
    id: str
    hazard: str
    start: datetime
    end: datetime
    regions: dict[str, int]  # region id -> own peak level
    levels_by_country: dict[str, int]  # country -> highest own level
    crisis_cells: tuple[str, ...]
    #: (region, own country, own level, other country, other level) per criteria mismatch
    mismatches: tuple[tuple[str, str, int, str, int], ...]
    events: tuple[Event, ...]
    areas: tuple[str, ...] = ()  # cross-border areas linking the regions ("border": adjacency)


def find_triggers(
    events: list[Event],
    links: dict[frozenset[str], tuple[str, ...]],
    crisis_cells: dict[str, tuple[str, ...]],
    rule: Rule,
    mismatch_text: Callable[[Event], list[tuple[str, int, str, int]]] | None = None,
) -> list[Trigger]:
    """Group cross-border overlapping events into triggers (see the module docstring).

    ``links`` comes from :func:`linked_pairs`; ``crisis_cells`` names each region's cells (a
    trigger convenes those of all its regions); ``mismatch_text`` gives an event's criteria
    mismatches as (own country, own level, other country, other level), see
    :func:`pipeline.assessment.criteria.mismatch_levels`.
    """
    adjacent = links
    reasons: dict[int, set[str]] = {}
    parent = list(range(len(events)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(events):
        for j in range(i + 1, len(events)):
            b = events[j]
            if (
                a.hazard == b.hazard
                and a.country != b.country
                and frozenset((a.region, b.region)) in adjacent
                and a.overlaps(b)
            ):
                parent[root(i)] = root(j)
                reasons.setdefault(i, set()).update(adjacent[frozenset((a.region, b.region))])
                reasons.setdefault(j, set()).update(adjacent[frozenset((a.region, b.region))])
    groups: dict[int, list[int]] = {}  # root -> indices of its events
    for i in range(len(events)):
        groups.setdefault(root(i), []).append(i)

    one_side = LEVELS.index(rule.min_level_one_side)
    other_side = LEVELS.index(rule.min_level_other_side)
    triggers = []
    for indices in groups.values():
        group = [events[i] for i in indices]
        by_country: dict[str, int] = {}
        for event in group:
            by_country[event.country] = max(by_country.get(event.country, 0), event.peak_level)
        if len(by_country) < 2:
            continue
        strong = [c for c, level in by_country.items() if level >= one_side]
        if not any(
            level >= other_side for c, level in by_country.items() for s in strong if c != s
        ):
            continue
        members = sorted(group, key=lambda e: e.region)
        why = sorted({r for i in indices for r in reasons.get(i, ())})
        triggers.append(_trigger(members, by_country, crisis_cells, mismatch_text, tuple(why)))
    return sorted(triggers, key=lambda t: (t.start, t.id))


def _trigger(
    group: list[Event],
    by_country: dict[str, int],
    crisis_cells: dict[str, tuple[str, ...]],
    mismatch_text: Callable[[Event], list[tuple[str, int, str, int]]] | None,
    areas: tuple[str, ...],
) -> Trigger:
    hazard = group[0].hazard
    start = min(e.onset for e in group)
    regions = {e.region: e.peak_level for e in group}
    digest = hashlib.sha256(f"{hazard}|{start.isoformat()}|{sorted(regions)}".encode())
    mismatches = []
    for event in group:
        if mismatch_text is not None:
            pairs = mismatch_text(event)
        else:
            pairs = [
                (event.country, event.peak_level, country, level)
                for country, level in sorted(event.levels_by_criteria.items())
                if country in by_country and country != event.country and level != event.peak_level
            ]
        mismatches += [(event.region, *pair) for pair in pairs]
    return Trigger(
        id=f"{hazard}-{start:%Y%m%d%H}-{digest.hexdigest()[:8]}",
        hazard=hazard,
        start=start,
        end=max(e.expiry for e in group),
        regions=regions,
        levels_by_country=dict(sorted(by_country.items())),
        crisis_cells=tuple(sorted({c for e in group for c in crisis_cells[e.region]})),
        mismatches=tuple(mismatches),
        events=tuple(group),
        areas=areas,
    )


def trigger_to_dict(trigger: Trigger) -> dict:
    """A trigger as JSON-ready data, levels as colour names."""
    return {
        "id": trigger.id,
        "hazard": trigger.hazard,
        "start": trigger.start.isoformat(),
        "end": trigger.end.isoformat(),
        "regions": {r: LEVELS[level] for r, level in trigger.regions.items()},
        "levels_by_country": {c: LEVELS[level] for c, level in trigger.levels_by_country.items()},
        "crisis_cells": list(trigger.crisis_cells),
        "criteria_mismatches": [list(m) for m in trigger.mismatches],
        "areas": list(trigger.areas),
    }

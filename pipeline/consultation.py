"""The cross-border joint-consultation trigger.

Events of regions in different countries that share a border, for the same hazard and with
overlapping time windows, are linked; each connected group of linked events that spans at least
two countries, with one country at ``min_level_one_side`` or above and another at
``min_level_other_side`` or above, becomes one trigger naming the crisis cells to convene.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.criteria import LEVELS, LevelName
from pipeline.events import Event
from pipeline.regions import _Frozen, load_yaml_model


class Rule(_Frozen):
    min_level_one_side: LevelName
    min_level_other_side: LevelName
    merge_gap_hours: int = 1


class ConsultationConfig(_Frozen):
    version: int
    rule: Rule


def load_consultation(regions_dir: Path) -> ConsultationConfig:
    return load_yaml_model(regions_dir / "consultation.yaml", ConsultationConfig)


@dataclass(frozen=True)
class Trigger:
    id: str
    hazard: str
    start: datetime
    end: datetime
    regions: dict[str, int]  # region id -> own peak level
    levels_by_country: dict[str, int]  # country -> highest own level
    crisis_cells: tuple[str, ...]
    mismatches: tuple[str, ...]  # human-readable criteria mismatches
    events: tuple[Event, ...]


def find_triggers(
    events: list[Event],
    neighbours: list[tuple[str, str]],
    crisis_cell_of: dict[str, str],
    rule: Rule,
) -> list[Trigger]:
    """Group cross-border overlapping events into triggers (see the module docstring)."""
    adjacent = {frozenset(pair) for pair in neighbours}
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
    groups: dict[int, list[Event]] = {}
    for i, event in enumerate(events):
        groups.setdefault(root(i), []).append(event)

    one_side = LEVELS.index(rule.min_level_one_side)
    other_side = LEVELS.index(rule.min_level_other_side)
    triggers = []
    for group in groups.values():
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
        triggers.append(_trigger(sorted(group, key=lambda e: e.region), by_country, crisis_cell_of))
    return sorted(triggers, key=lambda t: (t.start, t.id))


def _trigger(
    group: list[Event], by_country: dict[str, int], crisis_cell_of: dict[str, str]
) -> Trigger:
    hazard = group[0].hazard
    start = min(e.onset for e in group)
    regions = {e.region: e.peak_level for e in group}
    digest = hashlib.sha256(f"{hazard}|{start.isoformat()}|{sorted(regions)}".encode())
    mismatches = []
    for event in group:
        for country, level in sorted(event.levels_by_criteria.items()):
            if country in by_country and country != event.country and level != event.peak_level:
                mismatches.append(
                    f"{event.region}: {LEVELS[event.peak_level]} under its own ({event.country}) "
                    f"criteria, {LEVELS[level]} under {country} criteria"
                )
    return Trigger(
        id=f"{hazard}-{start:%Y%m%d%H}-{digest.hexdigest()[:8]}",
        hazard=hazard,
        start=start,
        end=max(e.expiry for e in group),
        regions=regions,
        levels_by_country=dict(sorted(by_country.items())),
        crisis_cells=tuple(sorted({crisis_cell_of[e.region] for e in group})),
        mismatches=tuple(mismatches),
        events=tuple(group),
    )

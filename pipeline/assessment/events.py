"""Warning events: contiguous hours at or above yellow, per region and hazard."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import xarray as xr

from pipeline.assessment.criteria import LEVELS


@dataclass(frozen=True)
class Event:
    """A warning event of one region under its own country's criteria.

    ``onset`` is the start of the first warned hour, ``expiry`` the end of the last one (the
    statistics at valid time t describe the hour ending at t).
    """

    region: str
    country: str
    hazard: str
    onset: datetime
    expiry: datetime
    peak_level: int
    peak_time: datetime
    peak_value: float  # regional extreme (max; min for cold) in the variable's canonical unit
    timeline: tuple[tuple[str, int], ...]  # (ISO valid time, own level)
    levels_by_criteria: dict[str, int] = field(default_factory=dict)  # peak level per authority
    probability: float | None = None  # ensembles: share of members reaching the peak level
    models: dict[str, int] = field(default_factory=dict)  # combined events: model -> peak level
    #: The highest level the own authority decides only on impact, in consultation (KNMI code
    #: rood), whose crosswarn proxy is reached during the event: crosswarn recommends
    #: consulting the authority and never issues that level itself. 0: none.
    consultation_level: int = 0

    @property
    def peak_level_name(self) -> str:
        return LEVELS[self.peak_level]

    def overlaps(self, other: Event) -> bool:
        return self.onset < other.expiry and other.onset < self.expiry


def _to_datetime(value: np.datetime64) -> datetime:
    return datetime.fromtimestamp(value.astype("datetime64[s]").astype(np.int64), UTC)


def find_events(
    levels: xr.DataArray,
    regional_max: xr.DataArray,
    countries: dict[str, str],
    hazard: str,
    *,
    merge_gap_hours: int = 1,
    extreme: str = "max",
    consultation: xr.DataArray | None = None,
) -> list[Event]:
    """Events from a level cube (region, valid_time, criteria).

    Runs of hours at or above yellow under the region's own criteria become events; runs separated
    by at most ``merge_gap_hours`` quiet hours merge into one. ``regional_max`` holds the regional
    extreme per valid time (the minimum, with ``extreme="min"``, for cold); ``consultation``
    (same layout as ``levels``) the consultation-only levels whose proxy is reached.
    """
    pick = np.nanmax if extreme == "max" else np.nanmin
    levels = levels.transpose("region", "valid_time", "criteria")
    times = [_to_datetime(t) for t in levels["valid_time"].to_numpy()]
    stamps = [t.isoformat() for t in times]
    criteria = [str(c) for c in levels["criteria"].to_numpy()]
    cube = levels.to_numpy().astype(np.int64, copy=False)  # levels as Python ints below
    extremes = regional_max.transpose("region", "valid_time").to_numpy()
    advice = (
        consultation.transpose("region", "valid_time", "criteria").to_numpy()
        if consultation is not None
        else None
    )
    events = []
    for r, region in enumerate(map(str, levels["region"].to_numpy())):
        country = countries[region]
        own = cube[r, :, criteria.index(country)]
        advised = advice[r, :, criteria.index(country)] if advice is not None else 0 * own
        for start, stop in _runs(own >= 1, merge_gap_hours):
            window = slice(start, stop)
            peak = start + int(np.argmax(own[window]))  # first hour at the highest level
            events.append(
                Event(
                    region=region,
                    country=country,
                    hazard=hazard,
                    onset=times[start] - timedelta(hours=1),
                    expiry=times[stop - 1],
                    peak_level=int(own[peak]),
                    peak_time=times[peak],
                    peak_value=float(pick(extremes[r, window])),
                    timeline=tuple(zip(stamps[window], own[window].tolist(), strict=True)),
                    levels_by_criteria=dict(
                        zip(criteria, cube[r, window].max(axis=0).tolist(), strict=True)
                    ),
                    consultation_level=int(advised[window].max()),
                )
            )
    return events


def _runs(mask: np.ndarray, merge_gap: int) -> list[tuple[int, int]]:
    """Half-open index ranges of True runs, merging runs separated by <= merge_gap Falses."""
    runs: list[list[int]] = []
    for i in np.flatnonzero(mask):
        if runs and i - runs[-1][1] <= merge_gap:
            runs[-1][1] = i + 1
        else:
            runs.append([int(i), int(i) + 1])
    return [(a, b) for a, b in runs]


def event_to_dict(event: Event) -> dict:
    return {
        "region": event.region,
        "country": event.country,
        "hazard": event.hazard,
        "onset": event.onset.isoformat(),
        "expiry": event.expiry.isoformat(),
        "peak_level": event.peak_level,
        "peak_level_name": event.peak_level_name,
        "peak_time": event.peak_time.isoformat(),
        "peak_value": round(event.peak_value, 3),
        "timeline": [list(step) for step in event.timeline],
        "levels_by_criteria": event.levels_by_criteria,
        "probability": event.probability,
        "models": event.models,
        "consultation_level": event.consultation_level,
    }


def event_from_dict(data: dict) -> Event:
    return Event(
        region=data["region"],
        country=data["country"],
        hazard=data["hazard"],
        onset=datetime.fromisoformat(data["onset"]),
        expiry=datetime.fromisoformat(data["expiry"]),
        peak_level=data["peak_level"],
        peak_time=datetime.fromisoformat(data["peak_time"]),
        peak_value=data["peak_value"],
        timeline=tuple((t, level) for t, level in data["timeline"]),
        levels_by_criteria=dict(data["levels_by_criteria"]),
        probability=data.get("probability"),
        models=dict(data.get("models", {})),
        consultation_level=data.get("consultation_level", 0),
    )

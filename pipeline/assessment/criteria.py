"""National warning criteria as data, and the warning level of each region under each of them.

Every region is assessed with every authority's criteria; its *own* level is the one under its
country's authority, and the levels under its neighbours' authorities show the criteria
mismatches crisis cells discuss in a cross-border call. Levels: 0 none, 1 yellow, 2 orange,
3 red (MeteoAlarm colours).

A level is reached at a valid time when

- the lead time (valid time minus the run's reference time) is at most ``max_lead_hours``, and
- the share of the region's area at or beyond the threshold is at least ``min_area_fraction``
  -- in a deterministic run, or in at least ``min_probability`` of the ensemble members.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr
from pydantic import Field, model_validator

from pipeline.config import Country, Frozen, load_yaml_model
from pipeline.errors import ConfigError
from pipeline.units import to_canonical

LEVELS = ("none", "yellow", "orange", "red")
LevelName = Literal["yellow", "orange", "red"]

#: Each hazard crosswarn assesses, the canonical variable it reads and in which direction.
HAZARDS: dict[str, tuple[str, Literal["above", "below"]]] = {
    "wind": ("wind_gust", "above"),
    "rain_1h": ("precipitation_1h", "above"),
    "rain_6h": ("precipitation_6h", "above"),
    "rain_12h": ("precipitation_12h", "above"),
    "rain_24h": ("precipitation_24h", "above"),
    "rain_48h": ("precipitation_48h", "above"),
    "rain_72h": ("precipitation_72h", "above"),
    "heat": ("air_temperature", "above"),
    "cold": ("air_temperature", "below"),
}
Hazard = Literal["wind", "rain_1h", "rain_6h", "rain_12h", "rain_24h", "rain_48h", "rain_72h",
                 "heat", "cold"]  # fmt: skip
#: MeteoAlarm awareness types (CAP parameter awareness_type) of each hazard.
AWARENESS_TYPE = {
    "wind": "1; Wind",
    **{f"rain_{n}h": "10; Rain" for n in (1, 6, 12, 24, 48, 72)},
    "heat": "5; High-Temperature",
    "cold": "6; Low-Temperature",
}


class LevelCriterion(Frozen):
    threshold: float
    min_area_fraction: float = Field(gt=0, le=1)
    min_probability: float = Field(0.5, gt=0, le=1)
    max_lead_hours: int | None = Field(None, gt=0)
    source: str = Field(min_length=3)
    secondary: bool


class HazardCriteria(Frozen):
    variable: str
    direction: Literal["above", "below"] = "above"
    unit: Literal["km/h", "m/s", "mm", "degC"]
    levels: dict[LevelName, LevelCriterion] = Field(min_length=1)
    notes: str = ""

    def threshold(self, level: LevelName) -> float:
        """Threshold of ``level`` in the canonical unit of the variable."""
        return to_canonical(self.levels[level].threshold, self.unit)


class AuthorityCriteria(Frozen):
    authority: str
    country: Country
    level_mapping: str = Field(
        "yellow, orange and red as published", description="How the authority's levels map."
    )
    hazards: dict[Hazard, HazardCriteria]
    not_assessed: dict[str, str] = Field(
        default_factory=dict, description="Hazards left out, with the reason."
    )
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> AuthorityCriteria:
        for hazard, table in self.hazards.items():
            variable, direction = HAZARDS[hazard]
            if table.variable != variable or table.direction != direction:
                raise ValueError(
                    f"hazards.{hazard}: must read {variable} ({direction}), "
                    f"not {table.variable} ({table.direction})"
                )
            thresholds = [table.levels[n].threshold for n in LEVELS[1:] if n in table.levels]
            ordered = sorted(thresholds, reverse=direction == "below")
            if thresholds != ordered:
                word = "rise" if direction == "above" else "fall"
                raise ValueError(f"hazards.{hazard}.levels: thresholds must {word} with level")
        return self


def load_criteria(regions_dir: Path) -> dict[str, AuthorityCriteria]:
    """All criteria files in ``regions_dir/criteria``, keyed by country."""
    files = sorted((regions_dir / "criteria").glob("*.yaml"))
    if not files:
        raise ConfigError(f"{regions_dir / 'criteria'}: no criteria files (*.yaml) found")
    by_country: dict[str, AuthorityCriteria] = {}
    for path in files:
        criteria = load_yaml_model(path, AuthorityCriteria)
        if criteria.country in by_country:
            raise ConfigError(f"{path}: a second criteria file for country {criteria.country}")
        by_country[criteria.country] = criteria
    return by_country


def hazards_of(criteria: dict[str, AuthorityCriteria]) -> list[str]:
    """Hazards that at least one authority assesses, in :data:`HAZARDS` order."""
    used = {h for authority in criteria.values() for h in authority.hazards}
    return [h for h in HAZARDS if h in used]


def thresholds_for(
    criteria: dict[str, AuthorityCriteria], variable: str, direction: str | None = None
) -> list[float]:
    """Every threshold (canonical unit) that some authority applies to ``variable``."""
    return sorted(
        {
            table.threshold(level)
            for authority in criteria.values()
            for table in authority.hazards.values()
            if table.variable == variable and direction in (None, table.direction)
            for level in table.levels
        }
    )


def assess_levels(
    statistics: xr.Dataset,
    criteria: dict[str, AuthorityCriteria],
    hazard: str,
    *,
    reference_time: datetime,
) -> xr.DataArray:
    """Warning level per (region, valid_time, criteria country) for one hazard.

    ``statistics`` holds ``fraction_above`` or ``fraction_below`` (region, valid_time, member,
    threshold) of the hazard's variable. The result is the highest level reached (0: none).
    """
    _, direction = HAZARDS[hazard]
    fractions = statistics[f"fraction_{direction}"]
    lead = (
        statistics["valid_time"] - np.datetime64(reference_time.replace(tzinfo=None), "ns")
    ) / np.timedelta64(1, "h")
    countries = sorted(criteria)
    levels = []
    for country in countries:
        table = criteria[country].hazards.get(hazard)
        level = xr.zeros_like(fractions.isel(member=0, threshold=0, drop=True), dtype=np.int8)
        if table is not None:
            for rank, name in enumerate(LEVELS[1:], start=1):
                if name not in table.levels:
                    continue
                rule = table.levels[name]
                fraction = fractions.sel(
                    threshold=table.threshold(name), method="nearest", tolerance=1e-6
                )
                share = (fraction >= rule.min_area_fraction).mean("member")
                reached = share >= (rule.min_probability if fraction.sizes["member"] > 1 else 1.0)
                if rule.max_lead_hours is not None:
                    reached = reached & (lead <= rule.max_lead_hours)
                level = xr.where(reached, np.int8(rank), level)
        levels.append(level.drop_vars("threshold", errors="ignore"))
    result = xr.concat(levels, dim=xr.DataArray(countries, dims="criteria", name="criteria"))
    result.name = "level"
    result.attrs = {"flag_values": [0, 1, 2, 3], "flag_meanings": " ".join(LEVELS)}
    return result.astype(np.int8).transpose("region", "valid_time", "criteria")


def mismatch_levels(
    own_country: str,
    levels_by_criteria: dict[str, int],
    neighbour_countries: set[str],
    criteria: dict[str, AuthorityCriteria],
    hazard: str,
) -> list[tuple[str, int, str, int]]:
    """(own country, own level, other country, other level) wherever a neighbour's criteria,
    assessing this hazard at all, give another level than the region's own."""
    own = levels_by_criteria.get(own_country, 0)
    return [
        (own_country, own, country, level)
        for country, level in sorted(levels_by_criteria.items())
        if country in neighbour_countries
        and country != own_country
        and hazard in criteria[country].hazards
        and level != own
    ]


def mismatches(
    pairs: list[tuple[str, int, str, int]], criteria: dict[str, AuthorityCriteria]
) -> list[str]:
    """:func:`mismatch_levels` in words: "orange under DWD criteria, yellow under KMI-IRM
    criteria"."""
    return [
        f"{LEVELS[own]} under {criteria[a].authority} criteria, "
        f"{LEVELS[level]} under {criteria[b].authority} criteria"
        for a, own, b, level in pairs
    ]

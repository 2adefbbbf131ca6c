"""National warning criteria as data, and the warning level of each region under each of them.

Every region is assessed with every authority's criteria; its *own* level is the one under its
country's authority. Levels: 0 none, 1 yellow, 2 orange, 3 red (MeteoAlarm colours).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr
from pydantic import Field

from pipeline.errors import ConfigError
from pipeline.regions import Country, _Frozen, load_yaml_model

LEVELS = ("none", "yellow", "orange", "red")
LevelName = Literal["yellow", "orange", "red"]
UNIT_TO_CANONICAL = {"km/h": 1 / 3.6, "m/s": 1.0, "mm": 1.0, "degC": 1.0}


class LevelCriterion(_Frozen):
    threshold: float
    min_area_fraction: float = Field(gt=0, le=1)
    min_probability: float = Field(0.5, gt=0, le=1)
    source: str = Field(min_length=3)
    secondary: bool


class HazardCriteria(_Frozen):
    variable: Literal["wind_gust", "precipitation_1h", "air_temperature"]
    unit: Literal["km/h", "m/s", "mm", "degC"]
    levels: dict[LevelName, LevelCriterion]

    def threshold(self, level: LevelName) -> float:
        """Threshold of ``level`` in the canonical unit of the variable."""
        return self.levels[level].threshold * UNIT_TO_CANONICAL[self.unit]


class AuthorityCriteria(_Frozen):
    authority: str
    country: Country
    hazards: dict[Literal["wind"], HazardCriteria]
    notes: str = ""


def load_criteria(regions_dir: Path) -> dict[str, AuthorityCriteria]:
    """All criteria files in ``regions_dir/criteria``, keyed by country."""
    files = sorted((regions_dir / "criteria").glob("*.yaml"))
    if not files:
        raise ConfigError(f"{regions_dir / 'criteria'}: no criteria files (*.yaml) found")
    by_country: dict[str, AuthorityCriteria] = {}
    for path in files:
        criteria = load_yaml_model(path, AuthorityCriteria)
        for hazard, table in criteria.hazards.items():
            thresholds = [
                table.levels[name].threshold for name in LEVELS[1:] if name in table.levels
            ]
            if thresholds != sorted(thresholds):
                raise ConfigError(
                    f"{path}: hazards.{hazard}.levels: thresholds must rise with level"
                )
        if criteria.country in by_country:
            raise ConfigError(f"{path}: a second criteria file for country {criteria.country}")
        by_country[criteria.country] = criteria
    return by_country


def thresholds_for(criteria: dict[str, AuthorityCriteria], variable: str) -> list[float]:
    """Every threshold (canonical unit) that some authority applies to ``variable``."""
    return sorted(
        {
            table.threshold(level)
            for authority in criteria.values()
            for table in authority.hazards.values()
            if table.variable == variable
            for level in table.levels
        }
    )


def assess_levels(
    statistics: xr.Dataset, criteria: dict[str, AuthorityCriteria], hazard: str
) -> xr.DataArray:
    """Warning level per (region, valid_time, authority country) for one hazard.

    A level is reached when the share of the region's area at or above its threshold is at least
    ``min_area_fraction`` -- in one deterministic run, or in at least ``min_probability`` of the
    ensemble members. The result is the highest level reached (0 when none).
    """
    countries = sorted(criteria)
    levels = []
    for country in countries:
        table = criteria[country].hazards.get(hazard)
        level = xr.zeros_like(statistics["mean"].isel(member=0, drop=True), dtype=np.int8)
        if table is not None:
            for rank, name in enumerate(LEVELS[1:], start=1):
                if name not in table.levels:
                    continue
                rule = table.levels[name]
                fraction = statistics["fraction_above"].sel(
                    threshold=table.threshold(name), method="nearest", tolerance=1e-6
                )
                reached = (fraction >= rule.min_area_fraction).mean("member") >= (
                    rule.min_probability if fraction.sizes["member"] > 1 else 1.0
                )
                level = xr.where(reached, np.int8(rank), level)
        levels.append(level.drop_vars("threshold", errors="ignore"))
    result = xr.concat(levels, dim=xr.DataArray(countries, dims="criteria", name="criteria"))
    result.name = "level"
    result.attrs = {"flag_values": [0, 1, 2, 3], "flag_meanings": " ".join(LEVELS)}
    return result.astype(np.int8)

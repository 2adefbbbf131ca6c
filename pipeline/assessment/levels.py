"""The warning level of each region under each authority's criteria, hour by hour (pure).

A level is reached at a valid time when the lead time is within ``max_lead_hours`` and the area
rule holds at the threshold of that month -- in a deterministic run, or in at least
``min_probability`` of the ensemble members. A persistence level is reached on every hour of the
local days of a qualifying series; a day counts when the area rule holds at some hour of it
(exactly "the day's maximum somewhere in the region" for ``anywhere``). Consultation-only levels
are evaluated apart: crosswarn never issues them, it recommends consulting the authority.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import xarray as xr

from pipeline.assessment.criteria import (
    HAZARDS,
    LEVELS,
    LOCAL_TIME,
    AreaRule,
    AuthorityCriteria,
    HazardCriteria,
    LevelCriterion,
    LevelName,
)
from pipeline.errors import ConfigError


def fraction_at(fractions: xr.DataArray, key: float) -> xr.DataArray:
    """The fractions at exactly the threshold ``key`` (statistics hold every criteria key)."""
    values = fractions["threshold"].values
    matches = np.flatnonzero(np.abs(values - key) <= 1e-9 * max(1.0, abs(key)))
    if not matches.size:
        raise ConfigError(
            f"statistics have no threshold {key:g} of the criteria: recompute the run's "
            "statistics with the current criteria files"
        )
    return fractions.isel(threshold=int(matches[0]), drop=True)


def area_met(fraction: xr.DataArray, area: AreaRule) -> xr.DataArray:
    if area.rule == "anywhere":
        return fraction > 0
    return fraction >= area.min_fraction


def _local(valid_time: xr.DataArray) -> pd.DatetimeIndex:
    """Local time of the hour each valid time closes (its middle, so midnight ends a day)."""
    times = pd.DatetimeIndex(valid_time.values) - pd.Timedelta(minutes=30)
    return times.tz_localize("UTC").tz_convert(LOCAL_TIME)


def _hourly(
    fractions: xr.DataArray, table: HazardCriteria, name: LevelName, value_of_month
) -> xr.DataArray:
    """Whether the area rule holds at each (region, valid_time, member) at the level's
    threshold of that hour's month."""
    area = table.area_of(name)
    months = _local(fractions["valid_time"]).month
    keys = {table.key(value_of_month(m), name) for m in set(months)}
    met = {key: area_met(fraction_at(fractions, key), area) for key in keys}
    if len(met) == 1:
        return next(iter(met.values()))
    per_time = [
        met[table.key(value_of_month(m), name)].isel(valid_time=i) for i, m in enumerate(months)
    ]
    return xr.concat(per_time, dim="valid_time")


def member_share(fractions: xr.DataArray, table: HazardCriteria, name: LevelName) -> xr.DataArray:
    """The share of members in which level ``name``'s area rule holds, per (region, valid_time),
    at the threshold of each hour's month: the ensemble probability the level's ``min_probability``
    is compared with (0 or 1 for a deterministic run). Hourly levels only: a persistence level
    counts days, not hours."""
    rule = table.levels[name]
    if rule.persistence or rule.threshold is None:
        raise ConfigError(f"level {name} has no hourly threshold: its share is not defined")
    return _hourly(fractions, table, name, rule.threshold_on).mean("member")


def _probable(met: xr.DataArray, rule: LevelCriterion) -> xr.DataArray:
    """Reached in the deterministic run, or in ``min_probability`` of the ensemble members."""
    share = met.mean("member")
    return share >= (rule.min_probability if met.sizes["member"] > 1 else 1.0)


def _persistent(reached_by_branch: list[tuple[int, xr.DataArray]], times) -> xr.DataArray:
    """Hours of the local days that belong to a series of consecutive qualifying days, for any
    branch (days, hourly reached)."""
    days = pd.Index(times.date)
    result = None
    for needed, hourly in reached_by_branch:
        frame = hourly.transpose("region", "valid_time").values
        ordered = sorted(set(days))
        qualifying = np.zeros((frame.shape[0], len(ordered)), dtype=bool)
        for j, day in enumerate(ordered):
            qualifying[:, j] = frame[:, days == day].any(axis=1)
        in_series = np.zeros_like(qualifying)
        for region in range(frame.shape[0]):
            run = 0
            for j in range(len(ordered)):
                if not qualifying[region, j]:
                    run = 0
                    continue
                run = run + 1 if run and _next_day(ordered, j) else 1
                if run >= needed:
                    in_series[region, j - run + 1 : j + 1] = True
        per_hour = in_series[:, [ordered.index(d) for d in days]]
        mask = xr.DataArray(per_hour, dims=("region", "valid_time"), coords=hourly.coords)
        result = mask if result is None else result | mask
    assert result is not None
    return result


def _next_day(ordered: list[date], j: int) -> bool:
    """Whether day j directly follows day j-1 (a gap breaks a series)."""
    return j > 0 and (ordered[j] - ordered[j - 1]).days == 1


def lead_hours(valid_time: xr.DataArray, reference_time: datetime) -> xr.DataArray:
    """Hours from the run's reference time to each valid time."""
    reference = np.datetime64(reference_time.replace(tzinfo=None), "ns")
    return (valid_time - reference) / np.timedelta64(1, "h")


def level_reached(
    fractions: xr.DataArray,
    table: HazardCriteria,
    name: LevelName,
    lead_hours: xr.DataArray,
) -> xr.DataArray:
    """Where (region, valid_time) ``table``'s level ``name`` is reached; ``fractions`` holds the
    share of each region's area beyond each threshold (region, valid_time, member, threshold)."""
    rule = table.levels[name]
    times = _local(fractions["valid_time"])
    if rule.persistence:
        branches = [
            (p.days, _probable(_hourly(fractions, table, name, lambda _m, t=p.threshold: t), rule))
            for p in rule.persistence
        ]
        reached = _persistent(branches, times)
    else:
        reached = _probable(_hourly(fractions, table, name, rule.threshold_on), rule)
    if rule.max_lead_hours is not None:
        reached = reached & (lead_hours <= rule.max_lead_hours)
    return reached


def assess_levels(
    statistics: xr.Dataset,
    criteria: dict[str, AuthorityCriteria],
    hazard: str,
    *,
    reference_time: datetime,
) -> xr.Dataset:
    """Warning level per (region, valid_time, criteria country) for one hazard.

    ``statistics`` is a run's statistics (``{variable}_fraction_{direction}`` with a
    ``{variable}_threshold`` dimension). Returns ``level`` (the highest level an authority's
    criteria issue; 0: none) and ``consultation`` (the highest consultation-only level whose
    proxy is reached, 0: none). A country whose variable the run lacks gets level 0 and is listed
    in the ``not_assessed`` attribute.
    """
    kind = HAZARDS[hazard]
    template = None
    for variable in kind.variables:
        name = f"{variable}_fraction_{kind.direction}"
        if name in statistics:
            template = statistics[name].isel(member=0, drop=True)
            template = template.isel({f"{variable}_threshold": 0}, drop=True)
            break
    if template is None:
        raise ConfigError(f"statistics have no variable for hazard {hazard}")
    lead = lead_hours(statistics["valid_time"], reference_time)
    countries = sorted(criteria)
    levels, consultation, missing = [], [], []
    for country in countries:
        level = xr.zeros_like(template, dtype=np.int8)
        advised = xr.zeros_like(template, dtype=np.int8)
        table = criteria[country].hazards.get(hazard)
        name = None if table is None else f"{table.variable}_fraction_{table.direction}"
        if table is not None and name not in statistics:
            missing.append(country)
        elif table is not None:
            fractions = statistics[name].rename({f"{table.variable}_threshold": "threshold"})
            for rank, level_name in enumerate(LEVELS[1:], start=1):
                rule = table.levels.get(level_name)
                if rule is None or not rule.computed:
                    continue
                reached = level_reached(fractions, table, level_name, lead)
                if rule.consultation_only:
                    advised = xr.where(reached, np.int8(rank), advised)
                else:
                    level = xr.where(reached, np.int8(rank), level)
        levels.append(level)
        consultation.append(advised)
    criteria_dim = xr.DataArray(countries, dims="criteria", name="criteria")
    order = ("region", "valid_time", "criteria")
    result = xr.Dataset(
        {
            "level": xr.concat(levels, dim=criteria_dim).astype(np.int8).transpose(*order),
            "consultation": xr.concat(consultation, dim=criteria_dim)
            .astype(np.int8)
            .transpose(*order),
        }
    )
    result["level"].attrs = {"flag_values": [0, 1, 2, 3], "flag_meanings": " ".join(LEVELS)}
    result.attrs["not_assessed"] = missing
    return result

"""The warning level of each region under each authority's criteria, hour by hour (pure).

A level is reached at a valid time when the lead time is within ``max_lead_hours`` and the area
rule holds at the threshold of that month -- in a deterministic run, or in at least
``min_probability`` of the ensemble members. A persistence level is reached on every hour of the
local days of a qualifying series; a day counts when the area rule holds at some hour of it
(exactly "the day's maximum somewhere in the region" for ``anywhere``). Consultation-only levels
are evaluated apart: crosswarn never issues them, it recommends consulting the authority.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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


def _threshold_index(thresholds: np.ndarray, key: float) -> int:
    """The position of exactly the threshold ``key`` (statistics hold every criteria key)."""
    matches = np.flatnonzero(np.abs(thresholds - key) <= 1e-9 * max(1.0, abs(key)))
    if not matches.size:
        raise ConfigError(
            f"statistics have no threshold {key:g} of the criteria: recompute the run's "
            "statistics with the current criteria files"
        )
    return int(matches[0])


def area_met(fraction: np.ndarray, area: AreaRule) -> np.ndarray:
    """Where the area rule holds."""
    if area.rule == "anywhere":
        return fraction > 0
    return fraction >= area.min_fraction


def _local(valid_time: np.ndarray) -> pd.DatetimeIndex:
    """Local time of the hour each valid time closes (its middle, so midnight ends a day)."""
    times = pd.DatetimeIndex(valid_time) - pd.Timedelta(minutes=30)
    return times.tz_localize("UTC").tz_convert(LOCAL_TIME)


@dataclass(frozen=True)
class _Fractions:
    """One variable's fractions as plain arrays, the levels are evaluated on: ``values``
    (region, valid_time, member, threshold), the ``thresholds`` and each valid time's local
    time and month. Levels are many small comparisons: on numpy they cost microseconds, on
    xarray a millisecond each (a run's assessment evaluates a few hundred)."""

    values: np.ndarray
    thresholds: np.ndarray
    times: pd.DatetimeIndex
    months: list[int]

    @classmethod
    def of(
        cls, values: xr.Variable, thresholds: np.ndarray, dim: str, times: pd.DatetimeIndex
    ) -> _Fractions:
        """From ``values`` with the threshold dimension ``dim``."""
        ordered = values.transpose("region", "valid_time", "member", dim).values
        return cls(ordered, thresholds, times, times.month.tolist())

    @classmethod
    def of_array(cls, fractions: xr.DataArray) -> _Fractions:
        """From fractions with the dimension ``threshold``."""
        times = _local(fractions["valid_time"].values)
        return cls.of(fractions.variable, fractions["threshold"].values, "threshold", times)

    def member(self, m: int) -> _Fractions:
        """Member ``m`` alone."""
        return replace(self, values=self.values[:, :, m : m + 1])


def _hourly(
    fractions: _Fractions, table: HazardCriteria, name: LevelName, value_of_month
) -> np.ndarray:
    """Whether the area rule holds at each (region, valid_time, member) at the level's
    threshold of that hour's month."""
    key_of = {m: table.key(value_of_month(m), name) for m in set(fractions.months)}
    column = {key: _threshold_index(fractions.thresholds, key) for key in set(key_of.values())}
    if len(column) == 1:
        chosen = fractions.values[..., next(iter(column.values()))]
    else:
        per_time = np.array([column[key_of[m]] for m in fractions.months], dtype=np.intp)
        chosen = np.take_along_axis(fractions.values, per_time[None, :, None, None], axis=3)
        chosen = chosen[..., 0]
    return area_met(chosen, table.area_of(name))


def _region_and_time(array: xr.DataArray) -> xr.DataArray:
    """The first (region, valid_time) slice of ``array``: its coordinates along them."""
    others = {dim: 0 for dim in array.dims if dim not in ("region", "valid_time")}
    return array.isel(others, drop=True)


def _per_region_and_time(data: np.ndarray, fractions: xr.DataArray) -> xr.DataArray:
    """``data`` (region, valid_time) with the coordinates of ``fractions`` along them."""
    return xr.DataArray(
        data, coords=_region_and_time(fractions).coords, dims=("region", "valid_time")
    )


def member_share(fractions: xr.DataArray, table: HazardCriteria, name: LevelName) -> xr.DataArray:
    """The share of members in which level ``name``'s area rule holds, per (region, valid_time),
    at the threshold of each hour's month: the ensemble probability the level's ``min_probability``
    is compared with (0 or 1 for a deterministic run). Hourly levels only: a persistence level
    counts days, not hours."""
    rule = table.levels[name]
    if rule.persistence or rule.threshold is None:
        raise ConfigError(f"level {name} has no hourly threshold: its share is not defined")
    met = _hourly(_Fractions.of_array(fractions), table, name, rule.threshold_on)
    return _per_region_and_time(met.mean(axis=2), fractions)


def _probable(met: np.ndarray, rule: LevelCriterion) -> np.ndarray:
    """Reached in the deterministic run, or in ``min_probability`` of the ensemble members
    (``met``: region, valid_time, member)."""
    share = met.mean(axis=2)
    return share >= (rule.min_probability if met.shape[2] > 1 else 1.0)


def _persistent(reached_by_branch: list[tuple[int, np.ndarray]], times) -> np.ndarray:
    """Hours of the local days that belong to a series of consecutive qualifying days, for any
    branch (days, hourly reached as region, valid_time)."""
    days = pd.Index(times.date)
    ordered = sorted(set(days))
    result = None
    for needed, frame in reached_by_branch:
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
        result = per_hour if result is None else result | per_hour
    assert result is not None
    return result


def _next_day(ordered: list[date], j: int) -> bool:
    """Whether day j directly follows day j-1 (a gap breaks a series)."""
    return j > 0 and (ordered[j] - ordered[j - 1]).days == 1


def lead_hours(valid_time: xr.DataArray, reference_time: datetime) -> xr.DataArray:
    """Hours from the run's reference time to each valid time (a DataArray, or an array)."""
    reference = np.datetime64(reference_time.replace(tzinfo=None), "ns")
    return (valid_time - reference) / np.timedelta64(1, "h")


def level_reached(
    fractions: xr.DataArray,
    table: HazardCriteria,
    name: LevelName,
    lead_hours: xr.DataArray,
) -> xr.DataArray:
    """Where (region, valid_time) ``table``'s level ``name`` is reached; ``fractions`` holds the
    share of each region's area beyond each threshold (region, valid_time, member, threshold),
    ``lead_hours`` the lead time of each of its valid times."""
    reached = _reached(_Fractions.of_array(fractions), table, name, np.asarray(lead_hours))
    return _per_region_and_time(reached, fractions)


def _reached(
    fractions: _Fractions, table: HazardCriteria, name: LevelName, lead: np.ndarray
) -> np.ndarray:
    """:func:`level_reached` on plain arrays: (region, valid_time) bool."""
    rule = table.levels[name]
    if rule.persistence:
        branches = [
            (p.days, _probable(_hourly(fractions, table, name, lambda _m, t=p.threshold: t), rule))
            for p in rule.persistence
        ]
        reached = _persistent(branches, fractions.times)
    else:
        reached = _probable(_hourly(fractions, table, name, rule.threshold_on), rule)
    if rule.max_lead_hours is not None:
        reached = reached & (lead <= rule.max_lead_hours)
    return reached


def members_reaching(
    statistics: xr.Dataset,
    table: HazardCriteria,
    name: LevelName,
    *,
    region: str,
    valid_time: np.datetime64,
    reference_time: datetime,
) -> np.ndarray:
    """Whether each ensemble member on its own reaches ``table``'s level ``name`` in ``region``
    at ``valid_time`` (of ``statistics``): its area rule at the threshold of the month of
    ``valid_time`` or, for a persistence level, a series of that member's qualifying days within
    ``max_lead_hours``. Their mean is the ensemble probability of the level."""
    dim = f"{table.variable}_threshold"
    values = statistics.variables[f"{table.variable}_fraction_{table.direction}"]
    values = values.isel(region=[statistics.indexes["region"].get_loc(region)])
    hour = statistics.indexes["valid_time"].get_loc(valid_time)
    rule = table.levels[name]
    if rule.persistence:  # the series decides: a member counts when it reaches the level then
        times = statistics["valid_time"].values
        one = _Fractions.of(values, statistics[dim].values, dim, _local(times))
        lead = lead_hours(times, reference_time)
        members = range(one.values.shape[2])
        return np.array([_reached(one.member(m), table, name, lead)[0, hour] for m in members])
    # The month of the valid time itself (levels take that of the hour it closes).
    month = pd.Timestamp(valid_time).tz_localize("UTC").tz_convert(LOCAL_TIME).month
    column = _threshold_index(statistics[dim].values, table.key(rule.threshold_on(month), name))
    at_hour = values.transpose("region", "valid_time", "member", dim).values[0, hour, :, column]
    return area_met(at_hour, table.area_of(name))


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
    present = [f"{v}_fraction_{kind.direction}" for v in kind.variables]
    present = [name for name in present if name in statistics]
    if not present:
        raise ConfigError(f"statistics have no variable for hazard {hazard}")
    valid_time = statistics["valid_time"].values
    lead, times = lead_hours(valid_time, reference_time), _local(valid_time)
    read: dict[str, _Fractions] = {}  # variable -> its fractions, read once
    countries = sorted(criteria)
    shape = (statistics.sizes["region"], len(valid_time), len(countries))
    levels, consultation = np.zeros(shape, np.int8), np.zeros(shape, np.int8)
    missing = []
    for column, country in enumerate(countries):
        table = criteria[country].hazards.get(hazard)
        if table is None:
            continue
        name = f"{table.variable}_fraction_{table.direction}"
        if name not in statistics:
            missing.append(country)
            continue
        if name not in read:
            dim = f"{table.variable}_threshold"
            thresholds = statistics[dim].values
            read[name] = _Fractions.of(statistics.variables[name], thresholds, dim, times)
        for rank, level_name in enumerate(LEVELS[1:], start=1):
            rule = table.levels.get(level_name)
            if rule is None or not rule.computed:
                continue
            reached = _reached(read[name], table, level_name, lead)
            (consultation if rule.consultation_only else levels)[reached, column] = rank
    flags = {"flag_values": [0, 1, 2, 3], "flag_meanings": " ".join(LEVELS)}
    dims = ("region", "valid_time", "criteria")
    coords = _region_and_time(statistics[present[0]]).coords
    result = xr.Dataset(
        {"level": (dims, levels, flags), "consultation": (dims, consultation, dict(flags))},
        coords={**coords, "criteria": np.array(countries)},
    )
    result.attrs["not_assessed"] = missing
    return result

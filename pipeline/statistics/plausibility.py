"""Plausibility gates: a run's region statistics checked against physical limits before any
warning is decided (pure).

The checks read the statistics crosswarn computes anyway (regional min, max and mean, and the
share of each region with a value), so they cost no extra pass over the fields; cells outside
every region cannot change a warning and are not judged. A field fails when

- a regional extreme lies outside the variable's physical range (a temperature in K where °C is
  expected, gusts of 280 m/s);
- part of a covered region lacks values (a half-masked or truncated field), or a field the run
  must have at a valid time is entirely missing (precipitation windows that start between
  output steps are missing by design);
- a region's mean temperature jumps faster than ``max_change_per_hour`` between steps.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import Field

from pipeline.config import Frozen, load_yaml_model

LIMITS_FILE = Path(__file__).with_name("plausibility.yaml")
#: A region counts as lacking values only beyond this share (float rounding of the weights).
SHARE_TOLERANCE = 1e-6


class Limit(Frozen):
    min: float
    max: float
    max_change_per_hour: float | None = Field(None, gt=0)


class Limits(Frozen):
    version: int
    variables: dict[str, Limit]
    max_missing_share: float = Field(ge=0, lt=1)


@functools.cache
def load_limits(path: Path = LIMITS_FILE) -> Limits:
    return load_yaml_model(path, Limits)


@dataclass(frozen=True)
class Problem:
    """One implausible field: where and why."""

    variable: str
    valid_time: np.datetime64
    step: int | None
    member: int
    region: str
    reason: str

    def describe(self) -> str:
        when = pd.Timestamp(self.valid_time).strftime("%Y-%m-%dT%H:%MZ")
        step = f"step {self.step} h" if self.step is not None else f"valid {when}"
        member = f", member {self.member}" if self.member else ""
        return f"{self.variable} at {step}{member}, region {self.region}: {self.reason}"


#: The dimensions every check works in, as numpy arrays: each statistic transposed once.
_ORDER = ("valid_time", "member", "region")


def _array(stats: xr.Dataset, name: str) -> np.ndarray:
    return stats.variables[name].transpose(*_ORDER).values  # no DataArray made


def _step(stats: xr.Dataset, valid_time) -> int | None:
    if "step_hours" not in stats.coords:
        return None
    return int(stats["step_hours"].sel(valid_time=valid_time))


def _window_defined(stats: xr.Dataset, variable: str) -> np.ndarray | None:
    """For a precipitation or fresh-snow window: whether its start is an output step at each
    valid time (else it is missing by design); None for other variables or without step
    metadata."""
    stem = next((s for s in ("precipitation_", "fresh_snow_") if variable.startswith(s)), None)
    if stem is None or "step_hours" not in stats.coords:
        return None
    hours = int(variable.removeprefix(stem).removesuffix("h"))
    steps = [int(s) for s in stats["step_hours"].values]
    intervals = [int(i) for i in stats["interval_hours"].values]
    outputs = {0, *steps, *(s - i for s, i in zip(steps, intervals, strict=True))}
    return np.array([s - hours in outputs for s in steps])


def _checks(stats: xr.Dataset, variable: str, limit: Limit, limits: Limits) -> list[tuple]:
    """Of each check of ``variable``: where it fails, the values to report (both (valid_time,
    member, region) numpy arrays), the valid times they are at, and the reason template.
    Plain numpy: the gate runs on every part of every run, in the run's serial tail."""
    times = stats.variables["valid_time"].values
    low, high = _array(stats, f"{variable}_min"), _array(stats, f"{variable}_max")
    checks = [
        (low < limit.min, low, times, f"value {{:.6g}} below the physical minimum {limit.min:g}"),
        (high > limit.max, high, times, f"value {{:.6g}} above the physical maximum {limit.max:g}"),
    ]  # NaN compares False: a missing value is no extreme
    if f"{variable}_valid_share" in stats:
        share = _array(stats, f"{variable}_valid_share")
        present = (share > 0).any(axis=2)  # the field has values at this valid time
        defined = _window_defined(stats, variable)
        if defined is not None:
            present = present | defined[:, None]
        covered = stats["region_coverage"].values > 0 if "region_coverage" in stats else True
        missing = 1 - share
        gap = (missing > limits.max_missing_share + SHARE_TOLERANCE) & present[..., None]
        reason = "{:.1%} of the region has no value (masked, truncated or missing)"
        checks.append((gap & covered, missing, times, reason))
    if limit.max_change_per_hour and f"{variable}_mean" in stats and "interval_hours" in stats:
        mean = _array(stats, f"{variable}_mean")
        hours = stats["interval_hours"].values[1:].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.abs(np.diff(mean, axis=0)) / hours[:, None, None]
        checks.append(
            (
                rate > limit.max_change_per_hour,
                rate,
                times[1:],  # a change is reported at the later valid time
                f"regional mean changes by {{:.3g}} per hour (limit {limit.max_change_per_hour:g})",
            )
        )
    return checks


def implausible(stats: xr.Dataset, limits: Limits | None = None) -> list[Problem]:
    """Every variable of ``stats`` (``{variable}_min/_max/_mean/_valid_share``) checked; the
    first failure per variable and check is reported."""
    limits = limits or load_limits()
    problems = []
    members, regions = stats["member"].values, stats["region"].values
    for variable, limit in limits.variables.items():
        if f"{variable}_max" not in stats:
            continue
        for mask, values, times, reason in _checks(stats, variable, limit, limits):
            if not mask.any():
                continue
            t, m, r = np.argwhere(mask)[0]  # the first in (valid_time, member, region) order
            problems.append(
                Problem(
                    variable,
                    times[t],
                    _step(stats, times[t]),
                    int(members[m]),
                    str(regions[r]),
                    reason.format(float(values[t, m, r])),
                )
            )
    return problems

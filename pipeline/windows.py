"""Time windows over ``valid_time``: sums, running maxima, daily extremes, persistence.

They work on gridded fields and on region statistics alike (any array with a ``valid_time``
dimension of hourly steps). A window that does not fit in the data is NaN, never a shorter sum.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from pipeline.errors import InvalidDataError

HOUR = np.timedelta64(1, "h")


def _check_hourly(data: xr.DataArray) -> None:
    steps = np.diff(data["valid_time"].values)
    if steps.size and not (steps == HOUR).all():
        raise InvalidDataError(
            f"{data.name or 'field'}: valid times are not hourly ({sorted(set(steps // HOUR))} h "
            "steps); use the source's precipitation_{N}h windows for 3- or 6-hourly output"
        )


def window_sum(hourly: xr.DataArray, hours: int) -> xr.DataArray:
    """Sum over the ``hours`` hours ending at each valid time (e.g. precipitation_1h -> 24 h)."""
    _check_hourly(hourly)
    return hourly.rolling(valid_time=hours, min_periods=hours).sum()


def running_max(field: xr.DataArray, hours: int) -> xr.DataArray:
    """Maximum over the ``hours`` hours ending at each valid time (e.g. gusts over 3 h)."""
    _check_hourly(field)
    return field.rolling(valid_time=hours, min_periods=hours).max()


def daily_extreme(
    field: xr.DataArray, how: str = "max", *, utc_offset_hours: int = 1
) -> xr.DataArray:
    """Daily maximum or minimum per local calendar day (default CET, UTC+1).

    Days not fully covered by hourly values are NaN: a partial day would understate the
    extreme. The result has a ``day`` dimension (local dates).
    """
    _check_hourly(field)
    local = field["valid_time"] + np.timedelta64(utc_offset_hours, "h")
    day = local.dt.floor("1D").rename("day")
    grouped = field.groupby(day)
    extreme = grouped.max() if how == "max" else grouped.min()
    complete = field.notnull().groupby(day).sum() == 24
    return extreme.where(complete)


def persistence(condition: xr.DataArray, periods: int, dim: str = "day") -> xr.DataArray:
    """True where ``condition`` held for the last ``periods`` entries of ``dim`` in a row.

    For example three days above a heat threshold:
    ``persistence(daily_extreme(t2m, "max") >= 30, 3)``.
    """
    held = condition.astype(np.float64).where(condition.notnull())
    return held.rolling({dim: periods}, min_periods=periods).min() == 1

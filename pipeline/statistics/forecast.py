"""The region statistics of a forecast run that the criteria need: per canonical variable, the
area-weighted mean, max, min and 90th percentile, and the fraction of each region's area above
(or below) every threshold some authority applies. Pure: lazy xarray in, lazy xarray out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from pipeline.statistics.derived import with_derived
from pipeline.statistics.exceedance import region_statistics
from pipeline.variables import PRECIPITATION_WINDOWS

if TYPE_CHECKING:
    from pipeline.geo.weights import RegionWeights

#: Variables whose statistics every run computes; thresholds come from the criteria.
STATISTIC_VARIABLES = (
    "wind_gust",
    *(f"precipitation_{n}h" for n in PRECIPITATION_WINDOWS),
    "air_temperature",
    "wind_chill",  # derived, when the forecast holds 10 m wind
    "thunderstorm",  # derived from ww: the share of the area with a thunderstorm
    "thunderstorm_gust",  # derived: gusts inside thunderstorms
    "hail_diameter",
    *(f"fresh_snow_{n}h" for n in PRECIPITATION_WINDOWS),  # derived from snowfall
    "freezing_rain",  # derived from ww or ptype: the share with freezing rain or drizzle
)


def forecast_statistics(
    forecast: xr.Dataset,
    weights: RegionWeights,
    thresholds: Mapping[str, tuple[list[float], list[float]]],
    *,
    coverage: np.ndarray | None = None,
) -> xr.Dataset:
    """Statistics of every variable of :data:`STATISTIC_VARIABLES` in ``forecast``, named
    ``{variable}_{statistic}`` with a ``{variable}_threshold`` dimension for the fractions.

    ``thresholds``: per variable, the thresholds (canonical unit) whose fraction of the area
    above and below is asked for (the criteria's).
    ``weights`` are the region weights of the forecast's grid; ``coverage`` (the share of each
    region the grid covers) is recorded as ``region_coverage`` when given.
    """
    forecast = with_derived(forecast)
    parts = []
    for variable in STATISTIC_VARIABLES:
        if variable not in forecast:
            continue
        above, below = thresholds.get(variable, ([], []))
        wanted = ["mean", "max", "min", "p90", "valid_share"]
        wanted += (["fraction_above"] if above else []) + (["fraction_below"] if below else [])
        stats = region_statistics(
            forecast[variable], weights, sorted({*above, *below}), stats=wanted
        )
        if "threshold" in stats.dims:
            stats = stats.rename({"threshold": f"{variable}_threshold"})
        parts.append(stats.rename({name: f"{variable}_{name}" for name in stats.data_vars}))
    result = xr.merge(parts, combine_attrs="drop")
    result.attrs = dict(forecast.attrs)
    result["region_area_km2"] = ("region", weights.region_area_km2.astype(np.float32))
    if coverage is not None:
        result["region_coverage"] = ("region", coverage.astype(np.float32))
        result["region_coverage"].attrs["long_name"] = "share of the region's area the grid covers"
    return result

"""Variables derived from the canonical ones before statistics. Pure and lazy: dask arrays stay
dask arrays.

- ``wind_chill``: KNMI's gevoelstemperatuur (JAG/TI) from 2 m temperature and 10 m wind;
- ``snowfall_{n}h``: ICON's grid-scale plus convective snowfall, when a source gives the two;
- ``fresh_snow_{n}h``: fresh snow depth (cm) from snowfall water equivalent at 10:1;
- ``thunderstorm``: 1 where the present-weather code says thunderstorm (WMO 4677 95-99);
- ``thunderstorm_gust``: the gust where a thunderstorm is, 0 elsewhere (the gust element of
  thunderstorm criteria: a gust counts for a thunderstorm warning only inside the storm);
- ``freezing_rain``: 1 where ww says freezing rain or drizzle (56, 57, 66, 67) or ECMWF's
  precipitation type does (3, 12).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from pipeline.variables import (
    FREEZING_CODES,
    FREEZING_PTYPES,
    PRECIPITATION_WINDOWS,
    SNOW_DEPTH_CM_PER_MM,
    THUNDERSTORM_CODES,
)

#: The canonical variables each derived variable needs together: provider variables feeding
#: one of them are reduced in one statistics part (:func:`statistics_groups`).
DERIVED_INPUTS: dict[str, frozenset[str]] = {
    "wind_chill": frozenset({"air_temperature", "eastward_wind", "northward_wind"}),
    "snowfall": frozenset({"snowfall_grid_scale", "snowfall_convective"}),
    "thunderstorm_gust": frozenset({"wind_gust", "weather_code"}),
}


def statistics_groups(canonical_of: dict[str, str]) -> list[tuple[str, ...]]:
    """The provider variables (keys of ``canonical_of``, which gives each one's canonical
    variable or accumulation stem) grouped so that every derived variable's inputs meet in one
    group, in the given order; the others alone."""
    groups: list[list[str]] = []
    for param, canonical in canonical_of.items():
        joined = [
            g
            for g in groups
            if any(
                {canonical, canonical_of[other]} <= needs
                for other in g
                for needs in DERIVED_INPUTS.values()
            )
        ]
        merged = [x for g in joined for x in g] + [param]
        groups = [g for g in groups if g not in joined] + [merged]
    order = list(canonical_of)
    return sorted((tuple(g) for g in groups), key=lambda g: order.index(g[0]))


#: JAG/TI wind chill (Osczevski and Bluestein 2005; adopted by Environment Canada and the US NWS
#: in 2001, and by KNMI as its gevoelstemperatuur): defined for air temperatures up to 10 °C and
#: 10 m wind speeds from 4.8 km/h; outside that range the felt temperature is the air temperature.
WIND_CHILL_MAX_TEMPERATURE_C = 10.0
WIND_CHILL_MIN_SPEED_KMH = 4.8


def wind_chill(temperature_c, wind_speed_kmh):
    """JAG/TI wind chill (°C) from 2 m air temperature (°C) and 10 m wind speed (km/h):
    13.12 + 0.6215 T - 11.37 V^0.16 + 0.3965 T V^0.16."""
    speed = np.maximum(wind_speed_kmh, WIND_CHILL_MIN_SPEED_KMH) ** 0.16
    chill = 13.12 + 0.6215 * temperature_c - 11.37 * speed + 0.3965 * temperature_c * speed
    valid = (temperature_c <= WIND_CHILL_MAX_TEMPERATURE_C) & (
        wind_speed_kmh >= WIND_CHILL_MIN_SPEED_KMH
    )
    return np.where(valid, chill, temperature_c)


def _coded(codes, wanted: tuple[int, ...]):
    """1 where ``codes`` (a categorical field, stored as floats) is one of ``wanted``, 0 where
    it is another code, NaN where it is missing."""
    flag = np.isin(np.round(codes), wanted).astype(np.float32)
    return np.where(np.isnan(codes), np.float32(np.nan), flag)


def _flag_attrs(long_name: str) -> dict:
    return {"units": "1", "long_name": long_name, "flag_values": [0, 1]}


def derived_arrays(fields: Mapping[str, Any]) -> dict[str, tuple[Any, dict, str]]:
    """Every derived variable the canonical ``fields`` (name: numpy or Dask array, all on the
    same dimensions) allow: name: (float32 array, attributes, the input whose dimensions it
    has). The one implementation of the derivations: the statistics tasks call it on numpy
    arrays (no xarray object per valid time), :func:`with_derived` on a dataset's arrays."""
    derived: dict[str, tuple[Any, dict, str]] = {}
    if {"air_temperature", "eastward_wind", "northward_wind"} <= fields.keys():
        speed_kmh = np.hypot(fields["eastward_wind"], fields["northward_wind"]) * 3.6
        chill = wind_chill(fields["air_temperature"], speed_kmh).astype(np.float32, copy=False)
        derived["wind_chill"] = (
            chill,
            {
                "units": "degC",
                "long_name": "wind chill (JAG/TI) from 2 m temperature and 10 m wind",
            },
            "air_temperature",
        )
    for n in PRECIPITATION_WINDOWS:
        # ICON's grid-scale plus convective snow (the RUC, convection-permitting, has no
        # convective part).
        parts = [
            v for v in (f"snowfall_grid_scale_{n}h", f"snowfall_convective_{n}h") if v in fields
        ]
        source = f"snowfall_{n}h" if f"snowfall_{n}h" in fields else (parts or [None])[0]
        if source is None:
            continue
        snowfall = fields.get(f"snowfall_{n}h")
        if snowfall is None:
            snowfall = sum((fields[v] for v in parts[1:]), fields[parts[0]])
            snowfall = snowfall.astype(np.float32, copy=False)
            derived[f"snowfall_{n}h"] = (
                snowfall,
                {"units": "mm", "standard_name": "snowfall_amount", "window_hours": n},
                source,
            )
        depth = (snowfall * SNOW_DEPTH_CM_PER_MM).astype(np.float32, copy=False)
        derived[f"fresh_snow_{n}h"] = (
            depth,
            {
                "units": "cm",
                "standard_name": "thickness_of_snowfall_amount",
                "long_name": f"fresh snow in {n} h: snowfall water equivalent at 10:1 "
                "(crosswarn's conversion)",
                "window_hours": n,
            },
            source,
        )
    if "weather_code" in fields:
        codes = fields["weather_code"]
        storm = _coded(codes, THUNDERSTORM_CODES)
        derived["thunderstorm"] = (
            storm,
            _flag_attrs("thunderstorm (present weather ww 95-99)"),
            "weather_code",
        )
        if "wind_gust" in fields:
            gust = np.where(storm == 1, fields["wind_gust"], np.float32(0.0))
            gust = np.where(np.isnan(storm), np.float32(np.nan), gust).astype(
                np.float32, copy=False
            )
            derived["thunderstorm_gust"] = (
                gust,
                {
                    "units": "m s-1",
                    "long_name": "gust where a thunderstorm is (ww 95-99), 0 elsewhere",
                },
                "weather_code",
            )
        freezing = _coded(codes, FREEZING_CODES)
        derived["freezing_rain"] = (
            freezing,
            _flag_attrs("freezing rain or drizzle (present weather ww 56/57/66/67)"),
            "weather_code",
        )
    elif "precipitation_type" in fields:
        derived["freezing_rain"] = (
            _coded(fields["precipitation_type"], FREEZING_PTYPES),
            _flag_attrs("freezing rain or drizzle (precipitation type 3 or 12)"),
            "precipitation_type",
        )
    return derived


def with_derived(forecast: xr.Dataset) -> xr.Dataset:
    """``forecast`` plus every derived variable its canonical variables allow
    (:func:`derived_arrays`), each on the dimensions of the input it comes from."""
    derived = derived_arrays({name: forecast[name].data for name in forecast.data_vars})
    return forecast.assign(
        {
            name: (forecast[source].dims, array, attrs)
            for name, (array, attrs, source) in derived.items()
        }
    )

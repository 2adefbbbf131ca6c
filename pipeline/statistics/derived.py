"""Variables derived from the canonical ones before statistics: wind chill (KNMI's
gevoelstemperatuur). Pure and lazy: dask arrays stay dask arrays."""

from __future__ import annotations

import numpy as np
import xarray as xr

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
    return xr.where(valid, chill, temperature_c) if isinstance(chill, xr.DataArray) else (
        np.where(valid, chill, temperature_c))  # fmt: skip


def with_derived(forecast: xr.Dataset) -> xr.Dataset:
    """``forecast`` plus every derived variable its canonical variables allow."""
    needed = {"air_temperature", "eastward_wind", "northward_wind"}
    if not needed <= set(forecast.data_vars):
        return forecast
    speed_kmh = np.hypot(forecast["eastward_wind"], forecast["northward_wind"]) * 3.6
    chill = wind_chill(forecast["air_temperature"], speed_kmh).astype(np.float32)
    chill.attrs = {
        "units": "degC",
        "long_name": "wind chill (JAG/TI) from 2 m temperature and 10 m wind",
    }
    return forecast.assign(wind_chill=chill)

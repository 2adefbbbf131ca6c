"""The canonical variables every source normalises to: names, units and CF standard names."""

from __future__ import annotations

#: Precipitation windows (hours) derived from accumulations; a window longer than the run is
#: left out, one that starts between output steps is NaN.
PRECIPITATION_WINDOWS: tuple[int, ...] = (1, 3, 6, 12, 24, 48, 72)

#: Canonical variables (CF standard names where one exists) and their units after normalisation.
#: Interval statistics (gust, tmax, tmin) cover the output interval ending at ``valid_time``,
#: recorded per valid time in the ``interval_hours`` coordinate.
CANONICAL_UNITS: dict[str, str] = {
    "wind_gust": "m s-1",  # max gust over the output interval ending at valid_time
    "air_temperature": "degC",  # 2 m temperature at valid_time
    "air_temperature_max": "degC",  # 2 m maximum over the output interval
    "air_temperature_min": "degC",  # 2 m minimum over the output interval
    "cape": "J kg-1",  # mixed-layer CAPE at valid_time
    "eastward_wind": "m s-1",  # 10 m
    "northward_wind": "m s-1",  # 10 m
    **{f"precipitation_{n}h": "mm" for n in PRECIPITATION_WINDOWS},  # amount in n h ending then
    "wind_chill": "degC",  # derived: JAG/TI from air_temperature and the 10 m wind
}

CF_STANDARD_NAMES: dict[str, str] = {
    "wind_gust": "wind_speed_of_gust",
    "air_temperature": "air_temperature",
    "air_temperature_max": "air_temperature",
    "air_temperature_min": "air_temperature",
    "cape": "atmosphere_convective_available_potential_energy",
    "eastward_wind": "eastward_wind",
    "northward_wind": "northward_wind",
    **{f"precipitation_{n}h": "precipitation_amount" for n in PRECIPITATION_WINDOWS},
}

"""The canonical variables every source normalises to: names, units and CF standard names."""

from __future__ import annotations

#: Precipitation windows (hours) derived from accumulations; a window longer than the run is
#: left out, one that starts between output steps is NaN. Snowfall has the same windows.
PRECIPITATION_WINDOWS: tuple[int, ...] = (1, 3, 6, 12, 24, 48, 72)

#: Accumulated canonical stems: each becomes ``{stem}_{n}h`` per window.
_ACCUMULATED = {
    "precipitation": ("mm", "precipitation_amount"),
    "snowfall": ("mm", "snowfall_amount"),  # water equivalent (kg m-2), all snow
    "snowfall_grid_scale": ("mm", "large_scale_snowfall_amount"),  # ICON: SNOW_GSP
    "snowfall_convective": ("mm", "convective_snowfall_amount"),  # ICON: SNOW_CON
}

#: Fresh snow depth = snowfall water equivalent x SNOW_DEPTH_CM_PER_MM: the 10:1 snow-to-liquid
#: ratio of fresh snow (1 mm of water, 1 cm of snow), a crosswarn conversion no authority
#: publishes; the criteria state fresh snow in cm, the models snowfall in kg m-2.
SNOW_DEPTH_CM_PER_MM = 1.0

#: WMO code table 4677 (present weather, ``ww``) as ICON diagnoses it: the codes that mean a
#: thunderstorm, and freezing drizzle or freezing rain (glaze, black ice).
THUNDERSTORM_CODES = (95, 96, 97, 98, 99)
FREEZING_CODES = (56, 57, 66, 67)
#: ECMWF precipitation type (``ptype``, GRIB2 code table 4.201): freezing rain, freezing drizzle.
FREEZING_PTYPES = (3, 12)

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
    "weather_code": "1",  # WMO 4677 present weather (ICON ww), categorical
    "precipitation_type": "1",  # ECMWF ptype (GRIB2 code table 4.201), categorical
    "hail_diameter": "cm",  # maximum hail diameter (ICON DHAIL_MX) over the output interval
    **{
        f"{stem}_{n}h": unit
        for stem, (unit, _) in _ACCUMULATED.items()
        for n in PRECIPITATION_WINDOWS
    },
    # derived (pipeline.statistics.derived)
    "wind_chill": "degC",  # JAG/TI from air_temperature and the 10 m wind
    **{f"fresh_snow_{n}h": "cm" for n in PRECIPITATION_WINDOWS},  # snowfall x 10:1
    "thunderstorm": "1",  # 1 where ww says thunderstorm, else 0
    "thunderstorm_gust": "m s-1",  # wind_gust where a thunderstorm is, else 0
    "freezing_rain": "1",  # 1 where ww or ptype says freezing rain or drizzle, else 0
}

CF_STANDARD_NAMES: dict[str, str] = {
    "wind_gust": "wind_speed_of_gust",
    "air_temperature": "air_temperature",
    "air_temperature_max": "air_temperature",
    "air_temperature_min": "air_temperature",
    "cape": "atmosphere_convective_available_potential_energy",
    "eastward_wind": "eastward_wind",
    "northward_wind": "northward_wind",
    **{
        f"{stem}_{n}h": name
        for stem, (_, name) in _ACCUMULATED.items()
        for n in PRECIPITATION_WINDOWS
    },
    **{f"fresh_snow_{n}h": "thickness_of_snowfall_amount" for n in PRECIPITATION_WINDOWS},
}

#: Variables that hold codes, not amounts: never averaged or interpolated.
CATEGORICAL = frozenset({"weather_code", "precipitation_type"})

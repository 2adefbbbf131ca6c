"""The names analysts give variables, matched against what GRIB messages and NetCDF variables say
about themselves. Names match whatever their case.

A variable answers to:

- its eccodes short name (``2t``, ``10u``, ``max_i10fg``) and cfgrib's name (``t2m``, ``u10``,
  ``fg10``); a NetCDF variable to its own name and the ``GRIB_shortName``/``GRIB_cfVarName``
  cfgrib wrote;
- DWD's name (``T_2M``, ``U_10M``, ``VMAX_10M``): a GRIB2 message is DWD's variable when its
  parameter numbers and statistical process are those :data:`~pipeline.sources.dwd.DWD_VARIABLES`
  declares and, for names ending in ``_2M`` or ``_10M``, it is at that height; a NetCDF variable
  when it is so named (COSMO and ICON NetCDF use DWD's names) or when cfgrib wrote it from the
  message eccodes names as in :data:`DWD_SHORT_NAMES`;
- its CF standard name (``air_temperature``): eccodes' ``cfName``, :data:`STANDARD_NAMES` where
  eccodes has none, or a NetCDF variable's ``standard_name``.

``wind_speed`` (also ``ws``, and at 10 m ``10si``, ``si10``, ``FF_10M``) is derived from the
eastward and northward components when the files do not hold it (:data:`WIND_SPEED`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pipeline.analysis.thresholds import cf_units
from pipeline.sources.dwd import DWD_VARIABLES
from pipeline.sources.grib import GribField

#: CF standard names of parameters eccodes names "unknown", by (short name, CF units).
STANDARD_NAMES = {
    ("2t", "K"): "air_temperature",  # GRIB1 (ERA5)
    ("2d", "K"): "dew_point_temperature",
    ("skt", "K"): "surface_temperature",
    ("max_i10fg", "m s-1"): "wind_speed_of_gust",  # DWD VMAX_10M
    ("10fg", "m s-1"): "wind_speed_of_gust",
    ("i10fg", "m s-1"): "wind_speed_of_gust",
    ("10si", "m s-1"): "wind_speed",
    ("tp", "kg m-2"): "precipitation_amount",  # DWD TOT_PREC
    ("tp", "m"): "lwe_thickness_of_precipitation_amount",  # ECMWF
    ("tprate", "kg m-2 s-1"): "precipitation_flux",
    ("tprate", "m s-1"): "lwe_precipitation_rate",
}

#: eccodes' short names of DWD's parameters in DWD's own files, for NetCDF that cfgrib wrote from
#: them (GRIB messages are matched by their parameter numbers instead).
DWD_SHORT_NAMES = {
    "T_2M": "2t",
    "U_10M": "10u",
    "V_10M": "10v",
    "VMAX_10M": "max_i10fg",
    "TOT_PREC": "tp",
    "WW": "ww",
    "SNOW_GSP": "lsfwe",
    "SNOW_CON": "csfwe",
}

#: Names of the wind speed, derived from the components when no variable has them; the value
#: says whether the name means the wind at 10 m.
WIND_SPEED = {"wind_speed": False, "ws": False, "10si": True, "si10": True, "ff_10m": True}
#: The components' standard names and the derived variable's attributes.
WIND_COMPONENTS = ("eastward_wind", "northward_wind")
WIND_SPEED_ATTRS = {
    "standard_name": "wind_speed",
    "long_name": "wind speed from the eastward and northward components",
}

_HEIGHT = re.compile(r"_(\d+)M$")


def standard_name(short_name: str, cf_name: str | None, units: str) -> str | None:
    """A GRIB parameter's CF standard name: eccodes' ``cfName``, else :data:`STANDARD_NAMES`."""
    if cf_name and cf_name != "unknown":
        return cf_name
    return STANDARD_NAMES.get((short_name, units))


def message_names(field: GribField, units: str) -> frozenset[str]:
    """Every name a decoded GRIB message answers to (casefolded)."""
    names = {field.short_name, field.keys.get("cfVarName") or ""}
    names.add(standard_name(field.short_name, field.keys.get("cfName"), units) or "")
    names.update(dwd_names(field))
    return frozenset(n.casefold() for n in names if n)


def dwd_names(field: GribField) -> list[str]:
    """DWD's names of a GRIB2 message's parameter (see the module docstring)."""
    if field.discipline < 0:
        return []
    found = []
    for name, variable in DWD_VARIABLES.items():
        if variable.grib != (field.discipline, field.category, field.number):
            continue
        if variable.statistical_process != field.statistical_process:
            continue
        height = _HEIGHT.search(name.upper())
        if height and (field.level_type, field.level) != ("heightAboveGround", int(height[1])):
            continue
        found.append(name.upper())
    return found


def variable_names(name: str, attrs: Mapping) -> frozenset[str]:
    """Every name a NetCDF variable answers to (casefolded)."""
    short = attrs.get("GRIB_shortName") or DWD_SHORT_NAMES.get(name.upper())
    names = {name, attrs.get("standard_name"), short, attrs.get("GRIB_cfVarName")}
    units = cf_units(attrs.get("units") or attrs.get("GRIB_units")) or ""
    names |= {attrs.get("GRIB_cfName"), STANDARD_NAMES.get((short, units))}
    names |= {dwd for dwd, eccodes in DWD_SHORT_NAMES.items() if eccodes == short}
    return frozenset(str(n).casefold() for n in names if n and n != "unknown")


def wanted(variable: str) -> tuple[str, ...]:
    """The names to look for: the variable's, then its components' when it can be derived."""
    asked = variable.casefold()
    return (asked, *WIND_COMPONENTS) if asked in WIND_SPEED else (asked,)

"""The units crosswarn converts between, in one place: criteria and texts speak km/h and °C,
the canonical variables m/s and °C, providers m/s and K."""

from __future__ import annotations

#: Metres per second in one km/h.
KMH = 1 / 3.6
#: Added to a temperature in kelvin to give degrees Celsius.
KELVIN = -273.15

#: Factor from a unit the criteria files may use to the canonical variables' unit.
TO_CANONICAL = {"km/h": KMH, "m/s": 1.0, "mm": 1.0, "cm": 1.0, "degC": 1.0, "1": 1.0}
#: The units criteria may state thresholds in, per canonical unit (so that a factor of 1 is
#: never applied across dimensions: hail and fresh snow are in cm, rain in mm).
CRITERIA_UNITS = {
    "m s-1": ("km/h", "m/s"),
    "mm": ("mm",),
    "cm": ("cm",),
    "degC": ("degC",),
    "1": ("1",),
}


def to_kmh(metres_per_second: float) -> float:
    return metres_per_second / KMH


def to_canonical(value: float, unit: str) -> float:
    """``value`` in ``unit`` (a key of :data:`TO_CANONICAL`) in the canonical unit."""
    return value * TO_CANONICAL[unit]


#: How people read each kind of quantity (texts, bulletins); a flag (a phenomenon present or
#: not) has no amount.
DISPLAY_UNITS = {
    "gust": "km/h",
    "rain": "mm",
    "temperature": "°C",
    "snow": "cm",
    "hail": "cm",
    "flag": "",
}


def for_display(quantity: str, value: float) -> tuple[float, str]:
    """A canonical value of a ``quantity`` (see :data:`DISPLAY_UNITS`) as people read it:
    (number, unit)."""
    return (to_kmh(value) if quantity == "gust" else value), DISPLAY_UNITS[quantity]

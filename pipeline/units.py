"""The units crosswarn converts between, in one place: criteria and texts speak km/h and °C,
the canonical variables m/s and °C, providers m/s and K."""

from __future__ import annotations

#: Metres per second in one km/h.
KMH = 1 / 3.6
#: Added to a temperature in kelvin to give degrees Celsius.
KELVIN = -273.15

#: Factor from a unit the criteria files may use to the canonical variables' unit.
TO_CANONICAL = {"km/h": KMH, "m/s": 1.0, "mm": 1.0, "degC": 1.0}


def to_kmh(metres_per_second: float) -> float:
    return metres_per_second / KMH


def to_canonical(value: float, unit: str) -> float:
    """``value`` in ``unit`` (a key of :data:`TO_CANONICAL`) in the canonical unit."""
    return value * TO_CANONICAL[unit]


#: How people read each hazard family's values (texts, bulletins).
DISPLAY_UNITS = {"wind": "km/h", "thunderstorm": "mm", "rain": "mm", "heat": "°C", "cold": "°C"}


def for_display(family: str, value: float) -> tuple[float, str]:
    """A canonical value of a hazard ``family`` as people read it: (number, unit)."""
    return (to_kmh(value) if family == "wind" else value), DISPLAY_UNITS[family]

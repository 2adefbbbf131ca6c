"""Thresholds and levels with units, converted to the data's units (pint, with cf-xarray's
UDUNITS-aware registry).

A threshold may carry units (``25degC``, ``90km/h``, ``50mm``, ``10 mm/h``); a bare number is in
the data's units. Precipitation given as a depth of water (mm) and data in mass per area
(kg m-2, as DWD's TOT_PREC) or the other way round convert through the density of water
(1 mm = 1 kg m-2). A threshold with units on data without units, or in units of another kind,
is refused with a message saying what the data is in.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

import numpy as np

from pipeline.errors import ConfigError

log = logging.getLogger(__name__)

#: eccodes' names for a pure number (codes, fractions).
DIMENSIONLESS = {"~", "Numeric", "numeric", "(0 - 1)", "Proportion", "dimensionless", "1", ""}
EXAMPLES = "e.g. 25degC, 90km/h, 50mm, or a bare number in the data's units"


@dataclass(frozen=True)
class Threshold:
    """A threshold as given (``text``) and its ``value`` in the data's units."""

    text: str
    value: float


@functools.cache
def _registry():
    """cf-xarray's unit registry. Building it redefines a few of pint's units (%, C, degrees)
    on purpose, and pint logs a warning for each: kept out of the analyst's terminal."""
    pint_log = logging.getLogger("pint.util")
    level = pint_log.level
    pint_log.setLevel(logging.ERROR)
    try:
        from cf_xarray.units import units
    finally:
        pint_log.setLevel(level)
    return units


def cf_units(text: str | None) -> str | None:
    """``text`` (eccodes' ``m s**-1``, UDUNITS' ``m s-1``) as CF writes it; ``"1"`` for a pure
    number; None when there are no units or pint does not know them (then thresholds and
    levels are bare numbers)."""
    if text is None:
        return None
    text = str(text).strip()
    if text in DIMENSIONLESS:
        return "1" if text else None
    try:
        unit = _registry().Unit(text)
    except Exception:  # pint's parser raises many kinds (undefined, syntax, tokenizer)
        return None
    return f"{unit:cf}".replace("°C", "degC") or "1"


def parse_quantity(text: str, option: str):
    """``text``, a number with optional units: a pint Quantity, or a float for a bare number;
    NaN, infinity and anything else are refused, naming ``option``."""
    match = _QUANTITY.match(text)
    if not match:
        lowered = text.strip().lower().lstrip("+-")
        problem = (
            "not a finite number"
            if lowered in ("nan", "inf", "infinity")
            else ("not a number with optional units")
        )
        raise ConfigError(f"{option} {text!r}: {problem} ({EXAMPLES})")
    registry = _registry()
    number, unit = float(match["number"]), (match["unit"] or "").strip()
    if not np.isfinite(number):
        raise ConfigError(f"{option} {text!r}: not a finite number ({EXAMPLES})")
    if not unit:
        return number
    try:
        return registry.Quantity(number, registry.Unit(unit))
    except Exception:  # pint's parser raises many kinds (undefined, syntax, tokenizer)
        raise ConfigError(f"{option} {text!r}: unknown units {unit!r} ({EXAMPLES})") from None


_QUANTITY = re.compile(
    r"^\s*(?P<number>[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)\s*(?P<unit>[^\d\s.+-].*)?$"
)


def to_units(text: str, units: str | None, *, option: str, what: str) -> float:
    """The value of ``text`` (see :func:`parse_quantity`) in ``units``, the units of ``what``."""
    quantity = parse_quantity(text, option)
    if isinstance(quantity, float):
        return quantity
    if units is None:
        raise ConfigError(
            f"{option} {text}: {what} has no units; give the value as a bare number in its units"
        )
    registry = _registry()
    target = registry.Unit(units)
    water = registry.Quantity(1000.0, "kg m-3")
    for candidate in (quantity, quantity * water, quantity / water):
        if candidate.dimensionality == target.dimensionality:
            return float(candidate.to(target).magnitude)
    raise ConfigError(
        f"{option} {text}: {what} is in {units}, which {quantity.units:~P} cannot be converted "
        f"to; give the value in units of the same kind, or a bare number in {units}"
    )


#: A bare temperature threshold in kelvin below this was most likely meant in °C.
KELVIN_DOUBT = 150.0


def thresholds_in(texts: list[str], units: str | None, *, what: str) -> list[Threshold]:
    """``--threshold`` values in the data's ``units`` (``what`` names the data in messages)."""
    thresholds = [
        Threshold(text, to_units(text, units, option="--threshold", what=what)) for text in texts
    ]
    for threshold in thresholds:
        bare = isinstance(parse_quantity(threshold.text, "--threshold"), float)
        if bare and units == "K" and threshold.value < KELVIN_DOUBT:
            log.warning(
                "--threshold %s is in K, the units of %s; for degrees Celsius write %sdegC",
                threshold.text,
                what,
                threshold.text,
            )
    return thresholds

"""Thresholds with units, converted to the data's units; what is no threshold is refused."""

from __future__ import annotations

import pytest

from pipeline.analysis.thresholds import cf_units, thresholds_in, to_units
from pipeline.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "units", "value"),
    [
        ("25degC", "K", 298.15),
        ("-5 degC", "K", 268.15),
        ("25", "K", 25.0),  # a bare number is in the data's units
        ("290K", "degC", 16.85),
        ("90km/h", "m s-1", 25.0),
        ("90 km h-1", "m s-1", 25.0),
        ("50mm", "kg m-2", 50.0),  # 1 mm of water is 1 kg m-2
        ("10mm", "m", 0.01),
        ("36mm/h", "kg m-2 s-1", 0.01),
        ("50%", "1", 0.5),
        ("850hPa", "Pa", 85000.0),
    ],
)
def test_values_in_the_data_units(text, units, value):
    assert to_units(text, units, option="--threshold", what="x") == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("nan", "not a finite number"),
        ("-inf", "not a finite number"),
        ("1e999", "not a finite number"),
        ("abc", "not a number with optional units"),
        ("1 2", "not a number with optional units"),
        ("", "not a number with optional units"),
        ("25 foo", "unknown units 'foo'"),
    ],
)
def test_what_is_no_number_with_units_is_refused(text, says):
    with pytest.raises(ConfigError, match=f"--threshold '{text}': {says}"):
        thresholds_in([text], "K", what="t2m")


def test_units_of_another_kind_are_refused_naming_the_data_units():
    with pytest.raises(ConfigError, match="t2m is in K, which km/h cannot be converted to"):
        thresholds_in(["90km/h"], "K", what="t2m")


@pytest.mark.parametrize(
    ("given", "cf"),
    [
        ("m s**-1", "m s-1"),
        ("kg m**-2 s**-1", "kg m-2 s-1"),
        ("m**2 s**-2", "m2 s-2"),
        ("K", "K"),
        ("degC", "degC"),
        ("Numeric", "1"),
        ("(0 - 1)", "1"),
        ("unknown", None),
        (None, None),
    ],
)
def test_units_as_cf_writes_them(given, cf):
    assert cf_units(given) == cf

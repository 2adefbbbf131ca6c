"""The criteria side by side as tables (the criteria notebook): a row per authority, a column
per level, thresholds with their units, and every number no authority published marked."""

from __future__ import annotations

from pipeline.assessment.criteria import load_criteria
from pipeline.assessment.criteria_report import authority_table, criteria_records, criteria_table
from pipeline.settings import DEFAULT_REGIONS_DIR

RECORDS = criteria_records(load_criteria(DEFAULT_REGIONS_DIR))
AUTHORITIES = ["DWD (DE)", "KMI-IRM (BE)", "KNMI (NL)", "MeteoLux (LU)", "Météo-France (FR)"]


def test_one_row_per_authority_and_one_column_per_level():
    table = criteria_table(RECORDS, "wind")
    assert table.index.tolist() == AUTHORITIES
    assert table.columns.tolist() == ["reads", "yellow", "orange", "red"]
    assert set(table["reads"]) == {"wind_gust"}


def test_thresholds_carry_their_comparison_and_unit():
    """DWD warns for gusts above 50 km/h (yellow), from 65 (orange) and 105 (red)."""
    dwd = criteria_table(RECORDS, "wind").loc["DWD (DE)"]
    assert dwd["yellow"].startswith("> 50 km/h")
    assert dwd["orange"].startswith(">= 65 km/h")
    assert dwd["red"].startswith(">= 105 km/h")
    # DWD publishes no share of a Landkreis: the 10 % is crosswarn's, the thresholds DWD's.
    assert "at least 10% of the region's area (crosswarn proxy)" in dwd["yellow"]
    assert not dwd["yellow"].endswith("]")


def test_numbers_no_authority_published_are_marked_as_crosswarn_proxies():
    wind = criteria_table(RECORDS, "wind")
    # Météo-France's vigilance has no published gust numbers: all three are crosswarn's.
    assert all(wind.loc["Météo-France (FR)", level].endswith("[crosswarn proxy]")
               for level in ("yellow", "orange", "red"))  # fmt: skip
    assert wind.loc["KNMI (NL)", "yellow"].endswith("[secondary source]")
    # KNMI's code red is decided on impact: crosswarn only recommends consulting KNMI.
    assert "consultation only" in wind.loc["KNMI (NL)", "red"]
    assert wind.loc["KNMI (NL)", "red"].endswith("[crosswarn proxy]")


def test_an_authority_without_criteria_says_so_and_has_no_levels():
    hail = criteria_table(RECORDS, "thunderstorm_hail")
    assert hail.loc["MeteoLux (LU)", "reads"].startswith("not assessed")
    assert hail.loc["MeteoLux (LU)", ["yellow", "orange", "red"]].tolist() == ["-", "-", "-"]
    assert hail.loc["DWD (DE)", "yellow"] == "-"  # DWD's hail warnings start at orange
    assert hail.loc["DWD (DE)", "orange"].startswith(">= 0.5 cm")


def test_authorities_with_their_official_warnings():
    table = authority_table(RECORDS)
    assert table.index.tolist() == ["DWD", "KMI-IRM", "KNMI", "MeteoLux", "Météo-France"]
    assert table["country"].tolist() == ["DE", "BE", "NL", "LU", "FR"]
    assert all(url.startswith("https://") for url in table["official warnings"])

"""Criteria tables against the published thresholds they cite, and the level rules by hand.

The numbers below are restated from ../shared/research/mission_anchors.md §1.4 (the sources the
criteria files cite), not read from the files under test.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import numpy as np
import pytest
import xarray as xr
import yaml

from pipeline.assessment.consultation import Rule, find_triggers, linked_pairs, load_consultation
from pipeline.assessment.criteria import assess_levels, load_criteria, mismatch_levels, mismatches
from pipeline.assessment.events import Event
from pipeline.errors import ConfigError
from pipeline.geo.regions import load_regions
from pipeline.settings import DEFAULT_REGIONS_DIR

CRITERIA = load_criteria(DEFAULT_REGIONS_DIR)


def _levels(country: str, hazard: str) -> dict[str, float]:
    return {k: v.threshold for k, v in CRITERIA[country].hazards[hazard].levels.items()}


@pytest.mark.parametrize(
    ("country", "hazard", "published"),
    [
        # DWD: gusts L1 > 50, L2 65-85, L3 105-115 km/h; Starkregen L2 15-25/1 h, 20-35/6 h,
        # L3 > 25/1 h, > 35/6 h; Dauerregen L2 25/12 h, 30/24 h, 40/48 h, 60/72 h,
        # L3 40, 50, 60, 90.
        ("DE", "wind", {"yellow": 50, "orange": 65, "red": 105}),
        ("DE", "rain_1h", {"orange": 15, "red": 25}),
        ("DE", "rain_6h", {"orange": 20, "red": 35}),
        ("DE", "rain_12h", {"orange": 25, "red": 40}),
        ("DE", "rain_24h", {"orange": 30, "red": 50}),
        ("DE", "rain_48h", {"orange": 40, "red": 60}),
        ("DE", "rain_72h", {"orange": 60, "red": 90}),
        # KNMI: geel > 75 km/h, > 30 mm/h, > 50 mm/24 h, > 35 °C, < -15 °C;
        # oranje > 100 km/h, 50 mm/h, > 75 mm/24 h, Tmax > 38 °C.
        ("NL", "wind", {"yellow": 75, "orange": 100, "red": 120}),
        ("NL", "rain_1h", {"yellow": 30, "orange": 50}),
        ("NL", "rain_24h", {"yellow": 50, "orange": 75}),
        ("NL", "heat", {"yellow": 35, "orange": 38}),
        ("NL", "cold", {"yellow": -15}),
        # KMI-IRM: geel 80-100 km/h, oranje 101-130 km/h; onweer geel 10-30/1 h, 20-40/6 h.
        ("BE", "wind", {"yellow": 80, "orange": 101, "red": 131}),
        ("BE", "rain_1h", {"yellow": 10, "orange": 30}),
        ("BE", "rain_6h", {"yellow": 20, "orange": 40}),
        # MeteoLux: orange "vent violent" between 90 and 110 km/h.
        ("LU", "wind", {"yellow": 65, "orange": 90, "red": 111}),
    ],
)
def test_thresholds_are_the_published_ones(country, hazard, published):
    assert _levels(country, hazard) == published


def test_certainty_and_lead_time_rules():
    knmi = CRITERIA["NL"].hazards["wind"].levels
    assert (knmi["yellow"].min_probability, knmi["yellow"].max_lead_hours) == (0.6, 48)
    assert (knmi["orange"].min_probability, knmi["orange"].max_lead_hours) == (0.6, 24)
    kmi = CRITERIA["BE"].hazards["wind"].levels
    assert (kmi["yellow"].min_probability, kmi["yellow"].max_lead_hours) == (0.65, 48)
    assert "Unwetter" in CRITERIA["DE"].level_mapping  # DWD's four levels, mapping stated
    for authority in CRITERIA.values():
        for table in authority.hazards.values():
            for rule in table.levels.values():
                assert len(rule.source) > 20


def test_unknown_key_in_a_cold_level_is_named(tmp_path):
    shutil.copytree(DEFAULT_REGIONS_DIR, tmp_path / "regions")
    path = tmp_path / "regions" / "criteria" / "knmi.yaml"
    text = path.read_text().replace("threshold: -15", "threshold: -15\n        x_typo: 1")
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"knmi\.yaml: hazards\.cold\.levels\.yellow\.x_typo"):
        load_criteria(tmp_path / "regions")


def test_cold_thresholds_must_fall_with_level(tmp_path):
    shutil.copytree(DEFAULT_REGIONS_DIR, tmp_path / "regions")
    path = tmp_path / "regions" / "criteria" / "knmi.yaml"
    data = yaml.safe_load(path.read_text())
    cold = data["hazards"]["cold"]["levels"]
    cold["orange"] = dict(cold["yellow"], threshold=-10)  # warmer than yellow's -15: wrong
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ConfigError, match=r"knmi\.yaml: .*cold\.levels: thresholds must fall"):
        load_criteria(tmp_path / "regions")


def _stats(fractions: np.ndarray, thresholds: list[float], hours: int = 3) -> xr.Dataset:
    """fractions: (members, valid_times) for one region, the same at every threshold."""
    times = fractions.shape[1]
    values = np.repeat(fractions.T[None, :, :, None], len(thresholds), axis=3)
    return xr.Dataset(
        {"fraction_above": (("region", "valid_time", "member", "threshold"), values)},
        coords={
            "region": ["X"],
            "valid_time": np.datetime64("2026-01-15T00", "ns")
            + np.arange(1, times + 1) * np.timedelta64(hours, "h"),
            "threshold": thresholds,
        },
    )


def test_levels_by_hand_with_probability_and_lead_time():
    wind = CRITERIA["NL"].hazards["wind"]
    thresholds = [wind.threshold(n) for n in ("yellow", "orange", "red")]
    # 10 members; at every threshold 7 members (70 % >= 60 %) cover 30 % (>= 25 %) of the area.
    fractions = np.zeros((10, 20))
    fractions[:7] = 0.3
    stats = _stats(fractions, thresholds, hours=3)  # valid at +3 h ... +60 h
    reference = datetime(2026, 1, 15, 0, tzinfo=UTC)
    levels = assess_levels(stats, {"NL": CRITERIA["NL"]}, "wind", reference_time=reference)
    lead = np.arange(1, 21) * 3
    expected = np.where(lead <= 12, 3, np.where(lead <= 24, 2, np.where(lead <= 48, 1, 0)))
    np.testing.assert_array_equal(levels.sel(region="X", criteria="NL"), expected)
    # 5 of 10 members (50 % < 60 %): nothing.
    fractions[5:7] = 0.0
    stats = _stats(fractions, thresholds)
    levels = assess_levels(stats, {"NL": CRITERIA["NL"]}, "wind", reference_time=reference)
    assert int(levels.max()) == 0


def test_mismatch_in_words():
    pairs = mismatch_levels("DE", {"DE": 2, "BE": 1, "NL": 2}, {"BE", "NL"}, CRITERIA, "wind")
    words = mismatches(pairs, CRITERIA)
    assert words == ["orange under DWD criteria, yellow under KMI-IRM criteria"]


def _event(region: str, country: str, level: int) -> Event:
    start = datetime(2026, 1, 15, 10, tzinfo=UTC)
    return Event(
        region=region, country=country, hazard="wind", onset=start,
        expiry=start.replace(hour=16), peak_level=level, peak_time=start, peak_value=30.0,
        timeline=(), levels_by_criteria={country: level},
    )  # fmt: skip


def test_a_euregio_links_regions_that_share_no_border():
    """Zuid-Limburg (NL012) and Euskirchen (DE127) do not touch but are both in the EMR."""
    config = load_consultation(DEFAULT_REGIONS_DIR, set(load_regions(DEFAULT_REGIONS_DIR).index))
    events = [_event("NL012", "NL", 2), _event("DE127", "DE", 1)]
    rule = Rule(min_level_one_side="orange", min_level_other_side="yellow")
    cells = {"NL012": "nl-ncc", "DE127": "de-nw"}
    assert find_triggers(events, linked_pairs([], ()), cells, rule) == []
    (trigger,) = find_triggers(events, linked_pairs([], config.areas), cells, rule)
    assert trigger.areas == ("euregio-meuse-rhine",)
    assert trigger.crisis_cells == ("de-nw", "nl-ncc")


def test_area_with_an_unknown_region_is_named(tmp_path):
    shutil.copytree(DEFAULT_REGIONS_DIR, tmp_path / "regions")
    path = tmp_path / "regions" / "consultation.yaml"
    path.write_text(path.read_text().replace("[NL010, BE003, BE009]", "[NL010, BE003, BE099]"))
    with pytest.raises(ConfigError, match=r"areas\[5\] \(euregio-scheldemond\)\.members.*BE099"):
        load_consultation(tmp_path / "regions", set(load_regions(DEFAULT_REGIONS_DIR).index))

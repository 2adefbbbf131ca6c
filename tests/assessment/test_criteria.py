"""Criteria tables against the published thresholds they cite, and the level rules by hand.

The numbers below are restated from the audit in regions/audit/ (the publications the criteria
files cite), not read from the files under test.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
import yaml

from pipeline.assessment.consultation import Rule, find_triggers, linked_pairs, load_consultation
from pipeline.assessment.criteria import load_criteria, mismatch_levels, mismatches
from pipeline.assessment.events import Event
from pipeline.errors import ConfigError
from pipeline.geo.regions import load_regions
from pipeline.settings import DEFAULT_REGIONS_DIR

CRITERIA = load_criteria(DEFAULT_REGIONS_DIR)


def _levels(country: str, hazard: str) -> dict[str, tuple[str, float | None]]:
    table = CRITERIA[country].hazards[hazard]
    return {k: (table.comparison(k), v.threshold) for k, v in table.levels.items()}


@pytest.mark.parametrize(
    ("country", "hazard", "published"),
    [
        # DWD (D1/D2): Windböen über 50 km/h, Sturmböen 65-85, orkanartige Böen 105-115;
        # Starkregen 15-25 l/m²/1 h, heftiger Starkregen mehr als 25; Dauerregen 30-50/24 h,
        # ergiebiger Dauerregen mehr als 50; Frost unter 0 °C, strenger Frost unter -10 °C.
        ("DE", "wind", {"yellow": (">", 50), "orange": (">=", 65), "red": (">=", 105)}),
        ("DE", "rain_1h", {"orange": (">=", 15), "red": (">", 25)}),
        ("DE", "rain_6h", {"orange": (">=", 20), "red": (">", 35)}),
        ("DE", "rain_12h", {"orange": (">=", 25), "red": (">", 40)}),
        ("DE", "rain_24h", {"orange": (">=", 30), "red": (">", 50)}),
        ("DE", "rain_48h", {"orange": (">=", 40), "red": (">", 60)}),
        ("DE", "rain_72h", {"orange": (">=", 60), "red": (">", 90)}),
        ("DE", "cold", {"yellow": ("<", 0), "orange": ("<", -10)}),
        # KNMI: windstoten vanaf 75 km/u, 100 of harder, rood: no number (120 is a proxy);
        # onweersbuien 30 mm of meer in 1 uur, oranje 50; meer dan 50 / 75 mm in 24 uur;
        # gevoelstemperatuur -15 of lager.
        ("NL", "wind", {"yellow": (">=", 75), "orange": (">=", 100), "red": (">=", 120)}),
        (
            "NL",
            "thunderstorm_rain",
            {"yellow": (">=", 30), "orange": (">=", 50), "red": (">=", None)},
        ),
        ("NL", "rain_24h", {"yellow": (">", 50), "orange": (">", 75), "red": (">=", None)}),
        ("NL", "cold", {"yellow": ("<=", -15)}),
        # KMI-IRM: geel 80-100 km/h, oranje 101-130, rood 130 of meer; regen geel 10-30/1 h,
        # oranje 31-50; 20-40 / 41-60 / more than 60 in 6 h; 25-50 / 51-100 / more than 100
        # in 24 h.
        ("BE", "wind", {"yellow": (">=", 80), "orange": (">", 100), "red": (">=", 130)}),
        ("BE", "rain_1h", {"yellow": (">=", 10), "orange": (">", 30), "red": (">", 50)}),
        ("BE", "rain_6h", {"yellow": (">=", 20), "orange": (">", 40), "red": (">", 60)}),
        ("BE", "rain_24h", {"yellow": (">=", 25), "orange": (">", 50), "red": (">", 100)}),
        # MeteoLux: orange "zwischen 90 km/h und 110 km/h"; red above 110 (proxy).
        ("LU", "wind", {"yellow": (">=", 65), "orange": (">=", 90), "red": (">", 110)}),
    ],
)
def test_thresholds_are_the_published_ones(country, hazard, published):
    assert _levels(country, hazard) == published


def test_certainty_lead_time_and_consultation_rules():
    knmi = CRITERIA["NL"].hazards["wind"].levels
    assert (knmi["yellow"].min_probability, knmi["yellow"].max_lead_hours) == (0.6, 48)
    assert (knmi["orange"].min_probability, knmi["orange"].max_lead_hours) == (0.6, 24)
    assert knmi["red"].consultation_only and knmi["red"].basis == "proxy"
    kmi = CRITERIA["BE"].hazards["wind"].levels
    assert (kmi["yellow"].min_probability, kmi["yellow"].max_lead_hours) == (0.65, 48)
    assert kmi["red"].max_lead_hours == 12  # KMI: red at most 12 h ahead
    assert CRITERIA["FR"].hazards["wind"].levels["red"].consultation_only
    assert "Unwetter" in CRITERIA["DE"].level_mapping  # DWD's four levels, mapping stated
    assert CRITERIA["NL"].hazards["wind"].area_of("yellow").rule == "anywhere"
    assert CRITERIA["BE"].hazards["wind"].area_of("yellow").min_fraction == 0.25
    assert CRITERIA["BE"].hazards["wind"].area_of("orange").min_fraction == 0.5


def test_every_number_has_its_source_or_is_a_named_proxy():
    for authority in CRITERIA.values():
        assert authority.web.startswith("https://")
        for hazard, table in authority.hazards.items():
            for name, rule in table.levels.items():
                where = f"{authority.authority} {hazard} {name}"
                if rule.basis == "proxy":
                    assert "proxy" in rule.note, where
                else:
                    kinds = {authority.sources[s].kind for s in rule.sources}
                    assert kinds, where
                    if rule.basis == "published":
                        assert "authority" in kinds, where


def test_unknown_key_in_a_cold_level_is_named(tmp_path):
    shutil.copytree(DEFAULT_REGIONS_DIR, tmp_path / "regions")
    path = tmp_path / "regions" / "criteria" / "knmi.yaml"
    text = path.read_text().replace("threshold: -15", "threshold: -15\n        x_typo: 1")
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"knmi\.yaml: hazards\.cold\.levels\.yellow\.x_typo"):
        load_criteria(tmp_path / "regions")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda lv: lv["yellow"].update(sources=["K9"]),
            r"hazards\.wind\.levels\.yellow: unknown source ids \['K9'\]",
        ),
        (lambda lv: lv["yellow"].update(basis="proxy", note=""), r"proxy needs a note"),
        (lambda lv: lv["orange"].update(threshold=None), r"needs a threshold or a persistence"),
        (lambda lv: lv["orange"].update(threshold=70), r"wind\.levels: thresholds must rise"),
        (lambda lv: lv["yellow"].update(comparison="<"), r"comparison < against above"),
    ],
)
def test_criteria_errors_name_the_file_and_key(tmp_path, edit, message):
    shutil.copytree(DEFAULT_REGIONS_DIR, tmp_path / "regions")
    path = tmp_path / "regions" / "criteria" / "knmi.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data["hazards"]["wind"]["levels"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(ConfigError, match=r"knmi\.yaml: .*" + message):
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
    cells = {
        "NL012": ("nl-vr-zuid-limburg",),
        "DE127": ("de-kreis-euskirchen", "de-nw-lagezentrum"),
    }
    assert find_triggers(events, linked_pairs([], ()), cells, rule) == []
    (trigger,) = find_triggers(events, linked_pairs([], config.areas), cells, rule)
    assert trigger.areas == ("euregio-meuse-rhine",)
    assert trigger.crisis_cells == (
        "de-kreis-euskirchen",
        "de-nw-lagezentrum",
        "nl-vr-zuid-limburg",
    )


def test_area_with_an_unknown_region_is_named(tmp_path):
    shutil.copytree(DEFAULT_REGIONS_DIR, tmp_path / "regions")
    path = tmp_path / "regions" / "consultation.yaml"
    path.write_text(path.read_text().replace("[NL010, BE003, BE009]", "[NL010, BE003, BE099]"))
    with pytest.raises(ConfigError, match=r"areas\[5\] \(euregio-scheldemond\)\.members.*BE099"):
        load_consultation(tmp_path / "regions", set(load_regions(DEFAULT_REGIONS_DIR).index))

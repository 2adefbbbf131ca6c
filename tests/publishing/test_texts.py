"""Texts for people: expected wording written out by hand from the criteria in
tests/publishing/authorities.py (wind bands 65 / 85 / 110 km/h for KMI-IRM, DWD's published
bands for Germany), not computed by the code under test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pipeline.assessment.events import Event
from pipeline.publishing.texts import language_tag, local_time_text, warning_texts
from tests.publishing.authorities import CRITERIA, DWD, KMI, KNMI, WEB, hazard, level

KMH = 1 / 3.6  # m/s per km/h: peaks are given in the canonical unit
ONSET = datetime(2026, 1, 15, 9, tzinfo=UTC)  # 10:00 CET
EXPIRY = datetime(2026, 1, 15, 18, tzinfo=UTC)  # 19:00 CET
PEAK = datetime(2026, 1, 15, 13, 30, tzinfo=UTC)  # 14:30 CET


def _event(region="BE008", hazard="wind", peak_kmh=70.0, level=1, **changes) -> Event:
    event = Event(
        region=region, country=region[:2], hazard=hazard, onset=ONSET, expiry=EXPIRY,
        peak_level=level, peak_time=PEAK, peak_value=peak_kmh * KMH, timeline=(),
    )  # fmt: skip
    return replace(event, **changes)


def _texts(language="en", event=None, level=None, area="Liège", cancelled=False, **changes):
    event = event or _event(**changes)
    return warning_texts(
        language, event=event, level=event.peak_level if level is None else level, area=area,
        criteria=CRITERIA[event.country], model="ICON-D2", run="2026011500", status="Actual",
        cancelled=cancelled,
    )  # fmt: skip


# --- what the warning says ----------------------------------------------------------------------


def test_a_warning_in_english_reads_in_full():
    texts = _texts(peak_kmh=70.0)
    assert texts["event"] == "Severe wind gusts"
    assert texts["headline"] == (
        "Crosswarn guidance under KMI-IRM criteria, not an official KMI-IRM warning — "
        "Yellow level, severe wind gusts: Liège"
    )
    assert texts["description"] == (
        "This is crosswarn guidance computed under KMI-IRM criteria, not an official KMI-IRM "
        "warning. From 15/01/2026 10:00 CET to 15/01/2026 19:00 CET, gusts of 65–85 km/h are "
        "expected in Liège. The highest level is reached around 15/01/2026 14:30 CET. Computed "
        f"from the ICON-D2 model (run 2026011500). Official warnings: KMI-IRM {WEB['BE']}"
    )
    assert texts["instruction"].startswith("Watch out for loose objects")
    assert texts["sender"] == "crosswarn (guidance under KMI-IRM criteria)"


@pytest.mark.parametrize(
    ("peak_kmh", "expected"),
    [
        (70.0, "gusts of 65–85 km/h are expected in Liège."),
        (85.0, "gusts of 65–85 km/h are expected in Liège."),  # at the band's upper bound
        (85.4, "gusts of 65–85 km/h are expected in Liège."),  # printed 85: still within
        (85.6, "gusts of 65–85 km/h are expected in Liège, locally up to 86 km/h."),
        (86.0, "gusts of 65–85 km/h are expected in Liège, locally up to 86 km/h."),
        (108.0, "gusts of 65–85 km/h are expected in Liège, locally up to 108 km/h."),
    ],
)
def test_the_band_is_the_levels_and_a_peak_beyond_it_is_local(peak_kmh, expected):
    assert expected in _texts(peak_kmh=peak_kmh, level=1)["description"]


def test_the_band_in_every_language():
    event = _event(peak_kmh=86.0)
    assert (
        "windstoten van 65 tot 85 km/u verwacht, plaatselijk tot 86 km/u."
        in (_texts("nl", event)["description"])
    )
    assert (
        "Böen von 65 bis 85 km/h erwartet, örtlich bis 86 km/h."
        in (_texts("de", event)["description"])
    )
    assert (
        "des rafales de 65 à 85 km/h sont attendues sur Liège, localement jusqu'à 86 km/h."
        in (_texts("fr", event)["description"])
    )


def test_the_top_level_has_an_open_band():
    description = _texts(peak_kmh=125.0, level=3)["description"]
    assert "gusts of 110 km/h or more are expected in Liège, up to 125 km/h." in description
    assert "locally" not in description
    at_bound = _texts(peak_kmh=110.0, level=3)["description"]
    assert "gusts of 110 km/h or more are expected in Liège." in at_bound


def test_a_level_without_one_threshold_gives_the_peak_alone():
    persistence = hazard("air_temperature", "degC", {"orange": level(None, persistence=(
        {"days": 3, "threshold": 34}, {"days": 2, "threshold": 36}))})  # fmt: skip
    knmi = KNMI.model_copy(update={"hazards": {"heat": persistence}})
    event = _event("NL012", hazard="heat", peak_value=36.4, level=2)
    texts = warning_texts(
        "en", event=event, level=2, area="Limburg", criteria=knmi, model="m", run="r",
        status="Actual",
    )  # fmt: skip
    assert "temperatures of up to 36 °C are expected in Limburg." in texts["description"]


def test_rain_states_its_accumulation_period_in_good_grammar():
    one = _event(hazard="rain_1h", peak_value=20.0, level=1)
    six = _event(hazard="rain_6h", peak_value=45.0, level=1)
    expected = [
        ("en", one, "rainfall totals of 10–30 mm in 1 hour are expected in Liège."),
        ("nl", one, "neerslaghoeveelheden van 10 tot 30 mm in 1 uur verwacht."),
        ("de", one, "Niederschlagsmengen von 10 bis 30 l/m² in 1 Stunde erwartet."),
        ("fr", one, "des cumuls de pluie de 10 à 30 mm en 1 heure sont attendus sur Liège."),
        ("en", six, "rainfall totals of 20–40 mm in 6 hours are expected in Liège, locally "
                    "up to 45 mm."),
        ("nl", six, "neerslaghoeveelheden van 20 tot 40 mm in 6 uur verwacht, plaatselijk tot "
                    "45 mm."),
        ("de", six, "Niederschlagsmengen von 20 bis 40 l/m² in 6 Stunden erwartet, örtlich bis "
                    "45 l/m²."),
        ("fr", six, "des cumuls de pluie de 20 à 40 mm en 6 heures sont attendus sur Liège, "
                    "localement jusqu'à 45 mm."),
    ]  # fmt: skip
    for language, event, sentence in expected:
        assert sentence in _texts(language, event)["description"], (language, event.hazard)
    for language, wrong in (("en", "1 hours"), ("de", "1 Stunden"), ("fr", "1 heures")):
        assert wrong not in _texts(language, one)["description"]


def test_twelve_hours_of_rain_is_persistent_rain():
    event = _event("DE127", hazard="rain_12h", peak_value=30.0, level=2)
    texts = _texts(event=event, area="Kreis Euskirchen")
    assert texts["event"] == "Persistent rain"
    assert "rainfall totals of 25–40 mm in 12 hours are expected" in texts["description"]


def test_cold_bands_run_downwards_and_negative_numbers_are_written_out():
    event = _event("DE127", hazard="cold", peak_value=-12.0, level=1)
    texts = _texts(event=event, area="Kreis Euskirchen")
    assert (
        "temperatures of 0 to -10 °C are expected in Kreis Euskirchen, locally down to -12 °C."
        in texts["description"]
    )
    german = _texts("de", event, area="Kreis Euskirchen")["description"]
    assert "Tiefstwerte von 0 bis -10 °C erwartet, örtlich bis -12 °C." in german
    top = _texts(event=replace(event, peak_value=-14.0, peak_level=2), area="Kreis Euskirchen")
    assert (
        "temperatures of -10 °C or lower are expected in Kreis Euskirchen, down to -14 °C."
        in (top["description"])
    )


def test_thunderstorms_state_the_hour_of_rain():
    event = _event("DE127", hazard="thunderstorm_rain", peak_value=18.0, level=2)
    texts = _texts(event=event, area="Kreis Euskirchen")
    assert "thunderstorms with rainfall of 15–25 mm in 1 hour are expected" in texts["description"]
    assert texts["event"] == "Thunderstorms with heavy rain"


# --- never an official warning ------------------------------------------------------------------

STATEMENTS = {
    "en": "crosswarn guidance under kmi-irm criteria, not an official kmi-irm warning",
    "nl": "crosswarn-advies volgens kmi-irm-criteria, geen officiële kmi-irm-waarschuwing",
    "fr": "avis crosswarn selon les critères de kmi-irm, pas un message officiel de kmi-irm",
    "de": "crosswarn-hinweis nach kmi-irm-kriterien, keine amtliche kmi-irm-warnung",
}
DESCRIPTION_STATEMENTS = {
    "en": "This is crosswarn guidance computed under KMI-IRM criteria, not an official KMI-IRM "
    "warning.",
    "nl": "Dit is crosswarn-advies, berekend volgens KMI-IRM-criteria, en geen officiële "
    "KMI-IRM-waarschuwing.",
    "fr": "Ceci est un avis crosswarn, calculé selon les critères de KMI-IRM, et non un message "
    "officiel de KMI-IRM.",
    "de": "Dies ist ein crosswarn-Hinweis, berechnet nach KMI-IRM-Kriterien, und keine amtliche "
    "KMI-IRM-Warnung.",
}


@pytest.mark.parametrize("language", ["en", "nl", "fr", "de"])
@pytest.mark.parametrize("cancelled", [False, True])
def test_headline_and_description_say_it_is_guidance_and_link_the_authority(language, cancelled):
    texts = _texts(language, cancelled=cancelled)
    assert STATEMENTS[language] in texts["headline"].lower()
    assert DESCRIPTION_STATEMENTS[language] in texts["description"]
    assert texts["description"].endswith(f"KMI-IRM {WEB['BE']}")
    assert texts["sender"].startswith("crosswarn (") and texts["sender"] != "KMI-IRM"


def test_a_proxy_threshold_is_called_one():
    event = _event("FR070", peak_kmh=110.0, level=2)
    english = _texts(event=event, area="Nord")["description"]
    assert "The orange threshold is a crosswarn proxy, not a published Météo-France threshold." in (
        english
    )
    french = _texts("fr", event, area="Nord")["description"]
    assert (
        "Le seuil orange est une approximation crosswarn, pas un seuil publié par Météo-France."
        in french
    )
    assert "proxy" not in _texts(peak_kmh=90.0, level=2)["description"]  # KMI-IRM: published


def test_a_level_the_authority_decides_on_impact_recommends_consultation():
    event = _event("NL012", peak_kmh=130.0, level=2, consultation_level=3)
    expected = {
        "en": "Consultation with KNMI recommended: KNMI decides on code red on impact.",
        "nl": "Overleg met KNMI aanbevolen: KNMI beslist over code rood op basis van de impact.",
        "fr": "Concertation avec KNMI recommandée : KNMI décide du code rouge en fonction des "
        "impacts.",
        "de": "Rücksprache mit KNMI empfohlen: KNMI entscheidet über Code Rot anhand der "
        "Auswirkungen.",
    }
    for language, sentence in expected.items():
        description = _texts(language, event, area="Limburg")["description"]
        assert sentence in description
    # orange runs to the proxy of code red (120 km/h); the 130 km/h peak is beyond it
    assert (
        "gusts of 100–120 km/h are expected in Limburg, locally up to 130 km/h."
        in (_texts("en", event, area="Limburg")["description"])
    )
    assert "Consultation" not in _texts("en", replace(event, consultation_level=0))["description"]


# --- the authority's own words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hazard", "level", "peak", "word"),
    [
        ("wind", 1, 55 * KMH, "Windböen"),
        ("wind", 2, 70 * KMH, "Sturmböen"),
        ("wind", 2, 95 * KMH, "schwere Sturmböen"),  # DWD: Bft 10 from 90 km/h, still Stufe 2
        ("wind", 3, 110 * KMH, "orkanartige Böen"),
        ("wind", 3, 125 * KMH, "Orkanböen"),  # Bft 12 from 120 km/h
        ("rain_1h", 2, 20.0, "Starkregen"),
        ("rain_1h", 3, 30.0, "heftiger Starkregen"),
        ("rain_12h", 2, 30.0, "Dauerregen"),
        ("rain_12h", 3, 45.0, "ergiebiger Dauerregen"),
        ("cold", 1, -3.0, "Frost"),
        ("cold", 2, -12.0, "strenger Frost"),
        ("thunderstorm_rain", 1, 8.0, "Gewitter"),
        ("thunderstorm_rain", 2, 18.0, "starkes Gewitter"),
        ("thunderstorm_rain", 3, 30.0, "schweres Gewitter"),
    ],
)
def test_german_regions_get_dwds_event_word_for_the_level(hazard, level, peak, word):
    event = _event("DE127", hazard=hazard, peak_value=peak, level=level)
    texts = _texts("de", event, area="Kreis Euskirchen")
    assert texts["event"] == word[0].upper() + word[1:]
    assert texts["headline"].endswith(f", {word}: Kreis Euskirchen")
    # German outside Germany is not DWD's: crosswarn's own word
    assert _texts("de", _event(level=1))["event"] == "Sturmböen"


def test_the_criteria_event_word_wins_over_the_table():
    named = hazard("wind_gust", "km/h", {"orange": level(65, event={"de": "Sturmböen"}),
                                         "red": level(105)})  # fmt: skip
    dwd = DWD.model_copy(update={"hazards": {"wind": named}})
    event = _event("DE127", peak_kmh=95.0, level=2)
    texts = warning_texts(
        "de", event=event, level=2, area="Kreis Euskirchen", criteria=dwd, model="m", run="r",
        status="Actual",
    )  # fmt: skip
    assert texts["event"] == "Sturmböen"


def test_german_headline_in_full():
    event = _event("DE127", peak_kmh=95.0, level=2)
    assert _texts("de", event, area="Kreis Euskirchen")["headline"] == (
        "Crosswarn-Hinweis nach DWD-Kriterien, keine amtliche DWD-Warnung — "
        "Stufe Orange, schwere Sturmböen: Kreis Euskirchen"
    )


def test_french_departements_read_as_vigilance():
    event = _event("FR070", peak_kmh=110.0, level=2)
    texts = _texts("fr", event, area="Nord")
    assert texts["headline"] == (
        "Avis crosswarn selon les critères de Météo-France, pas un message officiel de "
        "Météo-France — Vigilance orange vent violent : Nord"
    )
    assert texts["event"] == "Vent violent"
    heat = _texts("fr", _event("FR070", hazard="heat", peak_value=34.0, level=2), area="Nord")
    assert heat["headline"].endswith("Vigilance orange canicule : Nord")
    # French in Belgium is not Météo-France's
    assert _texts("fr", _event(level=2))["headline"].endswith(
        "Niveau orange, rafales de vent violentes : Liège"
    )


# --- advice that fits the area ------------------------------------------------------------------


def test_marine_areas_get_marine_advice():
    sea = _event("BE801", peak_kmh=90.0, level=2)
    advice = _texts(event=sea, area="Belgische kustwateren")["instruction"]
    assert advice == (
        "Shipping: secure cargo and deck gear; small craft stay in port. Keep away from piers, "
        "dikes and the beach: waves can sweep people away."
    )
    assert "park" not in advice
    assert "parken" not in _texts("nl", sea, area="Belgische kustwateren")["instruction"]
    assert "woods and parks" in _texts(peak_kmh=90.0, level=2)["instruction"]  # Liège: land
    storm = _event("NL806", hazard="rain_1h", peak_value=20.0, level=1)
    knmi_rain = KNMI.model_copy(update={"hazards": {"rain_1h": KMI.hazards["rain_1h"]}})
    texts = warning_texts(
        "nl", event=storm, level=1, area="Waddenzee", criteria=knmi_rain, model="m", run="r",
        status="Actual",
    )  # fmt: skip
    assert texts["instruction"].startswith("Reken op slecht zicht op het water")


# --- times, language variants and status --------------------------------------------------------


def test_times_are_local_with_the_zone_named():
    winter, summer = datetime(2026, 1, 15, 9, tzinfo=UTC), datetime(2026, 7, 15, 9, tzinfo=UTC)
    assert local_time_text("en", winter) == "15/01/2026 10:00 CET"
    assert local_time_text("en", summer) == "15/07/2026 11:00 CEST"
    assert local_time_text("de", summer) == "15.07.2026 11:00 MESZ"
    assert local_time_text("nl", winter) == "15-01-2026 10:00 MET"
    assert local_time_text("fr", summer) == "15/07/2026 11h00 heure d'été"
    assert "UTC" not in _texts()["description"]


def test_language_tags_per_country():
    assert language_tag("fr", "LU") == "fr-LU"
    assert language_tag("fr", "FR") == "fr-FR"
    assert language_tag("nl", "NL") == "nl-NL"
    assert language_tag("de", "BE") == "de-BE"
    assert language_tag("nl", "DE") == "nl-BE"  # no Dutch variant for DE: the default
    assert language_tag("en", "BE") == "en-GB"


def test_a_status_other_than_actual_leads_the_headline():
    event = _event()
    exercise = warning_texts(
        "en", event=event, level=1, area="Liège", criteria=KMI, model="m", run="r",
        status="Exercise",
    )  # fmt: skip
    test = warning_texts(
        "de", event=event, level=1, area="Liège", criteria=KMI, model="m", run="r", status="Test"
    )
    assert exercise["headline"].startswith("EXERCISE — not a real warning. Crosswarn guidance")
    assert test["headline"].startswith("TEST — keine echte Warnung. Crosswarn-Hinweis")

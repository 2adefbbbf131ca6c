"""Trigger texts (the consultation bulletin: test_bulletin_page.py, test_bulletin_map.py;
the Atom feeds: test_feed.py)."""

from __future__ import annotations

from pipeline.publishing.texts import trigger_headline, trigger_texts
from tests.publishing.authorities import CRITERIA, KMI, WEB

#: BE and DE only: a country without criteria is named by its code.
TWO = {"BE": KMI, "DE": CRITERIA["DE"]}


# --- trigger texts ------------------------------------------------------------------------------


def _trigger_texts(language="en", cancelled=False, **changes):
    trigger = {
        "hazard": "wind",
        "start": "2026-01-15T09:00:00+00:00",
        "end": "2026-01-15T18:00:00+00:00",
        "levels_by_country": {"NL": "orange", "BE": "yellow", "DE": "red"},
        "criteria_mismatches": [("BE008", "BE", 1, "DE", 0), ("NL012", "NL", 2, "BE", 3)],
    } | changes
    return trigger_texts(
        language, trigger, cells=["NCCN", "NCC"], criteria=TWO, status="Actual",
        cancelled=cancelled,
    )  # fmt: skip


def test_trigger_headline_says_guidance_then_the_countries_sorted_and_joined_by_dashes():
    assert _trigger_texts()["headline"] == (
        "Crosswarn guidance under KMI-IRM and DWD criteria, not an official warning — "
        "Joint consultation requested: severe wind gusts (BE-DE-NL)"
    )
    headline = trigger_headline("en", "rain_24h", ["NL", "BE"], criteria=CRITERIA, status="Test")
    assert headline == (
        "TEST — not a real warning. Crosswarn guidance under KMI-IRM and KNMI criteria, not an "
        "official warning — Joint consultation requested: persistent rains (BE-NL)"
    )


def test_trigger_description_lists_levels_mismatches_and_the_official_pages():
    description = _trigger_texts()["description"]
    assert description.startswith(
        "This is crosswarn guidance computed under KMI-IRM and DWD criteria, not an official "
        "warning. From 15/01/2026 10:00 CET to 15/01/2026 19:00 CET, severe wind gusts are "
        "expected on both sides of the border."
    )
    assert (
        "Levels per country, each under its own criteria: BE yellow, DE red, NL orange."
        in description
    )
    # level 0 reads "none"; a country without criteria is named by its code
    assert "BE008: yellow under KMI-IRM, none under DWD" in description
    assert "NL012: orange under NL, red under KMI-IRM" in description
    assert description.endswith(f"Official warnings: KMI-IRM {WEB['BE']}; DWD {WEB['DE']}")
    assert _trigger_texts()["instruction"] == (
        "Crisis cells NCCN, NCC: convene a joint consultation and align your communication."
    )


def test_trigger_texts_read_well_in_every_language():
    french = _trigger_texts("fr", hazard="thunderstorm_rain")["description"]
    assert "on attend des orages des deux côtés de la frontière." in french
    german = _trigger_texts("de", hazard="heat")["description"]
    assert "werden auf beiden Seiten der Grenze Hitzewellen erwartet." in german
    dutch = _trigger_texts("nl")["description"]
    assert "worden aan beide kanten van de grens zware windstoten verwacht." in dutch


def test_trigger_without_mismatches_says_none():
    assert (
        "Differences between criteria: none."
        in (_trigger_texts(criteria_mismatches=[])["description"])
    )
    assert (
        "Écarts entre critères : aucun."
        in (_trigger_texts("fr", criteria_mismatches=[])["description"])
    )


def test_a_cancelled_trigger_reads_as_cancelled():
    texts = _trigger_texts(cancelled=True)
    assert texts["headline"] == (
        "Cancelled: crosswarn guidance under KMI-IRM and DWD criteria, not an official warning — "
        "Joint consultation: severe wind gusts (BE-DE-NL)"
    )
    assert texts["description"].startswith(
        "The joint consultation that crosswarn requested earlier (severe wind gusts, BE-DE-NL, "
        "15/01/2026 10:00 CET to 15/01/2026 19:00 CET) is no longer needed: the latest model "
        "runs no longer show this cross-border event."
    )
    assert texts["instruction"] == (
        "No joint consultation is needed on account of this crosswarn guidance. Follow the "
        "official warnings of KMI-IRM and DWD."
    )

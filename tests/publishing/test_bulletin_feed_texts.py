"""Words and pages for people: texts per language, the Atom feed and the consultation bulletin."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pandas as pd
import pytest
from lxml import etree

from pipeline.ledger.records import SentMessage
from pipeline.publishing.bulletin import bulletin_title, render_bulletin_html
from pipeline.publishing.feed import ATOM, feed_entries, render_feed
from pipeline.publishing.texts import (
    language_tag,
    trigger_headline,
    trigger_texts,
    warning_headline,
    warning_texts,
)

A = {"a": ATOM}
ONSET = datetime(2026, 1, 15, 9, tzinfo=UTC)
EXPIRY = datetime(2026, 1, 15, 18, tzinfo=UTC)
PEAK = datetime(2026, 1, 15, 13, 30, tzinfo=UTC)


def _warning(language="en", **changes) -> dict[str, str]:
    args = dict(
        hazard="wind",
        level=2,
        area="Liège",
        onset=ONSET,
        expiry=EXPIRY,
        peak_value=25.0,
        peak_time=PEAK,
        model="ICON-D2",
        run="2026011500",
        authority="RMI",
        exercise=False,
    )
    return warning_texts(language, **(args | changes))


# --- texts --------------------------------------------------------------------------------------


def test_wind_peak_is_given_in_kmh():
    texts = _warning()
    # 25 m/s x 3.6 = 90 km/h
    assert "gusts up to 90 km/h" in texts["description"]
    assert "gusts up to 90 km/h" not in _warning(peak_value=26.0)["description"]  # 93.6 -> 94
    assert "gusts up to 94 km/h" in _warning(peak_value=26.0)["description"]
    assert "windstoten tot 90 km/u" in _warning("nl")["description"]
    assert "Böen bis 90 km/h" in _warning("de")["description"]


def test_wind_peak_rounding_at_half_a_kmh():
    # 12.5 m/s = 45 km/h exactly; 12.36 m/s = 44.496 km/h -> 44; 12.37 m/s = 44.532 km/h -> 45
    assert "up to 45 km/h" in _warning(peak_value=12.5)["description"]
    assert "up to 44 km/h" in _warning(peak_value=12.36)["description"]
    assert "up to 45 km/h" in _warning(peak_value=12.37)["description"]


def test_warning_texts_in_english():
    texts = _warning()
    assert texts["event"] == "Severe wind gusts"
    assert texts["headline"] == "Orange warning for severe wind gusts: Liège"
    assert texts["description"] == (
        "From 15-01-2026 09:00 to 15-01-2026 18:00 UTC, gusts up to 90 km/h are expected in "
        "Liège. The highest level (orange) is reached around 15-01-2026 13:30 UTC. "
        "Computed from the ICON-D2 model (run 2026011500) with RMI criteria."
    )
    assert texts["instruction"].startswith("Secure loose objects")


def test_exercise_headlines_say_so():
    assert _warning(exercise=True)["headline"] == (
        "EXERCISE — not a real warning. Orange warning for severe wind gusts: Liège"
    )
    assert warning_headline("fr", "wind", 1, "Namur", exercise=True).startswith("EXERCICE")


def test_rain_of_twelve_hours_is_persistent_rain_and_six_hours_is_heavy_rain():
    six = _warning(hazard="rain_6h", peak_value=40.0, level=1)
    twelve = _warning(hazard="rain_12h", peak_value=60.4, level=1)
    assert six["event"] == "Heavy rain"
    assert "rainfall of up to 40 mm in 6 hours" in six["description"]
    assert twelve["event"] == "Persistent rain"  # 12 h is the boundary of persistent rain
    assert "rainfall of up to 60 mm in 12 hours" in twelve["description"]
    assert _warning(hazard="rain_11h", peak_value=1.0, level=1)["event"] == "Heavy rain"


def test_temperatures_are_not_converted():
    assert "temperatures up to 36 °C" in _warning(hazard="heat", peak_value=36.0)["description"]
    cold = _warning(hazard="cold", peak_value=-14.0, level=3)
    assert "temperatures down to -14 °C" in cold["description"]
    assert cold["headline"] == "Red warning for severe cold: Liège"


def test_language_tags_per_country():
    assert language_tag("fr", "LU") == "fr-LU"
    assert language_tag("nl", "NL") == "nl-NL"
    assert language_tag("nl", "DE") == "nl-BE"  # no Dutch variant for DE: the default
    assert language_tag("en", "BE") == "en-GB"


def _trigger_texts(language="en", **changes):
    args = dict(
        hazard="wind",
        levels_by_country={"NL": "orange", "BE": "yellow", "DE": "red"},
        start=ONSET,
        end=EXPIRY,
        cells=["NCCN", "NCC"],
        mismatches=[("BE008", "BE", 1, "DE", 0), ("NL012", "NL", 2, "BE", 3)],
        authorities={"BE": "RMI", "DE": "DWD"},
        exercise=False,
    )
    return trigger_texts(language, **(args | changes))


def test_trigger_headline_has_the_countries_sorted_and_joined_by_dashes():
    assert _trigger_texts()["headline"] == (
        "Joint consultation requested: severe wind gusts (BE-DE-NL)"
    )
    assert trigger_headline("en", "rain_24h", ["NL", "BE"], exercise=False) == (
        "Joint consultation requested: persistent rains (BE-NL)"
    )


def test_trigger_description_lists_levels_and_mismatches():
    description = _trigger_texts()["description"]
    assert "From 15-01-2026 09:00 to 15-01-2026 18:00 UTC" in description
    assert "Levels per country under its own criteria: BE yellow, DE red, NL orange." in description
    # level 0 reads "none"; a country without an authority is named by its code
    assert "BE008: yellow under RMI, none under DWD" in description
    assert "NL012: orange under NL, red under RMI" in description
    assert _trigger_texts()["instruction"] == (
        "Crisis cells NCCN, NCC: convene a joint consultation and align your communication."
    )


def test_trigger_without_mismatches_says_none():
    assert "Differences between criteria: none." in _trigger_texts(mismatches=[])["description"]
    assert "Écarts entre critères : aucun." in _trigger_texts("fr", mismatches=[])["description"]


# --- the Atom feed ------------------------------------------------------------------------------


def _entry(identifier, sent, headline="h", msg_type="Alert", scope="Public"):
    return {
        "identifier": identifier,
        "sent": sent,
        "headline": headline,
        "href": f"{identifier}.xml",
        "msg_type": msg_type,
        "scope": scope,
    }


def test_render_feed_is_atom_with_entries_newest_first():
    entries = [
        _entry("2.49.0.1", "2026-01-15T01:30:00+00:00"),
        _entry("2.49.0.3", "2026-01-15T07:30:00+00:00", headline="Rode waarschuwing & <meer>"),
        _entry("2.49.0.2", "2026-01-15T04:30:00+00:00", msg_type="Update", scope="Restricted"),
    ]
    data = render_feed(
        entries, feed_id="urn:crosswarn:feed", title="crosswarn", updated="2026-01-15T08:00:00Z"
    )
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(data)
    assert root.tag == f"{{{ATOM}}}feed"
    # RFC 4287: a feed has an id, title, updated and an author (or every entry has one)
    assert root.findtext("a:id", namespaces=A) == "urn:crosswarn:feed"
    assert root.findtext("a:title", namespaces=A) == "crosswarn"
    assert root.findtext("a:updated", namespaces=A) == "2026-01-15T08:00:00Z"
    assert root.findtext("a:author/a:name", namespaces=A) == "crosswarn"

    items = root.findall("a:entry", namespaces=A)
    assert [e.findtext("a:id", namespaces=A) for e in items] == [
        "urn:oid:2.49.0.3",
        "urn:oid:2.49.0.2",
        "urn:oid:2.49.0.1",
    ]
    newest = items[0]
    assert newest.findtext("a:title", namespaces=A) == "Rode waarschuwing & <meer>"
    assert newest.findtext("a:updated", namespaces=A) == "2026-01-15T07:30:00+00:00"
    link = newest.find("a:link", namespaces=A)
    assert link.attrib == {
        "rel": "alternate",
        "type": "application/cap+xml",
        "href": "2.49.0.3.xml",
    }
    assert items[1].findtext("a:summary", namespaces=A) == "Update (Restricted)"
    for item in items:  # every entry has the elements RFC 4287 requires
        for tag in ("id", "title", "updated"):
            assert item.findtext(f"a:{tag}", namespaces=A)


def test_render_feed_breaks_ties_of_sent_by_identifier_descending():
    sent = "2026-01-15T01:30:00+00:00"
    data = render_feed(
        [_entry("2.49.0.10", sent), _entry("2.49.0.9", sent)],
        feed_id="f",
        title="t",
        updated=sent,
    )
    ids = etree.fromstring(data).xpath("//a:entry/a:id/text()", namespaces=A)
    assert ids == ["urn:oid:2.49.0.9", "urn:oid:2.49.0.10"]  # string order: '9' > '1'


def test_an_empty_feed_is_still_a_feed():
    root = etree.fromstring(render_feed([], feed_id="f", title="t", updated="u"))
    assert root.findall("a:entry", namespaces=A) == []
    assert root.findtext("a:id", namespaces=A) == "f"


def test_feed_entries_titles_from_what_was_published():
    regions = pd.DataFrame({"name": ["Liège"]}, index=pd.Index(["BE008"], name="region"))
    messages = [
        SentMessage("oid.1", "2026-01-15T01:30:00+00:00", "Alert", "warning", "e1", 2,
                    {"region": "BE008", "hazard": "wind"}),
        SentMessage("oid.2", "2026-01-15T01:30:00+00:00", "Update", "trigger", "t1", 3,
                    {"hazard": "heat", "levels_by_country": {"NL": "red", "BE": "orange"}}),
    ]  # fmt: skip
    first, second = feed_entries(messages, regions, exercise=True)
    assert first == {
        "identifier": "oid.1",
        "sent": "2026-01-15T01:30:00+00:00",
        "headline": "EXERCISE — not a real warning. Orange warning for severe wind gusts: Liège",
        "href": "oid.1.xml",
        "msg_type": "Alert",
        "scope": "Public",
    }
    assert second["headline"] == (
        "EXERCISE — not a real warning. Joint consultation requested: heatwaves (BE-NL)"
    )
    assert second["scope"] == "Restricted"


# --- the consultation bulletin ------------------------------------------------------------------

TRIGGER = {
    "id": "trg-wind-2026011500-1",
    "hazard": "wind",
    "start": "2026-01-15T09:00:00+00:00",
    "end": "2026-01-15T18:00:00+00:00",
    "regions": {"BE008": "orange", "DE127": "yellow"},
    "levels_by_country": {"DE": "yellow", "BE": "orange"},
    "crisis_cells": ["be-nccn"],
    "criteria_mismatches": [],
}
REGIONS = pd.DataFrame(
    {"name": ["Liège <Luik> & co", "Aachen"]}, index=pd.Index(["BE008", "DE127"], name="region")
)
CELLS = [{"name": "NCCN", "address": "mailto:crisis@nccn.example.org"}]


def _bulletin_event(region, country, peak_value, level="orange", **extra):
    return {
        "region": region,
        "country": country,
        "hazard": "wind",
        "onset": "2026-01-15T09:00:00+00:00",
        "expiry": "2026-01-15T18:00:00+00:00",
        "peak_level_name": level,
        "peak_value": peak_value,
        **extra,
    }


def _bulletin(language="en", events=None, exercise=False):
    events = events or [
        _bulletin_event("DE127", "DE", 20.0, "yellow"),
        _bulletin_event("BE008", "BE", 25.0, criteria_mismatches=["DE: red"]),
    ]
    return render_bulletin_html(
        TRIGGER,
        language,
        regions=REGIONS,
        events=events,
        cells=CELLS,
        map_file="trg-map.png",
        exercise=exercise,
        authorities={"BE": "RMI", "DE": "DWD"},
    )


def test_bulletin_escapes_region_names_and_shows_the_peak_in_kmh():
    page = _bulletin()
    assert "Liège &lt;Luik&gt; &amp; co (BE008)" in page
    assert "<Luik>" not in page
    assert "<td>90 km/h</td>" in page  # 25 m/s
    assert "<td>72 km/h</td>" in page  # 20 m/s x 3.6
    assert "&lt;crisis@nccn.example.org&gt;" in page
    assert "mailto:" not in page


def test_bulletin_is_well_formed_html_with_rows_by_country_then_region():
    page = _bulletin()
    tree = lxml.html.fromstring(page)
    assert tree.findtext(".//title") == "Joint consultation requested: severe wind gusts (BE-DE)"
    assert tree.findtext(".//h1") == tree.findtext(".//title")
    rows = tree.findall(".//table/tr")
    assert [th.text for th in rows[0].findall("th")] == [
        "Region", "Country", "Level", "From", "To", "Peak", "Criteria mismatches",
    ]  # fmt: skip
    cells = [[td.text_content() for td in row.findall("td")] for row in rows[1:]]
    assert cells == [
        ["Liège <Luik> & co (BE008)", "BE", "orange", "2026-01-15 09:00", "2026-01-15 18:00",
         "90 km/h", "DE: red"],
        ["Aachen (DE127)", "DE", "yellow", "2026-01-15 09:00", "2026-01-15 18:00", "72 km/h", ""],
    ]  # fmt: skip
    assert tree.find(".//img").get("src") == "trg-map.png"


def test_bulletin_uses_the_published_level_and_the_language():
    events = [_bulletin_event("BE008", "BE", 25.0, "red", published_level="orange")]
    page = _bulletin("de", events=events)
    assert '<html lang="de">' in page
    assert '<td style="background:#ff9900">orange</td>' in page
    assert "<th>Spitze</th>" in page
    nl = _bulletin("nl", events=[_bulletin_event("BE008", "BE", 25.0, "red")])
    assert '<td style="background:#e3001b">rood</td>' in nl


def test_bulletin_is_identical_for_identical_input_and_marks_exercises():
    assert _bulletin() == _bulletin()
    title = bulletin_title(TRIGGER, "en", cells=CELLS, exercise=True)
    assert title == (
        "EXERCISE — not a real warning. Joint consultation requested: severe wind gusts (BE-DE)"
    )
    assert f"<h1>{title}</h1>" in _bulletin(exercise=True)


@pytest.mark.parametrize("language", ["nl", "fr", "de", "en"])
def test_bulletin_renders_in_every_language(language):
    page = _bulletin(language)
    assert "90 km/h" in page
    assert f"crosswarn trigger {TRIGGER['id']}" in page

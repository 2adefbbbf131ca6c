"""Trigger texts, the Atom feed and the consultation bulletin."""

from __future__ import annotations

import lxml.html
import pandas as pd
import pytest
from lxml import etree

from pipeline.ledger.records import SentMessage
from pipeline.publishing.bulletin import bulletin_title, render_bulletin_html
from pipeline.publishing.feed import ATOM, feed_entries, render_feed
from pipeline.publishing.texts import trigger_headline, trigger_texts
from tests.publishing.authorities import CRITERIA, KMI, WEB

A = {"a": ATOM}
#: BE and DE only: a country without criteria is named by its code.
TWO = {"BE": KMI, "DE": CRITERIA["DE"]}

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
    event = {
        "region": "BE008", "country": "BE", "hazard": "wind", "onset": "2026-01-15T09:00:00+00:00",
        "expiry": "2026-01-15T18:00:00+00:00", "peak_level": 2, "peak_time":
        "2026-01-15T13:00:00+00:00", "peak_value": 25.0, "timeline": [], "levels_by_criteria": {},
    }  # fmt: skip
    messages = [
        SentMessage("oid.1", "2026-01-15T01:30:00+00:00", "Alert", "warning", "e1", 2, event),
        SentMessage("oid.2", "2026-01-15T01:30:00+00:00", "Update", "trigger", "t1", 3,
                    {"hazard": "heat", "levels_by_country": {"NL": "red", "BE": "orange"}}),
    ]  # fmt: skip
    first, second = feed_entries(messages, regions, criteria=CRITERIA, status="Exercise")
    assert first == {
        "identifier": "oid.1",
        "sent": "2026-01-15T01:30:00+00:00",
        "headline": "EXERCISE — not a real warning. Crosswarn guidance under KMI-IRM criteria, "
        "not an official KMI-IRM warning — Orange level, severe wind gusts: Liège",
        "href": "oid.1.xml",
        "msg_type": "Alert",
        "scope": "Public",
    }
    assert second["headline"] == (
        "EXERCISE — not a real warning. Crosswarn guidance under KMI-IRM and KNMI criteria, not "
        "an official warning — Joint consultation requested: heatwaves (BE-NL)"
    )
    assert second["scope"] == "Restricted"


# --- the consultation bulletin ------------------------------------------------------------------

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


def _bulletin(language="en", events=None, status="Actual", trigger=TRIGGER):
    events = events or [
        _bulletin_event("DE127", "DE", 20.0, "yellow"),
        _bulletin_event("BE008", "BE", 25.0, criteria_mismatches=["DE: red"]),
    ]
    return render_bulletin_html(
        trigger, language, regions=REGIONS, events=events, cells=CELLS,
        map_file="trg-map.png", criteria=TWO, status=status,
    )  # fmt: skip


def test_bulletin_escapes_region_names_and_shows_the_peak_in_kmh():
    page = _bulletin()
    assert "Liège &lt;Luik&gt; &amp; co (BE008)" in page
    assert "<Luik>" not in page
    assert "<td>90 km/h</td>" in page  # 25 m/s
    assert "<td>72 km/h</td>" in page  # 20 m/s x 3.6
    assert "&lt;crisis@nccn.example.org&gt;" in page
    assert "mailto:" not in page


def test_bulletin_is_well_formed_html_with_rows_by_country_then_region_in_local_time():
    page = _bulletin()
    tree = lxml.html.fromstring(page)
    assert tree.findtext(".//title") == (
        "Crosswarn guidance under KMI-IRM and DWD criteria, not an official warning — "
        "Joint consultation requested: severe wind gusts (BE-DE)"
    )
    assert tree.findtext(".//h1") == tree.findtext(".//title")
    rows = tree.findall(".//table/tr")
    assert [th.text for th in rows[0].findall("th")] == [
        "Region", "Country", "Level", "From", "To", "Peak", "Criteria mismatches",
    ]  # fmt: skip
    cells = [[td.text_content() for td in row.findall("td")] for row in rows[1:]]
    assert cells == [
        ["Liège <Luik> & co (BE008)", "BE", "orange", "15/01/2026 10:00 CET",
         "15/01/2026 19:00 CET", "90 km/h", "DE: red"],
        ["Aachen (DE127)", "DE", "yellow", "15/01/2026 10:00 CET", "15/01/2026 19:00 CET",
         "72 km/h", ""],
    ]  # fmt: skip
    assert tree.find(".//img").get("src") == "trg-map.png"


def test_bulletin_uses_the_published_level_and_the_language():
    events = [_bulletin_event("BE008", "BE", 25.0, "red", published_level="orange")]
    page = _bulletin("de", events=events)
    assert '<html lang="de">' in page
    assert '<td style="background:#ff9900">orange</td>' in page
    assert "<th>Spitze</th>" in page and "<td>15.01.2026 10:00 MEZ</td>" in page
    nl = _bulletin("nl", events=[_bulletin_event("BE008", "BE", 25.0, "red")])
    assert '<td style="background:#e3001b">rood</td>' in nl


def test_bulletin_is_identical_for_identical_input_and_marks_exercises():
    assert _bulletin() == _bulletin()
    title = bulletin_title(TRIGGER, "en", cells=CELLS, criteria=TWO, status="Exercise")
    assert title.startswith("EXERCISE — not a real warning. Crosswarn guidance")
    assert f"<h1>{title}</h1>" in _bulletin(status="Exercise")


def test_a_cancelled_bulletin_says_so():
    title = bulletin_title(TRIGGER, "fr", cells=CELLS, criteria=TWO, status="Actual",
                           cancelled=True)  # fmt: skip
    assert title.startswith("Annulé : avis crosswarn selon les critères de KMI-IRM et DWD")


def test_bulletin_shows_thunderstorm_rain_in_mm():
    trigger = TRIGGER | {"hazard": "thunderstorm_rain"}
    events = [_bulletin_event("BE008", "BE", 32.0) | {"hazard": "thunderstorm_rain"}]
    assert "<td>32 mm</td>" in _bulletin(events=events, trigger=trigger)
    assert "<td>32 l/m²</td>" in _bulletin("de", events=events, trigger=trigger)


@pytest.mark.parametrize(
    ("language", "peak"),
    [("nl", "90 km/u"), ("fr", "90 km/h"), ("de", "90 km/h"), ("en", "90 km/h")],
)
def test_bulletin_renders_in_every_language(language, peak):
    page = _bulletin(language)
    assert f"<td>{peak}</td>" in page
    assert f"crosswarn trigger {TRIGGER['id']}" in page
    assert WEB["BE"] in page


@pytest.mark.parametrize("language", ["nl", "fr", "de", "en"])
def test_times_in_the_bulletin_are_never_utc(language):
    assert "UTC" not in _bulletin(language)

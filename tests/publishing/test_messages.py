"""A run's decisions rendered as the publish stage renders them: every CAP message validated,
a Cancel of either kind an all-clear, and triggers in each convened cell's language variant."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import shapely

from pipeline.assessment.consultation import Trigger, trigger_to_dict
from pipeline.assessment.events import Event, event_to_dict
from pipeline.geo.regions import CrisisCell
from pipeline.ledger.records import Decision
from pipeline.publishing.cap_check import read_cap
from pipeline.publishing.messages import Publication, Rendered, render_bulletins, render_decisions
from tests.publishing.authorities import CRITERIA, WEB

T0 = datetime(2026, 1, 15, 9, tzinfo=UTC)
SENT = "2026-01-15T01:30:00+00:00"
EARLIER = "crosswarn@example.org,2.49.0.0.0.0.CROSSWARN.x.0,2026-01-14T22:30:00+00:00"

REGIONS = gpd.GeoDataFrame(
    {
        "name": ["Liège", "Limburg", "Belgische kustwateren / Eaux côtières belges"],
        "country": ["BE", "NL", "BE"],
        "crisis_cells": [("be-nccn",), ("nl-ncc",), ("be-nccn",)],
        "languages": [("fr", "de"), ("nl",), ("nl", "fr")],
    },
    geometry=[shapely.box(5.5, 50.2, 6.0, 50.8), shapely.box(5.6, 50.8, 6.1, 51.3),
              shapely.box(2.5, 51.1, 3.4, 51.6)],
    index=["BE008", "NL012", "BE801"],
    crs="EPSG:4326",
)  # fmt: skip


def _cell(id: str, country: str, languages: tuple[str, ...]) -> CrisisCell:
    return CrisisCell(
        id=id, name=id.upper(), country=country, level="national", languages=languages,
        address=f"mailto:{id}@example.org", verified=False, note="a test cell",
    )  # fmt: skip


CELLS = {
    "be-nccn": _cell("be-nccn", "BE", ("nl", "fr", "de")),
    "nl-ncc": _cell("nl-ncc", "NL", ("nl",)),
}
PUBLICATION = Publication(
    sender="crosswarn@example.org", status="Exercise", source_id="consultation",
    run="2026011500", model="DWD ICON-D2", attribution="Source: DWD",
    contact="crosswarn operator <operator@example.org>", email=True,
)  # fmt: skip


def _event(region: str, level: int) -> Event:
    return Event(
        region=region, country=REGIONS.loc[region, "country"], hazard="wind", onset=T0,
        expiry=T0 + timedelta(hours=9), peak_level=level, peak_time=T0 + timedelta(hours=4),
        peak_value=30.0, timeline=(),
    )  # fmt: skip


def _decision(kind, msg_type, number, level, data) -> dict:
    references = EARLIER if msg_type != "Alert" else ""
    identifier = f"2.49.0.0.0.0.CROSSWARN.x.{number}"
    return asdict(Decision(kind, "s", msg_type, identifier, SENT, references, level, data))


def _render(decisions: list[dict]) -> Rendered:
    """What the publish stage renders (the CAP messages), then the bulletins stage (pages,
    maps and mail)."""
    messages = render_decisions(
        decisions, PUBLICATION, regions=REGIONS, criteria=CRITERIA, cells=CELLS, nuts3={}
    )
    bulletins = render_bulletins(
        decisions, [], PUBLICATION, regions=REGIONS, criteria=CRITERIA, cells=CELLS
    )
    assert not set(messages.files) & set(bulletins.files)
    assert all(d.channel == "email" for d in bulletins.deliveries)  # the mail carries them
    return Rendered(messages.files | bulletins.files, messages.deliveries + bulletins.deliveries)


def test_each_message_reaches_the_sink_as_rendered_once_validated():
    decisions = [
        _decision("warning", "Alert", 1, 2, event_to_dict(_event("NL012", 2))),
        _decision("warning", "Cancel", 2, 2, event_to_dict(_event("BE008", 2))),
    ]
    received = []
    messages = render_decisions(
        decisions, PUBLICATION, regions=REGIONS, criteria=CRITERIA, cells=CELLS, nuts3={},
        sink=lambda name, data: received.append((name, data)),
    )  # fmt: skip
    assert [name for name, _ in received] == [
        "2.49.0.0.0.0.CROSSWARN.x.1.xml", "2.49.0.0.0.0.CROSSWARN.x.2.xml"
    ]  # fmt: skip
    assert dict(received) == messages.files


def test_warnings_speak_the_regions_variants_and_link_their_authority():
    decisions = [
        _decision("warning", "Alert", 1, 2, event_to_dict(_event("NL012", 2))),
        _decision("warning", "Cancel", 2, 2, event_to_dict(_event("BE008", 2))),
    ]
    rendered = _render(decisions)
    dutch = read_cap(rendered.files["2.49.0.0.0.0.CROSSWARN.x.1.xml"])
    assert [i["language"] for i in dutch["info"]] == ["nl-NL", "en-GB"]
    assert {i["web"] for i in dutch["info"]} == {WEB["NL"]}
    cancelled = read_cap(rendered.files["2.49.0.0.0.0.CROSSWARN.x.2.xml"])
    assert [i["language"] for i in cancelled["info"]] == ["fr-BE", "de-BE", "en-GB"]
    assert {i["responseType"] for i in cancelled["info"]} == {"AllClear"}


def test_a_trigger_cancelled_by_the_ledger_renders_in_each_cells_variant():
    trigger = Trigger(
        id="wind-2026011509-abcd1234", hazard="wind", start=T0, end=T0 + timedelta(hours=9),
        regions={"BE008": 2, "NL012": 3}, levels_by_country={"BE": 2, "NL": 3},
        crisis_cells=("be-nccn", "nl-ncc"), mismatches=(), events=(),
    )  # fmt: skip
    # as pipeline.ledger.decisions.decide_triggers writes an ended trigger: levels as numbers,
    # no crisis cells (they come from the regions)
    ended = {
        "id": trigger.id, "hazard": "wind", "regions": {"BE008": 2, "NL012": 3},
        "levels_by_country": {"BE": 2, "NL": 3}, "start": "2026-01-15T09:00:00+00:00",
        "end": "2026-01-15T18:00:00+00:00", "ended": True,
    }  # fmt: skip
    rendered = _render([
        _decision("trigger", "Alert", 3, 3, trigger_to_dict(trigger)),
        _decision("trigger", "Cancel", 4, 0, ended),
    ])  # fmt: skip
    for number in (3, 4):
        message = read_cap(rendered.files[f"2.49.0.0.0.0.CROSSWARN.x.{number}.xml"])
        tags = [i["language"] for i in message["info"]]
        assert tags == ["nl-BE", "fr-BE", "de-BE", "nl-NL", "en-GB"]
        web = {i["language"]: i["web"] for i in message["info"]}
        assert web["nl-BE"] == WEB["BE"] and web["nl-NL"] == web["en-GB"] == WEB["NL"]
    cancel = read_cap(rendered.files["2.49.0.0.0.0.CROSSWARN.x.4.xml"])
    assert {i["responseType"] for i in cancel["info"]} == {"AllClear"}
    assert cancel["info"][0]["areas"][0]["description"] == "Liège (oranje)"
    # the cells' mail: the subject reads as cancelled in the cell's first language
    mails = [d for d in rendered.deliveries if d.identifier.endswith(".4") and d.channel == "email"]
    assert sorted(d.target for d in mails) == [
        "mailto:be-nccn@example.org",
        "mailto:nl-ncc@example.org",
    ]
    cancelled = "[crosswarn – overleg] OEFENING — geen echte waarschuwing. Ingetrokken: "
    assert all(d.subject.startswith(cancelled) for d in mails)
    page = rendered.files["2.49.0.0.0.0.CROSSWARN.x.4-fr.html"].decode()
    assert "Annulé : avis crosswarn" in page


def test_marine_areas_get_marine_advice_in_the_published_message():
    rendered = _render([_decision("warning", "Alert", 5, 2, event_to_dict(_event("BE801", 2)))])
    message = read_cap(rendered.files["2.49.0.0.0.0.CROSSWARN.x.5.xml"])
    english = message["info"][-1]["instruction"]
    assert english.startswith("Shipping: secure cargo and deck gear") and "park" not in english


def test_an_older_trigger_naming_a_retired_cell_convenes_its_regions_cells():
    """A trigger the ledger recorded before the cells were reorganised (cell ``de-nw``, gone
    now): its Update still renders, to the cells its regions name today."""
    trigger = Trigger(
        id="wind-2026011509-abcd1234", hazard="wind", start=T0, end=T0 + timedelta(hours=9),
        regions={"BE008": 2, "NL012": 1}, levels_by_country={"BE": 2, "NL": 1},
        crisis_cells=("be-nccn", "de-nw"), mismatches=(), events=(),
    )  # fmt: skip
    rendered = _render([_decision("trigger", "Update", 6, 2, trigger_to_dict(trigger))])
    message = read_cap(rendered.files["2.49.0.0.0.0.CROSSWARN.x.6.xml"])
    assert sorted(message["addresses"]) == [
        "mailto:be-nccn@example.org",
        "mailto:nl-ncc@example.org",
    ]


def test_a_trigger_has_a_bulletin_and_a_map_per_language_and_each_cell_gets_its_own():
    trigger = Trigger(
        id="wind-2026011509-abcd1234", hazard="wind", start=T0, end=T0 + timedelta(hours=9),
        regions={"BE008": 2, "NL012": 3}, levels_by_country={"BE": 2, "NL": 3},
        crisis_cells=("be-nccn", "nl-ncc"), mismatches=(), events=(),
    )  # fmt: skip
    rendered = _render([_decision("trigger", "Alert", 7, 3, trigger_to_dict(trigger))])
    stem = "2.49.0.0.0.0.CROSSWARN.x.7"
    languages = ("nl", "fr", "de", "en")  # the NCCN's three, the NCC's Dutch, and English
    assert {n for n in rendered.files if n != f"{stem}.xml"} == {
        f"{stem}-{lang}.{ext}" for lang in languages for ext in ("html", "png")
    }
    for language in languages:
        page = rendered.files[f"{stem}-{language}.html"].decode()
        assert f'<img src="{stem}-{language}.png"' in page
        assert rendered.files[f"{stem}-{language}.png"].startswith(b"\x89PNG")
    mails = {d.target: d.files for d in rendered.deliveries if d.channel == "email"}
    dutch = [f"{stem}.xml", f"{stem}-nl.html", f"{stem}-nl.png"]
    assert mails["mailto:nl-ncc@example.org"] == dutch
    assert mails["mailto:be-nccn@example.org"] == [
        f"{stem}.xml", *(f"{stem}-{lang}.html" for lang in ("nl", "fr", "de")),
        *(f"{stem}-{lang}.png" for lang in ("nl", "fr", "de")),
    ]  # fmt: skip

"""The Atom feeds: RFC 4287 shape, order by severity then onset, titles in each language,
links relative to where each feed lies, and Restricted messages only in restricted feeds."""

from __future__ import annotations

import pandas as pd
from lxml import etree

from pipeline.ledger.records import SentMessage
from pipeline.publishing.feed import (
    ATOM,
    XML_LANG,
    entries_by_language,
    feed_entries,
    feed_files,
    render_feed,
)
from tests.publishing.authorities import CRITERIA

A = {"a": ATOM}
SENT = "2026-01-15T01:30:00+00:00"
REGIONS = pd.DataFrame(
    {"name": ["Liège", "Limburg"]}, index=pd.Index(["BE008", "NL012"], name="region")
)
RUN, EARLIER = "2026011503", "2026011500"
PREFIX = "2.49.0.0.0.0.CROSSWARN.dwd-icon-d2"


def _event(region="BE008", country="BE", onset="09:00", expiry="18:00", level=2) -> dict:
    return {
        "region": region, "country": country, "hazard": "wind",
        "onset": f"2026-01-15T{onset}:00+00:00", "expiry": f"2026-01-15T{expiry}:00+00:00",
        "peak_level": level, "peak_time": f"2026-01-15T{onset}:00+00:00", "peak_value": 25.0,
        "timeline": [], "levels_by_criteria": {},
    }  # fmt: skip


def _warning(identifier, run=RUN, level=2, sent=SENT, **event) -> SentMessage:
    data = _event(level=level, **event)
    return SentMessage(identifier, sent, "Alert", "warning", "e", level, data, run=run)


TRIGGER = SentMessage(
    f"{PREFIX}.{RUN}.trigger", SENT, "Update", "trigger", "t1", 3,
    {"hazard": "heat", "levels_by_country": {"NL": 3, "BE": 2},
     "regions": {"BE008": 2, "NL012": 3}, "start": "2026-01-15T09:00:00+00:00",
     "end": "2026-01-15T18:00:00+00:00"},
    run=RUN,
)  # fmt: skip


def _ids(data: bytes) -> list[str]:
    return etree.fromstring(data).xpath("//a:entry/a:id/text()", namespaces=A)


def test_a_feed_is_atom_with_what_rfc_4287_requires():
    entries = feed_entries([_warning("oid.1")], REGIONS, criteria=CRITERIA, status="Actual")
    data = render_feed(entries, feed_id="urn:crosswarn:feed", title="crosswarn",
                       updated="2026-01-15T08:00:00Z", language="nl",
                       siblings={"en": "feed.atom", "nl": "feed-nl.atom"})  # fmt: skip
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(data)
    assert root.tag == f"{{{ATOM}}}feed" and root.get(XML_LANG) == "nl"
    # a feed has an id, title, updated and an author (or every entry has one)
    assert root.findtext("a:id", namespaces=A) == "urn:crosswarn:feed"
    assert root.findtext("a:title", namespaces=A) == "crosswarn"
    assert root.findtext("a:updated", namespaces=A) == "2026-01-15T08:00:00Z"
    assert root.findtext("a:author/a:name", namespaces=A) == "crosswarn"
    links = [dict(link.attrib) for link in root.findall("a:link", namespaces=A)]
    assert links == [
        {"type": "application/atom+xml", "href": "feed.atom", "rel": "alternate", "hreflang": "en"},
        {"type": "application/atom+xml", "href": "feed-nl.atom", "rel": "self"},
    ]
    (item,) = root.findall("a:entry", namespaces=A)
    for tag in ("id", "title", "updated"):  # every entry has what RFC 4287 requires
        assert item.findtext(f"a:{tag}", namespaces=A)
    assert item.findtext("a:updated", namespaces=A) == SENT
    assert dict(item.find("a:link", namespaces=A).attrib) == {
        "rel": "alternate", "type": "application/cap+xml", "href": "oid.1.xml",
    }  # fmt: skip
    assert item.findtext("a:summary", namespaces=A) == "Alert (Public)"


def test_entries_by_severity_then_onset_then_identifier_never_by_time_sent():
    messages = [
        _warning("oid.a", level=1, onset="06:00", sent="2026-01-15T04:30:00+00:00"),  # newest
        _warning("oid.z", level=2, onset="10:00"),
        _warning("oid.b", level=3, onset="12:00"),
        _warning("oid.y", level=2, onset="10:00"),  # same level and onset: by identifier
        _warning("oid.zz", level=2, onset="09:59", expiry="10:30"),  # a minute earlier
    ]
    entries = feed_entries(messages, REGIONS, criteria=CRITERIA, status="Actual")
    ids = _ids(render_feed(entries, feed_id="f", title="t", updated=SENT))
    assert ids == ["urn:oid:oid.b", "urn:oid:oid.zz", "urn:oid:oid.y", "urn:oid:oid.z",
                   "urn:oid:oid.a"]  # fmt: skip


def test_titles_are_in_the_feeds_language_with_level_and_onset():
    messages = [_warning("oid.1"), TRIGGER]
    english = feed_entries(messages, REGIONS, criteria=CRITERIA, status="Exercise")
    assert english[0]["title"] == (
        "EXERCISE — not a real warning. Orange – severe wind gusts – Liège – 15/01 10:00–19:00 "
        "CET — crosswarn guidance under KMI-IRM criteria, not an official KMI-IRM warning"
    )
    assert english[1]["title"] == (
        "[crosswarn – consultation] EXERCISE — not a real warning. Update: Red – heatwaves – "
        "Limburg, Liège – 15/01 10:00–19:00 CET — crosswarn guidance under KMI-IRM and KNMI "
        "criteria, not an official warning"
    )
    assert [e["scope"] for e in english] == ["Public", "Restricted"]
    dutch = feed_entries(messages, REGIONS, criteria=CRITERIA, status="Actual", language="nl")
    assert dutch[0]["title"] == (
        "Oranje – zware windstoten – Liège – 15-01 10:00–19:00 MET — crosswarn-advies volgens "
        "KMI-IRM-criteria, geen officiële KMI-IRM-waarschuwing"
    )


def _render(messages, **feed) -> dict[str, bytes]:
    """The feed files of ``messages``, as publish renders them (entries titled once)."""
    entries = entries_by_language(messages, REGIONS, criteria=CRITERIA, status="Actual")
    return feed_files(entries, updated=SENT, **feed)


def _feeds(messages, *, run=RUN, restricted=False) -> dict[str, etree._Element]:
    files = _render(
        messages, source_id="dwd-icon-d2", sender="crosswarn@example.org", run=run,
        restricted=restricted,
    )  # fmt: skip
    return {name: etree.fromstring(data) for name, data in files.items()}


def _hrefs(feed: etree._Element) -> list[str]:
    return feed.xpath("//a:entry/a:link/@href", namespaces=A)


def test_links_from_the_run_folder_reach_this_and_earlier_runs_and_flat_from_the_outbox():
    messages = [_warning(f"{PREFIX}.{EARLIER}.old", run=EARLIER, level=3), _warning("oid.new")]
    in_run = _feeds(messages)
    assert sorted(in_run) == ["feed-de.atom", "feed-fr.atom", "feed-nl.atom", "feed.atom"]
    for feed in in_run.values():
        assert _hrefs(feed) == [f"../{EARLIER}/cap/{PREFIX}.{EARLIER}.old.xml", "cap/oid.new.xml"]
    outbox = _feeds(messages, run=None)
    assert sorted(outbox) == [f"feed-dwd-icon-d2{s}.atom" for s in ("-de", "-fr", "-nl", "")]
    assert _hrefs(outbox["feed-dwd-icon-d2-fr.atom"]) == [
        f"{PREFIX}.{EARLIER}.old.xml",
        "oid.new.xml",
    ]
    french = outbox["feed-dwd-icon-d2-fr.atom"]
    assert french.findtext("a:title", namespaces=A) == "avis crosswarn en vigueur — dwd-icon-d2"
    feed_id = french.findtext("a:id", namespaces=A)
    assert feed_id == "urn:crosswarn:crosswarn@example.org:dwd-icon-d2:fr"


def test_restricted_messages_only_in_restricted_feeds_that_public_ones_never_link():
    feeds = _feeds([_warning("oid.public"), TRIGGER])  # a Restricted message: both kinds
    assert sorted(feeds) == sorted(
        [f"feed{scope}{lang}.atom" for scope in ("", "-restricted") for lang in
         ("", "-nl", "-fr", "-de")]
    )  # fmt: skip
    for name, feed in feeds.items():
        hrefs = feed.xpath("//a:link/@href", namespaces=A)
        if "restricted" in name:
            assert _hrefs(feed) == [f"cap/{TRIGGER.identifier}.xml"]
            assert all("restricted" in h for h in hrefs if h.endswith(".atom"))
            assert feed.findtext("a:id", namespaces=A).split(":")[4] == "restricted"
        else:
            assert _hrefs(feed) == ["cap/oid.public.xml"]
            assert not any("restricted" in h or "trigger" in h for h in hrefs)
    german = feeds["feed-restricted-de.atom"]
    assert german.findtext("a:title", namespaces=A) == (
        "geltende crosswarn-Hinweise — dwd-icon-d2 (eingeschränkt: nur Krisenstäbe)"
    )
    assert german.findtext("a:entry/a:summary", namespaces=A) == "Update (Restricted)"


def test_the_consultation_has_its_restricted_feeds_even_when_nothing_is_in_force():
    assert sorted(_feeds([_warning("oid.public")])) == sorted(_feeds([]))  # public only
    empty = _feeds([], restricted=True)
    assert len(empty) == 8 and "feed-restricted-nl.atom" in empty
    for feed in empty.values():  # dated by the run: an empty feed still says how fresh it is
        assert feed.findall("a:entry", namespaces=A) == []
        assert feed.findtext("a:updated", namespaces=A) == SENT


def test_feeds_are_identical_for_identical_input():
    messages = [_warning("oid.1"), TRIGGER]
    assert _render(messages, source_id="s", sender="x", run=RUN, restricted=True) == _render(
        list(reversed(messages)), source_id="s", sender="x", run=RUN, restricted=True
    )

"""An Atom feed (RFC 4287) of the active alerts, as national CAP feeds publish them."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from pipeline.assessment.criteria import AuthorityCriteria
from pipeline.assessment.events import event_from_dict
from pipeline.ledger.records import SentMessage
from pipeline.publishing.texts import trigger_headline, warning_headline

ATOM = "http://www.w3.org/2005/Atom"


def render_feed(entries: list[dict], *, feed_id: str, title: str, updated: str) -> bytes:
    """``entries``: dicts with identifier, sent, headline, href, scope (newest first)."""
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})

    def sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
        element = etree.SubElement(parent, f"{{{ATOM}}}{tag}", **attrs)
        if text is not None:
            element.text = text
        return element

    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "updated", updated)
    author = sub(feed, "author")
    sub(author, "name", "crosswarn")
    for entry in sorted(entries, key=lambda e: (e["sent"], e["identifier"]), reverse=True):
        item = sub(feed, "entry")
        sub(item, "id", f"urn:oid:{entry['identifier']}")
        sub(item, "title", entry["headline"])
        sub(item, "updated", entry["sent"])
        sub(item, "link", rel="alternate", type="application/cap+xml", href=entry["href"])
        sub(item, "summary", f"{entry['msg_type']} ({entry['scope']})")
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def feed_entries(
    messages: list[SentMessage],
    regions,
    *,
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
) -> list[dict]:
    """Atom entries for messages in force (the ledger's :meth:`active_messages`), titled with
    their English headline, computed from what was published rather than read back."""
    entries = []
    for message in messages:
        data = message.data
        if message.kind == "warning":
            event = event_from_dict(data)
            title = warning_headline(
                "en", event=event, level=message.level, criteria=criteria[event.country],
                area=str(regions.loc[event.region, "name"]), status=status,
            )  # fmt: skip
            scope = "Public"
        else:
            countries = data["levels_by_country"]
            title = trigger_headline(
                "en", data["hazard"], countries, criteria=criteria, status=status
            )
            scope = "Restricted"
        entries.append(
            {
                "identifier": message.identifier,
                "sent": message.sent,
                "headline": title,
                "href": f"{message.identifier}.xml",
                "msg_type": message.msg_type,
                "scope": scope,
            }
        )
    return entries

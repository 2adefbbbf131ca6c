"""Atom feeds (RFC 4287) of the messages in force, as national CAP feeds publish them.

- **One feed per language**: ``feed.atom`` in English, ``feed-nl.atom``, ``feed-fr.atom``,
  ``feed-de.atom``, each listing every message in force with titles in its language. Chosen
  over one feed with ``xml:lang`` per entry: a feed reader shows one list, and a crisis cell
  subscribes to the language it works in; entries in every language would list each message
  four times, and one language per entry would leave a list no one reads whole. Each feed links
  its siblings (``rel="alternate"``, ``hreflang``).
- **Public and restricted apart**: consultation triggers are CAP ``Restricted`` messages for
  the crisis cells; they are listed only in the restricted feeds (``feed-restricted.atom``,
  ``feed-restricted-nl.atom`` ...), which a server must give to those cells alone. A public
  feed lists Public messages only and links no restricted file, not even a restricted feed.
- **Links resolve from where the feed lies**: in a run's folder (``out/{source}/{run}/``) the
  run's own messages are ``cap/{id}.xml`` and those of an earlier run still in force
  ``../{run}/cap/{id}.xml`` (housekeeping keeps that folder while they are); in the outbox,
  a flat folder, ``{id}.xml``.
- **Order**: by severity (Extreme, Severe, Moderate, Minor), then onset, then identifier.
- **Titles** give level, hazard, area and local window first (:mod:`pipeline.publishing.titles`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from lxml import etree

from pipeline.assessment.criteria import AuthorityCriteria
from pipeline.assessment.events import event_from_dict
from pipeline.ledger.records import SentMessage
from pipeline.publishing.titles import trigger_title, warning_title

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: The feeds' languages; English is the unsuffixed ``feed.atom``.
LANGUAGES = ("en", "nl", "fr", "de")
FEED_TITLE = {
    "en": "crosswarn guidance in force — {source}",
    "nl": "crosswarn-advies van kracht — {source}",
    "fr": "avis crosswarn en vigueur — {source}",
    "de": "geltende crosswarn-Hinweise — {source}",
}
#: Atom's qualified tags by name (a feed has some thousand elements).
_ATOM = {
    tag: f"{{{ATOM}}}{tag}"
    for tag in ("feed", "id", "title", "updated", "author", "name", "link", "entry", "summary")
}
RESTRICTED_TITLE = {
    "en": " (restricted: crisis cells only)",
    "nl": " (beperkt: alleen crisiscellen)",
    "fr": " (restreint : cellules de crise uniquement)",
    "de": " (eingeschränkt: nur Krisenstäbe)",
}


def feed_name(language: str, *, restricted: bool = False, prefix: str = "feed") -> str:
    """``feed.atom``, ``feed-nl.atom``, ``feed-restricted.atom``, ``feed-restricted-nl.atom``
    (with ``prefix`` ``feed-{source}`` in the outbox)."""
    scope = "-restricted" if restricted else ""
    suffix = "" if language == "en" else f"-{language}"
    return f"{prefix}{scope}{suffix}.atom"


def feed_files(
    entries: Mapping[str, list[dict]],
    *,
    source_id: str,
    sender: str,
    updated: str,
    run: str | None,
    restricted: bool,
) -> dict[str, bytes]:
    """Every feed of ``source_id``'s messages in force, from their entries in every language
    (:func:`entries_by_language`, built once for the run's folder and the outbox alike), by
    file name: in the folder of ``run``, or flat in the outbox (``run`` None, names prefixed
    ``feed-{source}``). The restricted feeds are written when ``restricted`` (the
    consultation's, even empty) or when any message is Restricted."""
    prefix = "feed" if run is not None else f"feed-{source_id}"
    files = {}
    for language in LANGUAGES:
        with_restricted = restricted or any(e["scope"] == "Restricted" for e in entries[language])
        for is_restricted in (False, True) if with_restricted else (False,):
            scope = "Restricted" if is_restricted else "Public"
            siblings = {lang: feed_name(lang, restricted=is_restricted, prefix=prefix)
                        for lang in LANGUAGES}  # fmt: skip
            title = FEED_TITLE[language].format(source=source_id)
            files[siblings[language]] = render_feed(
                [e for e in entries[language] if e["scope"] == scope],
                feed_id=_feed_id(sender, source_id, language, restricted=is_restricted),
                title=title + (RESTRICTED_TITLE[language] if is_restricted else ""),
                updated=updated,
                language=language,
                href=lambda entry: _href(entry, run),
                siblings=siblings,
            )
    return files


def render_feed(
    entries: list[dict],
    *,
    feed_id: str,
    title: str,
    updated: str,
    language: str = "en",
    href: Callable[[dict], str] = lambda entry: f"{entry['identifier']}.xml",
    siblings: Mapping[str, str] | None = None,
) -> bytes:
    """One feed: ``entries`` as :func:`feed_entries` makes them, ``href`` each one's CAP file
    as a link from the feed, ``siblings`` the file names of this feed in each language (its
    own is the ``self`` link)."""
    feed = etree.Element(_ATOM["feed"], {XML_LANG: language}, nsmap={None: ATOM})

    def sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
        element = etree.SubElement(parent, _ATOM[tag], **attrs)
        if text is not None:
            element.text = text
        return element

    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    sub(feed, "updated", updated)
    author = sub(feed, "author")
    sub(author, "name", "crosswarn")
    for lang, name in (siblings or {}).items():
        rel = {"rel": "self"} if lang == language else {"rel": "alternate", "hreflang": lang}
        sub(feed, "link", type="application/atom+xml", href=name, **rel)
    for entry in sorted(entries, key=lambda e: (-e["level"], e["onset"], e["identifier"])):
        item = sub(feed, "entry")
        sub(item, "id", f"urn:oid:{entry['identifier']}")
        sub(item, "title", entry["title"])
        sub(item, "updated", entry["sent"])
        sub(item, "link", rel="alternate", type="application/cap+xml", href=href(entry))
        sub(item, "summary", f"{entry['msg_type']} ({entry['scope']})")
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def feed_entries(
    messages: list[SentMessage],
    regions,
    *,
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
    language: str = "en",
) -> list[dict]:
    """The feed's entries for messages in force, titled in ``language`` from what was
    published (not read back): identifier, run, sent, title, msg_type, scope, level (the
    published one: severity orders the feed) and onset."""
    return entries_by_language(
        messages, regions, criteria=criteria, status=status, languages=(language,)
    )[language]


def entries_by_language(
    messages: list[SentMessage],
    regions,
    *,
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
    languages: tuple[str, ...] = LANGUAGES,
) -> dict[str, list[dict]]:
    """:func:`feed_entries` in each of ``languages``, each message read once for all."""
    names = regions["name"].astype(str).to_dict()
    entries: dict[str, list[dict]] = {language: [] for language in languages}
    for message in messages:
        data = message.data
        if message.kind == "warning":
            event = event_from_dict(data)
            area = names[event.region]
            titles = {
                language: warning_title(
                    language, event=event, level=message.level, area=area, criteria=criteria,
                    status=status,
                )
                for language in languages
            }  # fmt: skip
            scope, onset = "Public", event.onset
        else:
            titles = {
                language: trigger_title(
                    language, data, names=names, criteria=criteria, status=status,
                    msg_type=message.msg_type,
                )
                for language in languages
            }  # fmt: skip
            scope, onset = "Restricted", datetime.fromisoformat(data["start"])
        for language in languages:
            entries[language].append(
                {
                    "identifier": message.identifier,
                    "run": message.run,
                    "sent": message.sent,
                    "title": titles[language],
                    "msg_type": message.msg_type,
                    "scope": scope,
                    "level": message.level,
                    "onset": onset,
                }
            )
    return entries


def _feed_id(sender: str, source_id: str, language: str, *, restricted: bool) -> str:
    """``urn:crosswarn:{sender}:{source}``, then ``:restricted`` and ``:{language}`` (but
    English): the run's feed and the outbox's newest copy are one feed."""
    parts = [sender, source_id, *["restricted"] * restricted, *[language] * (language != "en")]
    return ":".join(["urn:crosswarn", *parts])


def _href(entry: dict, run: str | None) -> str:
    """The entry's CAP file from a feed in ``run``'s folder, or in the outbox (None)."""
    name = f"{entry['identifier']}.xml"
    if run is None:
        return name
    return f"cap/{name}" if entry["run"] == run else f"../{entry['run']}/cap/{name}"

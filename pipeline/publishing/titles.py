"""Titles read at a glance: a consultation trigger's e-mail subject and a feed entry's title,
per language (nl, fr, de, en).

Level first, then hazard, areas and the local time window ("Orange – severe wind gusts –
Liège, Aachen, … – 15/01 14:00–20:00 CET"), so that a crisis cell sees what, where and when
before opening anything. Each says whose it is -- the subject's ``[crosswarn – consultation]``
tag, the title's statement that this is crosswarn guidance and not an authority's warning --
and marks exercises, tests, updates and cancellations as the headlines do.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import zip_longest

from pipeline.assessment.criteria import LEVELS, AuthorityCriteria
from pipeline.assessment.events import Event
from pipeline.publishing import phrases
from pipeline.publishing.amounts import word_group
from pipeline.publishing.texts import LEVEL_NAMES, guidance_note, hazard_noun, local

#: The subject's tag, after "crosswarn – ".
TAG = {"nl": "overleg", "fr": "concertation", "de": "Beratung", "en": "consultation"}
UPDATE = {"nl": "Bijgewerkt: ", "fr": "Mise à jour : ", "de": "Aktualisiert: ", "en": "Update: "}
#: A window's times: with the day, and the hour alone (the end on the start's local day).
MOMENT = {
    "nl": ("{t:%d-%m %H:%M}", "{t:%H:%M}"),
    "fr": ("{t:%d/%m %Hh%M}", "{t:%Hh%M}"),
    "de": ("{t:%d.%m. %H:%M}", "{t:%H:%M}"),
    "en": ("{t:%d/%m %H:%M}", "{t:%H:%M}"),
}
#: Areas named before the rest is left to "…" (a subject stays one line).
MAX_AREAS = 3


def window_text(language: str, start: datetime, end: datetime) -> str:
    """A time window in local time, short: "15/01 14:00–20:00 CET", "15/01 20:00 – 16/01 02:00
    CET", and each end's zone when winter and summer time meet in it."""
    first, last = local(start), local(end)
    zones = [phrases.ZONE[language][bool(t.dst())] for t in (first, last)]
    day, hour = MOMENT[language]
    begin = day.format(t=first)
    if zones[0] != zones[1]:
        return f"{begin} {zones[0]} – {day.format(t=last)} {zones[1]}"
    if first.date() == last.date():
        return f"{begin}–{hour.format(t=last)} {zones[1]}"
    return f"{begin} – {day.format(t=last)} {zones[1]}"


def glance(
    language: str, *, level: int, noun: str, areas: Sequence[str], start: datetime, end: datetime
) -> str:
    """Level, hazard, areas (the first :data:`MAX_AREAS`), window, joined by dashes; level 0
    (a cancellation) names none."""
    listed = ", ".join([*areas[:MAX_AREAS], *(["…"] if len(areas) > MAX_AREAS else [])])
    colour = [LEVEL_NAMES[language][level].capitalize()] if level else []
    return " – ".join([*colour, noun, listed, window_text(language, start, end)])


def warning_title(
    language: str,
    *,
    event: Event,
    level: int,
    area: str,
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
) -> str:
    """A warning's feed title: "Orange – Sturmböen – StädteRegion Aachen – 15.01. 10:00–19:00
    MEZ — crosswarn-Hinweis nach DWD-Kriterien, keine amtliche DWD-Warnung"; ``criteria``: every
    authority's, by country (the region's own names the hazard)."""
    noun = hazard_noun(language, event=event, level=level, criteria=criteria[event.country])
    body = glance(
        language, level=level, noun=noun, areas=[area], start=event.onset, end=event.expiry
    )
    note = guidance_note(language, [event.country], criteria=criteria)
    return f"{_status(language, status)}{body} — {note}"


def trigger_subject(
    language: str, trigger: Mapping, *, names: Mapping[str, str], status: str, msg_type: str
) -> str:
    """A trigger's e-mail subject: "[crosswarn – consultation] Orange – severe wind gusts –
    Liège, Aachen, … – 15/01 14:00–20:00 CET". ``trigger`` as the ledger holds it (levels as
    colour names or numbers), ``names`` the regions' names by id."""
    levels = {r: _level(v) for r, v in trigger["regions"].items()}
    cancelled = msg_type == "Cancel"
    body = glance(
        language,
        level=0 if cancelled else max(levels.values(), default=0),
        noun=phrases.TRIGGER_NOUNS[word_group(trigger["hazard"])][language],
        areas=_areas(levels, names),
        start=datetime.fromisoformat(trigger["start"]),
        end=datetime.fromisoformat(trigger["end"]),
    )
    if cancelled:
        body = phrases.SENTENCES[language]["cancelled_mark"] + body
    elif msg_type == "Update":
        body = UPDATE[language] + body
    return f"[crosswarn – {TAG[language]}] {_status(language, status)}{body}"


def trigger_title(
    language: str,
    trigger: Mapping,
    *,
    names: Mapping[str, str],
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
    msg_type: str,
) -> str:
    """A trigger's feed title: its subject and the statement that it is crosswarn guidance."""
    subject = trigger_subject(language, trigger, names=names, status=status, msg_type=msg_type)
    note = guidance_note(language, trigger["levels_by_country"], criteria=criteria)
    return f"{subject} — {note}"


def _status(language: str, status: str) -> str:
    return phrases.STATUS_NOTE.get(status, {}).get(language, "")


def _areas(levels: Mapping[str, int], names: Mapping[str, str]) -> list[str]:
    """A trigger's regions named so that both sides of the border show first: each country's
    from its highest level down (then by name), taken in turn from the countries, the country
    with the highest level first. (A region's EMMA_ID begins with its country.)"""

    def rank(region: str) -> tuple[int, str]:
        return -levels[region], _letters(names.get(region, region))

    by_country: dict[str, list[str]] = {}
    for region in sorted(levels, key=rank):
        by_country.setdefault(region[:2], []).append(region)
    turns = zip_longest(*sorted(by_country.values(), key=lambda regions: rank(regions[0])))
    return [names.get(r, r) for turn in turns for r in turn if r is not None]


def _level(value: int | str) -> int:
    return value if isinstance(value, int) else LEVELS.index(value)


def _letters(name: str) -> str:
    """``name`` as an index orders it: without accents or case (Liège before Limburg)."""
    parts = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in parts if not unicodedata.combining(c))

"""HTML and Atom of the restricted view: a crisis cell's consultations (the triggers that
convene it), with their bulletins, CAP messages and the cells to convene with their addresses.

Only :mod:`pipeline.web.server` calls these, after it has checked that the signed-in cell is
among each trigger's cells.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from html import escape

from pipeline.publishing.feed import render_feed
from pipeline.publishing.texts import local_time_text
from pipeline.web.catalogue import LEVELS, Trigger
from pipeline.web.labels import LANGUAGE_NAMES, WORDS, hazard_name, level_words
from pipeline.web.pages import View, document, level_chip


def login_page(view: View, *, failed: bool = False) -> str:
    words = WORDS[view.lang]
    error = f'<p class="error" role="alert">{words["login_failed"]}</p>' if failed else ""
    body = (
        f"{error}<p>{words['restricted']}</p>"
        f'<form method="post" action="/login?lang={view.lang}" class="login">'
        f'<label for="token">{words["token"]}</label>'
        '<input id="token" name="token" type="password" autocomplete="off" required>'
        f'<button type="submit">{words["login"]}</button></form>'
    )
    return document(view, words["login_title"], body)


def login_required_page(view: View) -> str:
    """What an anonymous request for a restricted page gets (with status 401)."""
    words = WORDS[view.lang]
    body = (
        f'<p>{words["restricted"]}</p><p><a href="/login?lang={view.lang}">{words["login"]}</a></p>'
    )
    return document(view, words["login_title"], body)


def consultations_page(
    view: View,
    cell: str,
    cell_name: str,
    triggers: Iterable[Trigger],
    regions: Mapping[str, tuple[str, str]],
) -> str:
    """The consultations convening ``cell`` (the caller passes only those)."""
    words = WORDS[view.lang]
    articles = "".join(_article(view, t, regions) for t in triggers)
    body = (
        f"<p>{words['restricted']} "
        f'<a href="/consultations/feed.atom" type="application/atom+xml">{words["feed"]}</a></p>'
        + (articles or f"<p>{words['no_consultations']}</p>")
    )
    title = f"{words['own_consultations']} {cell_name} ({cell})"
    return document(view, title, body, signed_in=True)


def _article(view: View, trigger: Trigger, names: Mapping[str, tuple[str, str]]) -> str:
    words = WORDS[view.lang]
    lang = view.lang
    anchor = f"t-{escape(trigger.id)}"
    title = f"{hazard_name(lang, trigger.hazard)} ({'-'.join(trigger.levels_by_country)})"
    window = " – ".join(
        escape(local_time_text(lang, datetime.fromisoformat(t)))
        for t in (trigger.start, trigger.end)
    )
    levels = "".join(
        f"<li>{escape(c)} {level_chip(lang, v)}</li>" for c, v in trigger.levels_by_country.items()
    )
    bulletins = "".join(
        f'<li><a href="/consultations/{escape(trigger.id)}/bulletins/{escape(name)}"'
        f' hreflang="{code}">{LANGUAGE_NAMES.get(code, code)}</a></li>'
        for name in sorted(trigger.bulletins)
        if name.endswith(".html") and (code := name.removesuffix(".html").rsplit("-", 1)[-1])
    )
    cap = (
        f'<li><a href="/consultations/cap/{escape(trigger.cap.identifier)}.xml" '
        f'type="application/cap+xml">{words["cap"]}</a></li>'
        if trigger.cap
        else ""
    )
    convene = "".join(
        f"<tr><td>{escape(str(c.get('name', c.get('id', ''))))}</td>"
        f"<td>{escape(', '.join(c.get('languages', [])))}</td>"
        f"<td>{_address(str(c.get('address', '')))}</td></tr>"
        for c in trigger.convene
    )
    regions = "".join(
        f'<li data-region="{escape(r)}">{escape(names.get(r, (r,))[0])} ({escape(r)}) '
        f"{level_chip(lang, v)}</li>"
        for r, v in sorted(trigger.regions.items(), key=lambda rv: (-LEVELS.index(rv[1]), rv[0]))
        if v in LEVELS
    )
    return (
        f'<article id="{anchor}" aria-labelledby="{anchor}-h">'
        f'<h2 id="{anchor}-h">{escape(title)}</h2>'
        f"<p>{words['window']}: {window}</p>"
        f'<h3>{words["countries_levels"]}</h3><ul class="inline">{levels}</ul>'
        f'<div class="columns"><div class="map map-section" data-trigger="{escape(trigger.id)}" '
        f'data-lang="{lang}" data-label="{escape(words["map"])}" '
        f'data-levels="{escape(level_words(lang))}"></div><div class="list-section">'
        f'<h3>{words["regions"]}</h3><ul class="regions">{regions}</ul></div></div>'
        f'<h3>{words["bulletins"]}</h3><ul class="inline">{bulletins}{cap}</ul>'
        f'<table class="convene"><caption>{words["convene"]}</caption><thead><tr>'
        f'<th scope="col">{words["cell"]}</th><th scope="col">{words["languages"]}</th>'
        f'<th scope="col">{words["address"]}</th></tr></thead><tbody>{convene}</tbody>'
        "</table></article>"
    )


def _address(address: str) -> str:
    """A delivery address, as a link when it is an e-mail address."""
    if address.startswith("mailto:"):
        return f'<a href="{escape(address)}">{escape(address.removeprefix("mailto:"))}</a>'
    return escape(address)


def _headline(trigger: Trigger) -> str:
    """The CAP message's English headline, else its first."""
    infos = sorted(trigger.cap.info, key=lambda i: not (i["language"] or "").startswith("en"))
    return next((i["headline"] for i in infos if i["headline"]), trigger.id)


def restricted_feed(cell: str, triggers: Iterable[Trigger], updated: str) -> bytes:
    """An Atom feed of the consultation messages convening ``cell``, linking them here."""
    entries = [
        {
            "identifier": t.cap.identifier,
            "sent": t.cap.sent,
            "title": _headline(t),
            "msg_type": t.cap.msg_type,
            "scope": t.cap.scope,
            "level": LEVELS.index(max(t.levels_by_country.values(), key=LEVELS.index)),
            "onset": datetime.fromisoformat(t.start),
        }
        for t in triggers
        if t.cap is not None
    ]
    return render_feed(
        entries,
        feed_id=f"urn:crosswarn:web:consultations:{cell}",
        title=f"crosswarn consultations: {cell}",
        updated=updated,
        href=lambda entry: f"/consultations/cap/{entry['identifier']}.xml",
    )

"""HTML of the public view: the page frame, the map and region list, and a region's panel
(levels under each authority's criteria, timeline of its warnings, CAP links).

Pages work without scripts (links carry the choices in the query); ``static/map.js`` draws
the map and loads a region's panel in place. Every text from a file is escaped, and nothing
is inline (no script, no style attribute) so the Content-Security-Policy can forbid both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from urllib.parse import urlencode

from pipeline.assessment.criteria import AuthorityCriteria
from pipeline.publishing.texts import local, local_time_text
from pipeline.web.catalogue import LEVELS, SourceRun, Warning
from pipeline.web.labels import (
    LANGUAGE_NAMES,
    LANGUAGES,
    WORDS,
    hazard_name,
    level_name,
    level_words,
)

COUNTRIES = ("BE", "NL", "LU", "DE", "FR")


@dataclass(frozen=True)
class View:
    """What a request asked to see."""

    lang: str
    source: str | None = None
    country: str | None = None
    region: str | None = None

    def query(self, **changes) -> str:
        values = {
            "lang": self.lang,
            "source": self.source,
            "country": self.country,
            "region": self.region,
            **changes,
        }
        return "?" + urlencode({k: v for k, v in values.items() if v})


def level_chip(lang: str, level: str) -> str:
    return f'<span class="level level-{escape(level)}">{escape(level_name(lang, level))}</span>'


def document(view: View, title: str, body: str, *, nav: str = "", signed_in: bool = False) -> str:
    """A whole page: language switch, links to the public and restricted views, ``body``."""
    words = WORDS[view.lang]
    switch = "".join(
        f'<li><a href="{escape(view.query(lang=lang))}" hreflang="{lang}" lang="{lang}"'
        + (' aria-current="true"' if lang == view.lang else "")
        + f">{LANGUAGE_NAMES[lang]}</a></li>"
        for lang in LANGUAGES
    )
    account = (
        f'<form method="post" action="/logout"><button type="submit">{words["logout"]}</button>'
        "</form>"
        if signed_in
        else ""
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{view.lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        '<link rel="icon" href="/static/icon.svg" type="image/svg+xml">\n'
        '<link rel="stylesheet" href="/static/style.css">\n'
        '<script src="/static/map.js" defer></script>\n</head>\n<body>\n'
        f'<header><p class="brand"><a href="/?lang={view.lang}">crosswarn</a></p>'
        f'<nav aria-label="{words["languages"]}"><ul class="switch">{switch}</ul></nav>'
        f'<nav aria-label="crosswarn"><ul class="switch"><li><a href="/?lang={view.lang}">'
        f'{words["regions"]}</a></li><li><a href="/consultations?lang={view.lang}">'
        f"{words['consultations']}</a></li></ul></nav>{account}</header>\n"
        f"{nav}<main>\n<h1>{escape(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    )


def public_page(
    view: View,
    runs: Mapping[str, SourceRun],
    regions: Mapping[str, tuple[str, str]],
    criteria: Mapping[str, AuthorityCriteria],
) -> str:
    """The public view of one source's newest run (``view.source``, else the newest)."""
    words = WORDS[view.lang]
    run = runs.get(view.source or "")
    nav = _choices(view, runs)
    if run is None:
        return document(view, words["title"], f"<p>{words['no_warnings']}</p>", nav=nav)
    notice = _notice(view.lang, run, criteria)
    warned = sorted(
        (r for r in run.hazards if r in regions and view.country in (None, regions[r][1])),
        key=lambda r: (-LEVELS.index(run.level(r)), regions[r][0]),
    )
    items = "".join(
        f'<li><a href="{escape(view.query(region=r))}#details" data-region="{r}"'
        + (' aria-current="true"' if r == view.region else "")
        + f">{escape(regions[r][0])} ({r}) {level_chip(view.lang, run.level(r))}</a></li>"
        for r in warned
    )
    listing = f'<ul class="regions">{items}</ul>' if items else f"<p>{words['no_warnings']}</p>"
    legend = "".join(f"<li>{level_chip(view.lang, level)}</li>" for level in LEVELS)
    panel = (
        region_panel(view, run, regions, criteria)
        if view.region in regions
        else f"<p>{words['pick']}</p>"
    )
    words_json = escape(level_words(view.lang))
    body = (
        f"{notice}"
        f'<div class="columns"><section aria-labelledby="map-title" class="map-section">'
        f'<h2 id="map-title">{words["map"]}</h2>'
        f'<div id="map" class="map" data-source="{escape(run.source)}" '
        f'data-country="{escape(view.country or "")}" data-lang="{view.lang}" '
        f'data-selected="{escape(view.region or "")}" data-levels="{words_json}" '
        f'data-label="{escape(words["map"])}"></div>'
        f'<h3 id="legend-title">{words["legend"]}</h3>'
        f'<ul class="legend" aria-labelledby="legend-title">{legend}</ul></section>'
        f'<section aria-labelledby="regions-title" class="list-section">'
        f'<h2 id="regions-title">{words["regions"]}</h2>{listing}{_overviews(view, run)}'
        "</section></div>"
        f'<section id="details" aria-labelledby="details-title" aria-live="polite" tabindex="-1">'
        f'<h2 id="details-title">{words["details"]}</h2><div id="panel">{panel}</div></section>'
    )
    return document(view, words["title"], body, nav=nav)


def _choices(view: View, runs: Mapping[str, SourceRun]) -> str:
    """Navigation between models and countries (each a link keeping the other choices)."""
    words = WORDS[view.lang]
    models = "".join(
        f'<li><a href="{escape(view.query(source=s, region=None))}"'
        + (' aria-current="true"' if s == view.source else "")
        + f">{escape(s)} ({words['run']} {escape(r.run)})</a></li>"
        for s, r in runs.items()
    )
    countries = "".join(
        f'<li><a href="{escape(view.query(country=c, region=None))}"'
        + (' aria-current="true"' if c == view.country else "")
        + f">{label}</a></li>"
        for c, label in ((None, words["all"]), *((c, c) for c in COUNTRIES))
    )
    return (
        f'<nav aria-label="{words["sources"]}" class="choices"><ul class="switch">{models}</ul>'
        f'</nav><nav aria-label="{words["countries"]}" class="choices"><ul class="switch">'
        f"{countries}</ul></nav>\n"
    )


def _overviews(view: View, run: SourceRun) -> str:
    """Links to the run's overview bulletin of each country (of the chosen one)."""
    words = WORDS[view.lang]
    items = "".join(
        f"<li>{country}: "
        + " · ".join(
            f'<a href="/bulletins/{escape(run.source)}/{escape(name)}" hreflang="{lang}" '
            f'lang="{lang}">{LANGUAGE_NAMES.get(lang, lang)}</a>'
            for lang, name in pages
        )
        + "</li>"
        for country in COUNTRIES
        if view.country in (None, country) and (pages := run.overview_pages(country))
    )
    if not items:
        return ""
    return f'<h3 id="overviews-title">{words["overviews"]}</h3><ul class="overviews">{items}</ul>'


def _notice(lang: str, run: SourceRun, criteria: Mapping[str, AuthorityCriteria]) -> str:
    words = WORDS[lang]
    links = ", ".join(
        f'<a href="{escape(c.web)}">{escape(c.authority)}</a>' for c in criteria.values()
    )
    exercise = f'<p class="exercise">{words["exercise"]}</p>' if run.status == "Exercise" else ""
    return f'{exercise}<p class="guidance">{words["guidance"]} {links}</p>'


def region_panel(
    view: View,
    run: SourceRun,
    regions: Mapping[str, tuple[str, str]],
    criteria: Mapping[str, AuthorityCriteria],
) -> str:
    """A region's levels per hazard under each authority's criteria and its warnings' timeline."""
    words = WORDS[view.lang]
    name, country = regions[view.region]
    heading = f"<h3>{escape(name)} ({escape(view.region)}, {escape(country)})</h3>"
    hazards = {h: e for h, e in run.hazards.get(view.region, {}).items() if _warned(e)}
    if not hazards:
        return f"{heading}<p>{words['no_region_warning']}</p>"
    authorities = sorted(
        {c for entry in hazards.values() for c in entry.get("by_authority", {})},
        key=lambda c: (c != country, c),
    )
    header = "".join(
        f'<th scope="col">{escape(criteria[c].authority if c in criteria else c)} ({c})</th>'
        for c in authorities
    )
    rows = "".join(
        f'<tr data-hazard="{escape(h)}"><th scope="row">{escape(hazard_name(view.lang, h))}</th>'
        + "".join(
            f'<td data-authority="{c}">'
            f"{level_chip(view.lang, entry.get('by_authority', {}).get(c, 'none'))}</td>"
            for c in authorities
        )
        + "</tr>"
        for h, entry in hazards.items()
    )
    table = (
        f'<table class="levels"><caption>{words["levels"]}</caption><thead><tr>'
        f'<th scope="col">{words["hazard"]}</th>{header}</tr></thead><tbody>{rows}</tbody></table>'
    )
    warnings = sorted(
        (w for w in run.warnings if w.region == view.region), key=lambda w: (w.onset, w.identifier)
    )
    return heading + table + timeline(view.lang, warnings)


def _warned(entry: dict) -> bool:
    """A hazard some authority's criteria put at yellow or above."""
    levels = [entry.get("level", "none"), *entry.get("by_authority", {}).values()]
    return any(level != "none" for level in levels)


def timeline(lang: str, warnings: list[Warning]) -> str:
    """The warnings as bars on a local-time axis (SVG), and the same as a table with the
    times and CAP links (what a screen reader reads)."""
    words = WORDS[lang]
    if not warnings:
        return f"<h4>{words['timeline']}</h4><p>{words['no_region_warning']}</p>"
    start = min(w.onset for w in warnings)
    end = max(w.expires for w in warnings)
    span = max((end - start).total_seconds(), 3600.0)
    width, row, axis = 600, 22, 170  # bars right of the labels, room for the last time

    def x(moment: datetime) -> float:
        return round(axis + (width - 34 - axis) * (moment - start).total_seconds() / span, 1)

    bars = []
    for k, w in enumerate(warnings):
        label = (
            f"{_event(lang, w)}: {level_name(lang, w.level)}, "
            f"{local_time_text(lang, w.onset)} – {local_time_text(lang, w.expires)}"
        )
        bars.append(
            f'<text class="label" x="0" y="{k * row + row - 7}">{escape(_event(lang, w))}</text>'
            f'<rect class="bar level-{w.level}" x="{x(w.onset)}" y="{k * row + 4}" '
            f'width="{max(x(w.expires) - x(w.onset), 2)}" height="{row - 6}">'
            f"<title>{escape(label)}</title></rect>"
        )
    height = len(warnings) * row + 22
    ticks = "".join(
        f'<line class="tick" x1="{x(t)}" x2="{x(t)}" y1="0" y2="{height - 16}"/>'
        f'<text class="time" x="{x(t)}" y="{height - 4}">{t:%d/%m %H:%M}</text>'
        for t in _ticks(local(start), local(end))
    )
    svg = (
        f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="timeline-title"><title id="timeline-title">{words["timeline"]}'
        f"</title>{ticks}{''.join(bars)}</svg>"
    )
    rows = "".join(
        f'<tr><th scope="row">{escape(_event(lang, w))}</th><td>{level_chip(lang, w.level)}</td>'
        f"<td>{escape(local_time_text(lang, w.onset))}</td>"
        f"<td>{escape(local_time_text(lang, w.expires))}</td>"
        f'<td><a href="/cap/{escape(w.identifier)}.xml" type="application/cap+xml">'
        f"{words['cap']}</a></td></tr>"
        for w in warnings
    )
    table = (
        f'<table class="warnings"><caption>{words["in_force"]}</caption><thead><tr>'
        f'<th scope="col">{words["hazard"]}</th><th scope="col">{words["level"]}</th>'
        f'<th scope="col">{words["from"]}</th><th scope="col">{words["to"]}</th>'
        f'<th scope="col">{words["cap"]}</th></tr></thead><tbody>{rows}</tbody></table>'
    )
    return f"<h4>{words['timeline']}</h4>{svg}{table}"


def _ticks(start: datetime, end: datetime) -> list[datetime]:
    """Local times from ``start`` to ``end`` at 00, 06, 12 and 18 h (00 and 12 h beyond a
    day and a quarter, so that labels do not overlap)."""
    step = 6 if end - start <= timedelta(hours=30) else 12
    tick = start.replace(minute=0, second=0, microsecond=0)
    while tick < start or tick.hour % step:
        tick += timedelta(hours=1)
    ticks = []
    while tick <= end:
        ticks.append(tick)
        tick = local(tick + timedelta(hours=step))
    return ticks


def _event(lang: str, warning: Warning) -> str:
    """The warning's event name in ``lang``, else in English (the CAP's languages are the
    region's own and English)."""
    return (
        warning.events.get(lang)
        or warning.events.get("en")
        or next(iter(warning.events.values()), "")
    )


def message_page(view: View, title: str, message: str, *, signed_in: bool = False) -> str:
    return document(view, title, f"<p>{escape(message)}</p>", signed_in=signed_in)

"""The country overview: per run, per country in scope and in each language of its crisis
cells, one page and one map of every region's levels for every hazard, as a national warning
page shows them.

The page holds what the trigger bulletins hold (statement and official pages, issued, next
update, model runs with attribution, legend, contact) and, for the country: a map of the
highest level per region over all hazards (neighbours drawn too, the country framed), a matrix
of regions by hazard, and per hazard a table of the regions with their period, expected amounts
and their level under each authority whose criteria cover them (the region's own and those of
the countries it is linked with across a border), mismatches named. Levels are those of the
run's assessment (each event's peak under the region's own criteria).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from html import escape as e

from pipeline.assessment.criteria import HAZARDS, LEVELS, AuthorityCriteria
from pipeline.geo.basemap import Basemap
from pipeline.geo.regions import CrisisCell
from pipeline.publishing.bulletin_parts import (
    Provenance,
    Row,
    contact,
    facts,
    figure,
    hazard_name,
    legend,
    level_style,
    levels_table,
    notice,
    page,
    window,
)
from pipeline.publishing.bulletin_words import COUNTRIES, WORDS
from pipeline.publishing.maps import render_map
from pipeline.publishing.texts import LEVEL_NAMES

#: Languages a page can be written in, in the order pages are listed.
LANGUAGES = ("nl", "fr", "de", "en")


def render_overviews(
    assessment: dict,
    provenance: Provenance,
    *,
    regions,
    criteria: Mapping[str, AuthorityCriteria],
    cells: Mapping[str, CrisisCell],
    linked: Mapping[str, set[str]],
    basemap: Basemap,
) -> dict[str, bytes]:
    """``overview-{country}-{language}.html`` and ``.png`` for every country in ``regions``
    and each language of its crisis cells. ``linked``: region -> the countries it is linked
    with across a border (whose criteria its mismatches are listed against)."""
    events = assessment["events"]
    highest: dict[str, dict] = {}  # region -> its event with the highest level
    for event in events:
        known = highest.get(event["region"])
        if known is None or event["peak_level"] > known["peak_level"]:
            highest[event["region"]] = event
    levels = {r: LEVELS[ev["peak_level"]] for r, ev in highest.items()}
    chances = {r: ev["probability"] for r, ev in highest.items() if ev.get("probability")}
    files = {}
    for country in sorted(set(regions["country"])):
        own = [str(r) for r in regions.index[regions["country"] == country]]
        mine = [ev for ev in events if ev["country"] == country]
        for language in country_languages(own, regions, cells):
            stem = f"overview-{country}-{language}"
            png, drawing = render_map(
                regions, levels, basemap=basemap, language=language,
                title=f"{WORDS[language]['all_hazards']} — {COUNTRIES[country][language]}",
                subtitle=_period(language, mine), focus=own,
                probabilities={r: p for r, p in chances.items() if r in own},
                credit="; ".join(f"{r.model}: {r.attribution}" for r in provenance.runs),
            )  # fmt: skip
            files[f"{stem}.png"] = png
            html = _page(
                language, country, own, mine, provenance, regions=regions, criteria=criteria,
                linked=linked, map_file=f"{stem}.png", map_size=drawing.size,
            )  # fmt: skip
            files[f"{stem}.html"] = html.encode()
    return files


def country_languages(own: list[str], regions, cells: Mapping[str, CrisisCell]) -> list[str]:
    """The languages the crisis cells of a country's regions work in."""
    spoken = {
        language
        for region in own
        for cell in regions.loc[region, "crisis_cells"]
        if cell in cells
        for language in cells[cell].languages
    }
    return [language for language in LANGUAGES if language in spoken]


def _page(language, country, own, events, provenance, *, regions, criteria, linked,
          map_file, map_size) -> str:  # fmt: skip
    words = WORDS[language]
    name = COUNTRIES[country][language]
    title = words["overview_title"].format(country=name)
    hazards = [h for h in HAZARDS if any(ev["hazard"] == h for ev in events)]
    parts = [
        notice(language, "overview_kind", criteria),
        f"<h1>{e(title)}</h1>\n",
        facts(language, provenance),
        figure(language, map_file, map_size),
        legend(language),
    ]
    if not hazards:
        parts.append(f"<p>{e(words['overview_quiet'].format(country=name))}</p>\n")
    else:
        parts.append(_matrix(language, own, events, hazards, regions))
    for hazard in hazards:
        mine = sorted((ev for ev in events if ev["hazard"] == hazard), key=lambda ev: ev["region"])
        rows = [_row(ev, regions) for ev in mine]
        countries = sorted({country} | {c for ev in mine for c in linked.get(ev["region"], ())})
        parts.append(
            f"<h2>{e(hazard_name(language, hazard))}</h2>\n"
            f"<p>{e(words['window'])}: {e(_period(language, mine))}</p>\n"
            + levels_table(language, hazard, rows, countries, criteria)
        )
    parts += [
        contact(language, provenance),
        f"<p><small>{e(words['footer'].format(kind='overview', id=country))}</small></p>\n",
    ]
    return page(language, title, "".join(parts))


def _matrix(language: str, own: list[str], events: list[dict], hazards: list[str], regions) -> str:
    """Regions (rows) by hazard (columns): the highest own level, coloured; empty: none."""
    words = WORDS[language]
    peak: dict[tuple[str, str], int] = {}
    for ev in events:
        key = (ev["region"], ev["hazard"])
        peak[key] = max(peak.get(key, 0), ev["peak_level"])
    head = "".join(f"<th>{e(hazard_name(language, h))}</th>" for h in hazards)
    rows = []
    for region in sorted(own):
        cells = []
        for hazard in hazards:
            level = peak.get((region, hazard), 0)
            text = LEVEL_NAMES[language][level]
            style = f' style="{level_style(LEVELS[level])}"' if level else ""
            cells.append(f"<td{style}>{e(text)}</td>")
        name = f"{regions.loc[region, 'name']} ({region})"
        rows.append(f"<tr><td>{e(name)}</td>{''.join(cells)}</tr>")
    return (
        f"<table>\n<caption>{e(words['overview_matrix'])}</caption>\n"
        f"<tr><th>{e(words['region'])}</th>{head}</tr>\n" + "\n".join(rows) + "\n</table>\n"
    )


def _row(event: dict, regions) -> Row:
    return Row(
        region=event["region"],
        name=str(regions.loc[event["region"], "name"]),
        country=event["country"],
        level=LEVELS[event["peak_level"]],
        onset=event["onset"],
        expiry=event["expiry"],
        peak_value=event["peak_value"],
        peak_time=event.get("peak_time"),
        levels_by_criteria=event.get("levels_by_criteria", {}),
        probability=event.get("probability"),
    )


def _period(language: str, events: list[dict]) -> str:
    """From the first onset to the last expiry of ``events``; empty without events."""
    if not events:
        return ""
    first = min(events, key=lambda ev: datetime.fromisoformat(ev["onset"]))
    last = max(events, key=lambda ev: datetime.fromisoformat(ev["expiry"]))
    return window(language, first["onset"], last["expiry"])

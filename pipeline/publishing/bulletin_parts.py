"""The parts every bulletin page shares: the statement that it is crosswarn's and not an
authority's, the facts a crisis cell looks for first (issued, next update, model runs and their
attribution, hazard and period), the level legend, the table of regions with their level under
each authority's criteria, the official warning pages and the contact.

Times are local (CET/CEST, named) in one format, :func:`pipeline.publishing.texts.local_time_text`.
Every value is escaped. Pure: strings in, HTML strings out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape as e

from pipeline.assessment.criteria import HAZARDS, LEVELS, AuthorityCriteria
from pipeline.publishing import phrases
from pipeline.publishing.amounts import (
    amount_text,
    display,
    level_band,
    number_text,
    peak_text,
    quantity_key,
    rounded,
    word_group,
)
from pipeline.publishing.bulletin_words import LEVEL_MEANINGS, OPEN_BAND, STATUS, WORDS
from pipeline.publishing.maps import COLOURS
from pipeline.publishing.texts import LEVEL_NAMES, local, local_time_text

STYLE = (
    "body{font-family:sans-serif;max-width:62em;margin:auto;padding:0 .5em;line-height:1.35}"
    "h1{font-size:1.45em}h2{font-size:1.2em}"
    ".notice{border:2px solid #1f1f1f;padding:.5em .7em;background:#f4f4f4}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.92em}"
    "td,th{border:1px solid #999;padding:.25em .4em;vertical-align:top}"
    "th{background:#eee;text-align:left}caption{text-align:left;font-weight:bold}"
    "dl.facts{display:grid;grid-template-columns:max-content auto;gap:.15em 1em}"
    "dl.facts dt{font-weight:bold}dl.facts dd{margin:0}"
    "img{max-width:100%;height:auto}.swatch{display:inline-block;width:1.4em;height:.9em;"
    "border:1px solid #808080;vertical-align:middle;margin-right:.4em}"
    "ul.legend{list-style:none;padding:0}small{color:#444}"
)


@dataclass(frozen=True)
class ModelRun:
    """A model run a bulletin is computed from, with the attribution its licence asks for."""

    model: str  # "DWD ICON-D2"
    run: str  # the run's time, ISO
    attribution: str
    licence: str


@dataclass(frozen=True)
class Provenance:
    """When a bulletin was issued and from what: times from the run, never the clock."""

    issued: str  # ISO
    next_update: str | None  # ISO: the next run of a model used, plus its publication delay
    runs: tuple[ModelRun, ...] = ()
    contact: str = ""  # the deployment's operator
    status: str = "Actual"  # CAP status: Actual | Exercise | Test


@dataclass(frozen=True)
class Row:
    """A region's line in a table of levels: its event, as the assessment holds it."""

    region: str
    name: str
    country: str
    level: str  # the published level under its own criteria (colour name)
    onset: str
    expiry: str
    peak_value: float
    peak_time: str | None
    levels_by_criteria: Mapping[str, int]
    probability: float | None = None


def page(language: str, title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{e(language)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n"
        "</html>\n"
    )


def when(language: str, value: str) -> str:
    return local_time_text(language, datetime.fromisoformat(value))


def hazard_name(language: str, hazard: str) -> str:
    """A hazard's name with its period where it has one ("Persistent rain, 24 hours")."""
    kind = HAZARDS[hazard]
    key = quantity_key(hazard) if kind.family == "thunderstorm" else word_group(hazard)
    noun = phrases.NOUNS[key][language]
    noun = noun[:1].upper() + noun[1:]
    if kind.window_hours and kind.family != "thunderstorm":
        hours = phrases.HOURS[language][kind.window_hours != 1]
        return f"{noun}, {kind.window_hours} {hours}"
    return noun


def window(language: str, start: str, end: str) -> str:
    return WORDS[language]["window_text"].format(
        start=when(language, start), end=when(language, end)
    )


def notice(language: str, kind: str, criteria: Mapping[str, AuthorityCriteria]) -> str:
    """What the page is (crosswarn's, computed from models, no official warning) and where the
    official warnings are: every authority in scope, so that each cell finds its own and its
    neighbours'."""
    words = WORDS[language]
    links = " · ".join(
        f'<a href="{e(a.web)}">{e(a.authority)}</a>' for _, a in sorted(criteria.items())
    )
    return (
        f'<div class="notice"><p><strong>{e(words[kind])}</strong></p>'
        f"<p>{e(words['not_official'])} {links}</p></div>\n"
    )


def facts(language: str, provenance: Provenance, extra: Sequence[tuple[str, str]] = ()) -> str:
    """Issued, next update, the model runs with their attribution, then ``extra`` (label,
    escaped HTML) and the status of an exercise or test."""
    words = WORDS[language]
    items = [(words["issued"], e(when(language, provenance.issued)))]
    if provenance.next_update:
        items.append((words["next_update"], e(when(language, provenance.next_update))))
    runs = "<br>".join(
        f"{e(r.model)}, {e(words['run'].format(time=when(language, r.run)))} — "
        f"{e(r.attribution)} ({e(r.licence)})"
        for r in provenance.runs
    )
    if runs:
        items.append((words["models"], runs))
    items += list(extra)
    if provenance.status in STATUS:
        status = STATUS[provenance.status][language]
        items.append((words["status"], f"<strong>{e(status)}</strong>"))
    rows = "".join(f"<dt>{e(label)}</dt><dd>{value}</dd>" for label, value in items)
    return f'<dl class="facts">{rows}</dl>\n'


def legend(language: str) -> str:
    """The levels, their colours and MeteoAlarm's meaning of each."""
    words = WORDS[language]
    items = "".join(
        f'<li><span class="swatch" style="background:{COLOURS[name]}"></span>'
        f"{e(LEVEL_NAMES[language][k].capitalize())} — {e(LEVEL_MEANINGS[language][k])}</li>"
        for k, name in enumerate(LEVELS)
        if k
    )
    none = f'<li><span class="swatch" style="background:{COLOURS["none"]}"></span>'
    return (
        f'<h2>{e(words["levels"])}</h2>\n<ul class="legend">{items}'
        f"{none}{e(words['level_none'])}</li></ul>\n"
    )


def figure(language: str, src: str, size: tuple[int, int]) -> str:
    """The map at half its pixel size (sharp on high-density screens, never upscaled)."""
    words = WORDS[language]
    width, height = size[0] // 2, size[1] // 2
    return (
        f'<figure><img src="{e(src)}" alt="{e(words["map_alt"])}" width="{width}" '
        f'height="{height}"><figcaption>{e(words["map_alt"])}</figcaption></figure>\n'
    )


def levels_table(
    language: str,
    hazard: str,
    rows: Sequence[Row],
    countries: Sequence[str],
    criteria: Mapping[str, AuthorityCriteria],
) -> str:
    """Per region: own level, period, expected amount, ensemble probability (if any), the level
    under the criteria of each of ``countries``' authorities, and the mismatches: the
    authorities in the table whose criteria give another level than the region's own; footnotes
    for proxies and for authorities without criteria for the hazard."""
    words = WORDS[language]
    names = LEVEL_NAMES[language]
    authorities = [c for c in countries if c in criteria]
    chance = any(r.probability is not None for r in rows)
    marks: set[str] = set()
    head = [words["region"], words["country"], words["own_level"], words["from"], words["to"],
            words["peak"], *([words["probability"]] if chance else [])]  # fmt: skip
    top = "".join(f'<th rowspan="2">{e(h)}</th>' for h in head)
    top += f'<th colspan="{len(authorities)}">{e(words["by_authority"])}</th>'
    top += f'<th rowspan="2">{e(words["mismatch"])}</th>'
    sub = "".join(f"<th>{e(criteria[c].authority)}</th>" for c in authorities)
    body = []
    for row in rows:
        cells = [
            f"<td>{e(row.name)} ({e(row.region)})</td>",
            f"<td>{e(row.country)}</td>",
            _level_cell(names[LEVELS.index(row.level)] or words["level_none"], row.level),
            f"<td>{e(when(language, row.onset))}</td>",
            f"<td>{e(when(language, row.expiry))}</td>",
            f"<td>{e(expected(language, hazard, row, criteria.get(row.country)))}</td>",
        ]
        if chance:
            p = "" if row.probability is None else f"{round(row.probability * 100)} %"
            cells.append(f"<td>{e(p)}</td>")
        for country in authorities:
            cell, mark = _authority_cell(language, hazard, criteria[country],
                                         row.levels_by_criteria.get(country))  # fmt: skip
            cells.append(cell)
            marks |= {mark} if mark else set()
        differ = mismatches(row, hazard, authorities, criteria)
        cells.append(f"<td>{e(mismatch_text(language, differ, criteria))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = [words[m] for m in ("proxy", "not_assessed") if m in marks]
    notes += [words["probability_note"]] if chance else []
    footnotes = "".join(f"<br>{e(n)}" for n in notes).removeprefix("<br>")
    return (
        f"<table>\n<caption>{e(words['table_caption'])}</caption>\n"
        f"<tr>{top}</tr>\n<tr>{sub}</tr>\n"
        + "\n".join(body)
        + "\n</table>\n"
        + (f"<p><small>{footnotes}</small></p>\n" if footnotes else "")
    )


#: Text colour on each level's colour with a contrast of at least 4.5:1 (WCAG AA): black on red
#: reaches only 4.3:1, white 4.8:1.
TEXT_ON = {"none": "#000", "yellow": "#000", "orange": "#000", "red": "#fff"}


def level_style(level: str) -> str:
    """The inline style of a table cell showing ``level`` (its colour, readable text)."""
    return f"background:{COLOURS[level]};color:{TEXT_ON[level]}"


def _level_cell(text: str, level: str) -> str:
    return f'<td style="{level_style(level)}">{e(text)}</td>'


def _authority_cell(
    language: str, hazard: str, authority: AuthorityCriteria, level: int | None
) -> tuple[str, str]:
    """An authority's level for a region, marked ``*`` where that level's threshold is a
    crosswarn proxy; "—" where the authority has no criteria for the hazard; empty where the
    event does not say (recorded before levels by criteria were kept)."""
    table = authority.hazards.get(hazard)
    if table is None:
        return "<td>—</td>", "not_assessed"
    if level is None:
        return "<td></td>", ""
    rule = table.levels.get(LEVELS[level]) if level else None
    proxy = rule is not None and rule.basis == "proxy"
    text = LEVEL_NAMES[language][level] or WORDS[language]["level_none"]
    return _level_cell(text + (" *" if proxy else ""), LEVELS[level]), "proxy" if proxy else ""


def mismatches(
    row: Row, hazard: str, countries: Sequence[str], criteria: Mapping[str, AuthorityCriteria]
) -> list[tuple[str, int]]:
    """(country, level) of each authority among ``countries`` whose criteria cover the hazard
    and give the region another level than its own authority's."""
    own = row.levels_by_criteria.get(row.country, LEVELS.index(row.level))
    return [
        (country, row.levels_by_criteria[country])
        for country in countries
        if country != row.country
        and hazard in criteria[country].hazards
        and row.levels_by_criteria.get(country, own) != own
    ]


def mismatch_text(
    language: str, mismatches: Sequence[tuple[str, int]], criteria: Mapping[str, AuthorityCriteria]
) -> str:
    """The mismatches as a cell reads them, "DWD: orange; KNMI: none", in ``language``."""
    names = LEVEL_NAMES[language]
    return "; ".join(
        WORDS[language]["mismatch_item"].format(
            authority=criteria[c].authority if c in criteria else c,
            level=names[level] or phrases.SENTENCES[language]["none"],
        )
        for c, level in mismatches
    )


def expected(language: str, hazard: str, row: Row, authority: AuthorityCriteria | None) -> str:
    """The amount as the own authority states the level: its band ("65–85 km/h") and the peak
    beyond it where it is reached in part of the region only (", locally up to 110 km/h"); the
    peak alone where the level has no single threshold; nothing for a phenomenon."""
    if HAZARDS[hazard].quantity == "flag":
        return ""
    table = authority.hazards.get(hazard) if authority is not None else None
    level = LEVELS.index(row.level)
    month = local(datetime.fromisoformat(row.peak_time or row.onset)).month
    band = level_band(table, level, month) if table is not None and level else None
    if band is None:
        return peak_text(language, hazard, row.peak_value)
    _, beyond = amount_text(language, hazard, band, row.peak_value)
    _, unit = display(hazard, band[0])
    unit = phrases.UNITS.get(language, {}).get(unit, unit)
    low = rounded(display(hazard, band[0])[0], hazard)
    if band[1] is None:
        text = OPEN_BAND[HAZARDS[hazard].direction].format(
            low=number_text(language, low), unit=unit
        )
    else:
        high = rounded(display(hazard, band[1])[0], hazard)
        span = phrases.RANGE[language][min(low, high) < 0].format(
            low=number_text(language, low), high=number_text(language, high)
        )
        text = f"{span} {unit}"
    return text + beyond


def contact(language: str, provenance: Provenance) -> str:
    if not provenance.contact:
        return ""
    return f"<p>{e(WORDS[language]['contact'])}: {e(provenance.contact)}</p>\n"

"""The consultation bulletin: one per trigger, an HTML page and a PNG map per language.

What a crisis cell looks for on a national warning page, on one page: that this is crosswarn's
model-based trigger and not an authority's warning (with every official warning page), when it
was issued and when the next update is due, the model runs it comes from with their
attribution, the hazard and period in local time, the map, the level legend, per region the
level under each authority's criteria with the mismatches, the expected amounts ("65–85 km/h,
locally up to 110 km/h"), the crisis cells to convene and whom to ask. Output is byte-identical
for identical input (times come from the run, never from the clock).
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape as e

from pipeline.assessment.criteria import LEVELS, AuthorityCriteria
from pipeline.geo.basemap import Basemap
from pipeline.publishing import phrases
from pipeline.publishing.amounts import word_group
from pipeline.publishing.bulletin_parts import (
    Provenance,
    Row,
    contact,
    facts,
    figure,
    hazard_name,
    legend,
    levels_table,
    notice,
    page,
    when,
    window,
)
from pipeline.publishing.bulletin_words import WORDS
from pipeline.publishing.maps import MapDrawing, render_map
from pipeline.publishing.texts import LEVEL_NAMES, trigger_texts

#: What the bulletin's table and summary say instead of listing every mismatch.
SEE_TABLE = {"nl": "zie de tabel hieronder", "fr": "voir le tableau ci-dessous",
             "de": "siehe die Tabelle unten", "en": "see the table below"}  # fmt: skip


def render_trigger_map(
    trigger: dict,
    language: str,
    *,
    regions,
    events: list[dict],
    basemap: Basemap,
    provenance: Provenance,
    cancelled: bool = False,
) -> tuple[bytes, MapDrawing]:
    """The trigger's map in ``language``: its regions by level, titled with the hazard and the
    period, the ensemble probability where the events have one."""
    mark = phrases.SENTENCES[language]["cancelled_mark"] if cancelled else ""
    return render_map(
        regions,
        trigger["regions"],
        basemap=basemap,
        language=language,
        title=mark + hazard_name(language, trigger["hazard"]),
        subtitle=window(language, trigger["start"], trigger["end"]),
        probabilities={
            ev["region"]: ev["probability"] for ev in events if ev.get("probability") is not None
        },
        credit=_credit(provenance),
    )


def render_bulletin_html(
    trigger: dict,
    language: str,
    *,
    regions,
    events: list[dict],
    cells: list[dict],
    map_file: str,
    map_size: tuple[int, int],
    criteria: Mapping[str, AuthorityCriteria],
    provenance: Provenance,
    cancelled: bool = False,
) -> str:
    """One language's bulletin page. ``trigger``: as the ledger holds it (levels as colour
    names, times ISO); ``events``: the trigger's region events as dicts; ``cells``: name and
    address of each cell convened; ``map_file``/``map_size``: the map's name and pixels."""
    words = WORDS[language]
    headline = bulletin_title(trigger, language, cells=cells, criteria=criteria,
                              status=provenance.status, cancelled=cancelled)  # fmt: skip
    texts = trigger_texts(language, trigger, cells=[c["name"] for c in cells],
                          criteria=criteria, status=provenance.status,
                          cancelled=cancelled)  # fmt: skip
    mismatches = [tuple(m) for m in trigger.get("criteria_mismatches", [])]
    extra = [
        (words["hazard"], e(hazard_name(language, trigger["hazard"]))),
        (words["window"], e(window(language, trigger["start"], trigger["end"]))),
    ]
    countries = sorted(set(trigger["levels_by_country"]) | {m[3] for m in mismatches})
    body = [
        notice(language, "trigger_kind", criteria),
        f"<h1>{e(headline)}</h1>\n",
        facts(language, provenance, extra),
        f"<p>{e(_summary(language, trigger, texts, mismatches, cancelled))}</p>\n",
        f"<p><strong>{e(texts['instruction'])}</strong></p>\n",
        figure(language, map_file, map_size),
        legend(language),
        levels_table(language, trigger["hazard"], _rows(events, regions), countries, criteria),
        f"<h2>{e(words['cells'])}</h2>\n<ul>"
        + "".join(
            f"<li>{e(c['name'])} &lt;{e(c['address'].removeprefix('mailto:'))}&gt;</li>"
            for c in cells
        )
        + "</ul>\n",
        contact(language, provenance),
        f"<p><small>{e(words['footer'].format(kind='trigger', id=trigger['id']))}</small></p>\n",
    ]
    return page(language, headline, "".join(body))


def bulletin_title(
    trigger: dict,
    language: str,
    *,
    cells: list[dict],
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
    cancelled: bool = False,
) -> str:
    """The bulletin's title (its headline) in ``language``."""
    texts = trigger_texts(language, trigger, cells=[c["name"] for c in cells],
                          criteria=criteria, status=status, cancelled=cancelled)  # fmt: skip
    return texts["headline"]


def _summary(language: str, trigger: dict, texts: dict, mismatches: list, cancelled: bool) -> str:
    """What is expected, when, and the levels per country; the mismatches are the table's."""
    if cancelled:
        return texts["description"]
    words = phrases.SENTENCES[language]
    colour = dict(zip(LEVELS, LEVEL_NAMES[language], strict=True))
    by_country = sorted(trigger["levels_by_country"].items())
    forecast = words["trigger_forecast"].format(
        noun=phrases.TRIGGER_NOUNS[word_group(trigger["hazard"])][language],
        start=when(language, trigger["start"]),
        end=when(language, trigger["end"]),
    )
    levels = words["trigger_levels"].format(
        levels=", ".join(f"{c} {colour[level]}" for c, level in by_country),
        mismatches=SEE_TABLE[language] if mismatches else words["none"],
    )
    return f"{forecast} {levels}"


def _rows(events: list[dict], regions) -> list[Row]:
    """The table's rows, by country then region."""
    rows = []
    for event in sorted(events, key=lambda ev: (ev["country"], ev["region"])):
        rows.append(
            Row(
                region=event["region"],
                name=str(regions.loc[event["region"], "name"]),
                country=event["country"],
                level=event.get("published_level", event["peak_level_name"]),
                onset=event["onset"],
                expiry=event["expiry"],
                peak_value=event["peak_value"],
                peak_time=event.get("peak_time"),
                levels_by_criteria=event.get("levels_by_criteria", {}),
                probability=event.get("probability"),
            )
        )
    return rows


def _credit(provenance: Provenance) -> str:
    return "; ".join(f"{r.model}: {r.attribution} ({r.licence})" for r in provenance.runs)

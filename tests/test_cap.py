"""CAP rendering and validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import shapely
from lxml import etree

from pipeline.cap import CAP_NS, AlertContext, render_cap, validate_cap
from pipeline.errors import CapValidationError
from pipeline.events import Event

NS = {"c": CAP_NS}
T0 = datetime(2026, 1, 15, 9, tzinfo=UTC)


def _event(region="BE008", country="BE", level=2) -> Event:
    return Event(
        region=region,
        country=country,
        hazard="wind",
        onset=T0,
        expiry=datetime(2026, 1, 15, 18, tzinfo=UTC),
        peak_level=level,
        peak_time=datetime(2026, 1, 15, 13, tzinfo=UTC),
        peak_value=30.0,
        timeline=(),
        levels_by_criteria={"BE": level, "DE": 3},
    )


def _context(status="Exercise") -> AlertContext:
    return AlertContext(
        sender="crosswarn@example.org",
        oid_prefix="2.49.0.0.0.0.CROSSWARN",
        status=status,
        sent=datetime(2026, 1, 15, 1, 30, tzinfo=UTC),
        source_id="dwd-icon-d2",
        model="DWD ICON-D2",
        run="2026011500",
        authority="KMI-IRM",
        attribution="Source: Deutscher Wetterdienst",
    )


def _render(name="Liège & <Verviers>", languages=("fr", "de")) -> bytes:
    square = shapely.Polygon([(5.5, 50.2), (6.4, 50.2), (6.4, 50.8), (5.5, 50.8)])
    return render_cap(_event(), _context(), area_name=name, geometry=square, languages=languages)


def test_rendered_alert_is_valid_and_multilingual():
    document = validate_cap(_render())
    languages = [i.findtext("c:language", namespaces=NS) for i in document.findall("c:info", NS)]
    assert languages == ["fr-BE", "de-BE", "en-GB"]
    info = document.find("c:info", NS)
    params = {
        p.findtext("c:valueName", namespaces=NS): p.findtext("c:value", namespaces=NS)
        for p in info.findall("c:parameter", NS)
    }
    assert params == {"awareness_level": "3; orange; Severe", "awareness_type": "1; Wind"}
    assert info.findtext("c:severity", namespaces=NS) == "Severe"
    assert info.findtext("c:onset", namespaces=NS) == "2026-01-15T09:00:00+00:00"
    assert document.findtext("c:status", namespaces=NS) == "Exercise"
    polygon = info.find("c:area/c:polygon", NS).text.split()
    assert polygon[0] == polygon[-1] == "50.2000,5.5000"


def test_special_characters_are_escaped():
    xml = _render()
    assert b"Li\xc3\xa8ge &amp; &lt;Verviers&gt;" in xml
    area = etree.fromstring(xml).find("c:info/c:area/c:areaDesc", NS).text
    assert area == "Liège & <Verviers>"


def test_missing_profile_parameter_is_rejected():
    document = etree.fromstring(_render())
    for parameter in document.findall("c:info/c:parameter", NS):
        if parameter.findtext("c:valueName", namespaces=NS) == "awareness_type":
            parameter.getparent().remove(parameter)
    with pytest.raises(CapValidationError, match="lacks parameter awareness_type"):
        validate_cap(etree.tostring(document), name="x.xml")


def test_schema_violation_is_rejected_with_the_file_name():
    xml = _render().replace(b"<status>Exercise</status>", b"<status>Maybe</status>")
    with pytest.raises(CapValidationError, match=r"bad\.xml: violates the OASIS CAP 1\.2 schema"):
        validate_cap(xml, name="bad.xml")


def test_real_dwd_alerts_pass_the_schema(shared_data):
    from pipeline.cap import _schema

    files = sorted((shared_data / "cap" / "dwd").glob("*.xml"))
    assert len(files) == 3
    for path in files:
        assert _schema().validate(etree.parse(str(path))), path.name

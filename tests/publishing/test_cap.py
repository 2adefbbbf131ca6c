"""CAP rendering and validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import shapely
from lxml import etree

from pipeline.assessment.events import Event
from pipeline.errors import CapValidationError
from pipeline.publishing.cap import CAP_NS, AlertContext, render_cap
from pipeline.publishing.cap_check import validate_cap

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


#: An identifier as the ledger makes them (source, run, digest of the subject).
MESSAGE_ID = "2.49.0.0.0.0.CROSSWARN.dwd-icon-d2.2026011500.4c289c35d58e"


def _render(name="Liège & <Verviers>", languages=("fr", "de")) -> bytes:
    square = shapely.Polygon([(5.5, 50.2), (6.4, 50.2), (6.4, 50.8), (5.5, 50.8)])
    return render_cap(
        _event(), _context(), area_name=name, geometry=square, languages=languages,
        message_id=MESSAGE_ID,
    )  # fmt: skip


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
    from pipeline.publishing.cap_check import _schema

    files = sorted((shared_data / "cap" / "dwd").glob("*.xml"))
    assert len(files) == 3
    for path in files:
        assert _schema().validate(etree.parse(str(path))), path.name


def _trigger_xml(msg_type="Alert", references="") -> bytes:
    import geopandas as gpd

    from pipeline.publishing.cap import render_trigger_cap

    regions = gpd.GeoDataFrame(
        {"name": ["Liège & <Verviers>", "StädteRegion Aachen"]},
        geometry=[shapely.box(5.5, 50.2, 6.0, 50.8), shapely.box(6.0, 50.5, 6.4, 50.9)],
        index=["BE008", "DE258"],
        crs="EPSG:4326",
    )
    trigger = {
        "id": "wind-2026011509-abcd1234",
        "hazard": "wind",
        "start": "2026-01-15T09:00:00+00:00",
        "end": "2026-01-15T18:00:00+00:00",
        "regions": {"BE008": "orange", "DE258": "red"},
        "levels_by_country": {"BE": "orange", "DE": "red"},
        "criteria_mismatches": [["BE008", "BE", 2, "DE", 3]],
    }
    return render_trigger_cap(
        trigger, _context(), regions=regions,
        addresses=["mailto:crisiscell@nccn.example.org", "mailto:lage@nrw.example.org"],
        cell_names=["NCCN", "Lagezentrum NRW"], languages=("nl", "fr", "de"),
        msg_type=msg_type, message_id="2.49.0.0.0.0.CROSSWARN.x.1", references=references,
        authorities={"BE": "KMI-IRM", "DE": "DWD"},
    )  # fmt: skip


def test_consultation_trigger_is_restricted_to_the_cells_in_their_languages():
    from pipeline.publishing.cap_check import read_cap

    xml = _trigger_xml()
    validate_cap(xml, name="trigger.xml")
    message = read_cap(xml)
    assert message["scope"] == "Restricted"
    assert message["addresses"] == [
        "mailto:crisiscell@nccn.example.org",
        "mailto:lage@nrw.example.org",
    ]
    assert [i["language"] for i in message["info"]] == ["nl-BE", "fr-BE", "de-DE", "en-GB"]
    german = message["info"][2]
    assert german["parameters"]["awareness_level"] == ["4; red; Extreme"]
    assert "BE008: orange nach KMI-IRM, rot nach DWD" in german["description"]
    assert [a["geocodes"]["EMMA_ID"] for a in german["areas"]] == [["BE008"], ["DE258"]]
    assert german["areas"][0]["description"] == "Liège & <Verviers> (orange)"
    assert message["info"][0]["areas"][1]["description"] == "StädteRegion Aachen (rood)"


def test_update_without_references_is_rejected_and_references_are_checked():
    with pytest.raises(CapValidationError, match="an Update needs <references>"):
        validate_cap(_trigger_xml(msg_type="Update"), name="u.xml")
    with pytest.raises(CapValidationError, match="is not sender,identifier,sent"):
        validate_cap(_trigger_xml("Update", references="crosswarn@example.org,x"), name="u.xml")
    good = "crosswarn@example.org,2.49.0.0.0.0.CROSSWARN.x.0,2026-01-15T01:30:00+00:00"
    validate_cap(_trigger_xml("Update", references=good), name="u.xml")


def test_ensemble_probability_sets_certainty():
    from dataclasses import replace

    from pipeline.publishing.cap_check import read_cap

    square = shapely.box(5.5, 50.2, 6.4, 50.8)
    cases = (
        (None, "Likely"),
        (0.8, "Likely"),
        (0.501, "Likely"),
        (0.5, "Possible"),
        (0.4, "Possible"),
    )
    for probability, expected in cases:
        event = replace(_event(), probability=probability)
        xml = render_cap(
            event, _context(), area_name="x", geometry=square, languages=("fr",),
            message_id=MESSAGE_ID,
        )  # fmt: skip
        assert {i["certainty"] for i in read_cap(xml)["info"]} == {expected}


def test_a_third_party_parser_reads_our_files_back():
    """cap-tools (xsdata dataclasses generated from the OASIS schema) parses both kinds."""
    from cap_tools.models import Alert
    from xsdata.formats.dataclass.parsers import XmlParser

    warning = XmlParser().from_bytes(_render(), Alert)
    assert warning.identifier.startswith("2.49.0.0.0.0.CROSSWARN.dwd-icon-d2.2026011500.")
    assert [i.get_language() for i in warning.infos] == ["fr-BE", "de-BE", "en-GB"]
    assert warning.infos[0].areas[0].area_desc == "Liège & <Verviers>"
    assert warning.infos[0].parameters_to_dict()["awareness_type"] == "1; Wind"
    trigger = XmlParser().from_bytes(_trigger_xml(), Alert)
    assert trigger.scope.value == "Restricted"
    assert trigger.addresses_to_list() == [
        "mailto:crisiscell@nccn.example.org",
        "mailto:lage@nrw.example.org",
    ]


def test_our_reader_parses_real_dwd_alerts(shared_data):
    from pipeline.publishing.cap_check import read_cap

    name = "2.49.0.0.276.0.DWD.PVW.1687514160000.20999218-5d5e-4761-b271-6c243f695568.MUL.xml"
    message = read_cap((shared_data / "cap" / "dwd" / name).read_bytes())
    assert message["msgType"] == "Update" and message["sender"] == "opendata@dwd.de"
    assert message["references"][0].startswith("opendata@dwd.de,2.49.0.0.276.0.DWD.PVW.")
    assert sorted(i["language"] for i in message["info"]) == [
        "ar", "de-DE", "en", "es", "fr", "pl", "ru", "tr",
    ]  # fmt: skip
    german = next(i for i in message["info"] if i["language"] == "de-DE")
    assert german["severity"] == "Moderate"
    # 392 areas over 8 languages: 4 event polygons and 45 municipalities (360 WARNCELLIDs / 8).
    assert len(german["areas"]) == 49
    assert sum("WARNCELLID" in a["geocodes"] for a in german["areas"]) == 45


GOLDEN = __import__("pathlib").Path(__file__).parent / "golden"


@pytest.mark.parametrize(
    ("name", "render"), [("warning.xml", _render), ("trigger.xml", _trigger_xml)]
)
def test_golden_files(name, render):
    """Reviewed outputs: any change to the wording or structure must be looked at again."""
    assert render() == (GOLDEN / name).read_bytes()


def test_validate_command_on_good_and_bad_files(tmp_path, capsys, shared_data):
    from pipeline.cli import main

    good = GOLDEN / "warning.xml"
    bad = tmp_path / "bad.xml"
    bad.write_bytes(good.read_bytes().replace(b"<msgType>Alert", b"<msgType>Update"))
    assert main(["validate", str(good), str(GOLDEN / "trigger.xml")]) == 0
    assert main(["validate", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.xml" in err and "an Update needs <references>" in err


def test_nuts3_geocodes_join_the_emma_id():
    from pipeline.publishing.cap_check import read_cap

    square = shapely.box(5.5, 50.2, 6.4, 50.8)
    xml = render_cap(
        _event(), _context(), area_name="Liège", geometry=square, languages=("fr",),
        nuts3=("BE331", "BE332"), message_id=MESSAGE_ID,
    )  # fmt: skip
    validate_cap(xml)
    (area,) = read_cap(xml)["info"][0]["areas"]
    assert area["geocodes"] == {"EMMA_ID": ["BE008"], "NUTS3": ["BE331", "BE332"]}

"""CAP rendering and validation: MeteoAlarm's spellings, local times, all-clear Cancels, and the
statement in every headline that the message is crosswarn guidance, not an authority's warning."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pytest
import shapely
from lxml import etree

from pipeline.assessment.events import Event
from pipeline.errors import CapValidationError
from pipeline.publishing.cap import CAP_NS, AlertContext, render_cap, render_trigger_cap
from pipeline.publishing.cap_check import read_cap, validate_cap
from tests.publishing.authorities import CRITERIA, WEB

NS = {"c": CAP_NS}
T0 = datetime(2026, 1, 15, 9, tzinfo=UTC)
SENT = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)
CONTACT = "crosswarn operator <operator@example.org>"
SQUARE = shapely.Polygon([(5.5, 50.2), (6.4, 50.2), (6.4, 50.8), (5.5, 50.8)])


def _event(region="BE008", hazard="wind", level=2, start=T0, peak_value=30.0) -> Event:
    return Event(
        region=region,
        country=region[:2],
        hazard=hazard,
        onset=start,
        expiry=start + timedelta(hours=9),
        peak_level=level,
        peak_time=start + timedelta(hours=4),
        peak_value=peak_value,
        timeline=(),
        levels_by_criteria={"BE": level, "DE": 3},
    )


def _context(status="Exercise", sent=SENT) -> AlertContext:
    return AlertContext(
        sender="crosswarn@example.org",
        status=status,
        sent=sent,
        source_id="dwd-icon-d2",
        model="DWD ICON-D2",
        run="2026011500",
        attribution="Source: Deutscher Wetterdienst",
        contact=CONTACT,
    )


#: An identifier as the ledger makes them (source, run, digest of the subject).
MESSAGE_ID = "2.49.0.0.0.0.CROSSWARN.dwd-icon-d2.2026011500.4c289c35d58e"
PREVIOUS = "crosswarn@example.org,2.49.0.0.0.0.CROSSWARN.x.0,2026-01-14T22:30:00+00:00"


def _render(name="Liège & <Verviers>", languages=("fr", "de"), event=None, **options) -> bytes:
    """A warning, validated as publishing validates every message."""
    event = event or _event()
    options = {"msg_type": "Alert", "references": "", "context": _context()} | options
    xml = render_cap(
        event, options.pop("context"), criteria=CRITERIA[event.country], area_name=name,
        geometry=SQUARE, languages=languages, message_id=MESSAGE_ID, **options,
    )  # fmt: skip
    validate_cap(xml, name="warning.xml")
    return xml


def test_rendered_alert_is_valid_and_multilingual():
    message = read_cap(_render())
    assert [i["language"] for i in message["info"]] == ["fr-BE", "de-BE", "en-GB"]
    assert message["sent"] == "2026-01-15T02:30:00+01:00"
    info = message["info"][0]
    assert info["parameters"] == {"awareness_level": ["3; orange; Severe"],
                                  "awareness_type": ["1; Wind"]}  # fmt: skip
    assert (info["responseType"], info["severity"]) == ("Prepare", "Severe")
    assert info["effective"] == "2026-01-15T02:30:00+01:00"  # = sent
    assert info["onset"] == "2026-01-15T10:00:00+01:00"
    assert info["expires"] == "2026-01-15T19:00:00+01:00"
    assert info["web"] == WEB["BE"] and info["contact"] == CONTACT
    assert info["senderName"] == "crosswarn (avis selon les critères de KMI-IRM)"
    assert message["status"] == "Exercise"
    polygon = info["areas"][0]["polygons"][0].split()
    assert polygon[0] == polygon[-1] == "50.2000,5.5000"


def test_times_carry_the_local_offset_of_the_season():
    summer = datetime(2026, 7, 15, 9, tzinfo=UTC)
    message = read_cap(
        _render(event=_event(start=summer), context=_context(sent=summer - timedelta(hours=8)))
    )
    assert message["sent"] == "2026-07-15T03:00:00+02:00"
    info = message["info"][-1]
    assert info["onset"] == "2026-07-15T11:00:00+02:00"
    assert info["expires"] == "2026-07-15T20:00:00+02:00"
    assert "15/07/2026 11:00 CEST" in info["description"]


def test_references_give_the_referenced_time_as_it_was_written():
    message = read_cap(_render(msg_type="Update", references=PREVIOUS))
    assert message["references"] == [
        "crosswarn@example.org,2.49.0.0.0.0.CROSSWARN.x.0,2026-01-14T23:30:00+01:00"
    ]


def test_special_characters_are_escaped():
    xml = _render()
    assert b"Li\xc3\xa8ge &amp; &lt;Verviers&gt;" in xml
    area = etree.fromstring(xml).find("c:info/c:area/c:areaDesc", NS).text
    assert area == "Liège & <Verviers>"


@pytest.mark.parametrize(
    ("hazard", "region", "peak", "expected"),
    [
        ("wind", "BE008", 30.0, "1; Wind"),
        ("thunderstorm_rain", "DE127", 18.0, "3; Thunderstorm"),
        ("rain_1h", "BE008", 20.0, "10; Rain"),
        ("rain_12h", "DE127", 30.0, "10; Rain"),
        ("heat", "FR070", 34.0, "5; high-temperature"),
        ("cold", "DE127", -12.0, "6; low-temperature"),
    ],
)
def test_awareness_types_are_spelled_as_in_meteoalarms_template(hazard, region, peak, expected):
    xml = _render(event=_event(region, hazard, level=2, peak_value=peak), languages=())
    assert read_cap(xml)["info"][0]["parameters"]["awareness_type"] == [expected]


def test_misspelled_or_missing_profile_parameters_are_rejected():
    document = etree.fromstring(_render())
    value = document.find("c:info/c:parameter[c:valueName='awareness_type']/c:value", NS)
    value.text = "5; High-Temperature"  # the spelling crosswarn once emitted
    with pytest.raises(CapValidationError, match="not spelled as in MeteoAlarm's template"):
        validate_cap(etree.tostring(document), name="x.xml")
    value.getparent().getparent().remove(value.getparent())
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


# --- every message says it is guidance ----------------------------------------------------------

#: The statement each headline carries (lower case), per language, for KMI-IRM and DWD.
HEADLINE_STATEMENTS = {
    ("BE", "en"): "crosswarn guidance under kmi-irm criteria, not an official kmi-irm warning",
    ("BE", "nl"): "crosswarn-advies volgens kmi-irm-criteria, "
                  "geen officiële kmi-irm-waarschuwing",
    ("BE", "fr"): "avis crosswarn selon les critères de kmi-irm, "
                  "pas un message officiel de kmi-irm",
    ("BE", "de"): "crosswarn-hinweis nach kmi-irm-kriterien, keine amtliche kmi-irm-warnung",
    ("DE", "en"): "crosswarn guidance under dwd criteria, not an official dwd warning",
    ("DE", "de"): "crosswarn-hinweis nach dwd-kriterien, keine amtliche dwd-warnung",
    ("trigger", "en"): "crosswarn guidance under kmi-irm and dwd criteria, "
                       "not an official warning",
    ("trigger", "nl"): "crosswarn-advies volgens kmi-irm- en dwd-criteria, "
                       "geen officiële waarschuwing",
    ("trigger", "fr"): "avis crosswarn selon les critères de kmi-irm et dwd, "
                       "pas un message officiel",
    ("trigger", "de"): "crosswarn-hinweis nach kmi-irm- und dwd-kriterien, "
                       "keine amtliche warnung",
}  # fmt: skip


@pytest.mark.parametrize("msg_type", ["Alert", "Cancel"])
def test_every_headline_says_it_is_crosswarn_guidance(msg_type):
    references = PREVIOUS if msg_type == "Cancel" else ""
    belgian = read_cap(_render(languages=("nl", "fr", "de"), msg_type=msg_type,
                               references=references))  # fmt: skip
    german = read_cap(_render(event=_event("DE127"), languages=("de",), msg_type=msg_type,
                              references=references))  # fmt: skip
    trigger = read_cap(_trigger_xml(msg_type, references))
    for key, message in (("BE", belgian), ("DE", german), ("trigger", trigger)):
        for info in message["info"]:
            statement = HEADLINE_STATEMENTS[key, info["language"][:2]]
            assert statement in info["headline"].lower(), (key, info["language"])
            assert info["senderName"].startswith("crosswarn (")
    for info in belgian["info"]:
        assert WEB["BE"] in info["description"]


# --- Cancels are all-clears ---------------------------------------------------------------------

CANCELLED = {"en": "Cancelled: ", "nl": "Ingetrokken: ", "fr": "Annulé : ", "de": "Aufgehoben: "}
NO_LONGER = {
    "en": ("no longer applies", "no longer needed"),
    "nl": ("is niet meer van toepassing", "is niet meer nodig"),
    "fr": ("ne s'applique plus", "n'est plus nécessaire"),
    "de": ("gilt nicht mehr", "ist nicht mehr nötig"),
}
FORECAST_WORDS = ("are expected", "verwacht.", "sont attendu", "erwartet.")


def test_a_cancelled_warning_is_an_all_clear_in_every_language():
    message = read_cap(
        _render(languages=("nl", "fr", "de"), msg_type="Cancel", references=PREVIOUS)
    )
    assert message["msgType"] == "Cancel"
    for info in message["info"]:
        language = info["language"][:2]
        assert info["headline"].startswith(f"{_status_note(language)}{CANCELLED[language]}")
        assert NO_LONGER[language][0] in info["description"]
        assert not any(word in info["description"] for word in FORECAST_WORDS)
        assert "orange" not in info["headline"].lower()  # no stale level
        assert info["responseType"] == "AllClear"
        assert info["expires"] == info["effective"] == message["sent"]
        assert info["onset"] is None
        assert info["parameters"]["awareness_level"] == ["1; green; Minor"]
        assert info["severity"] == "Minor"


def test_a_cancelled_trigger_is_an_all_clear_in_every_language():
    message = read_cap(_trigger_xml("Cancel", PREVIOUS))
    for info in message["info"]:
        language = info["language"][:2]
        assert info["headline"].startswith(f"{_status_note(language)}{CANCELLED[language]}")
        assert NO_LONGER[language][1] in info["description"]
        assert not any(word in info["description"] for word in FORECAST_WORDS)
        assert info["responseType"] == "AllClear"
        assert info["expires"] == message["sent"] and info["onset"] is None
        assert info["parameters"]["awareness_level"] == ["1; green; Minor"]


def _status_note(language: str) -> str:
    return {"en": "EXERCISE — not a real warning. ", "nl": "OEFENING — geen echte waarschuwing. ",
            "fr": "EXERCICE — pas un avertissement réel. ",
            "de": "ÜBUNG — keine echte Warnung. "}[language]  # fmt: skip


# --- consultation triggers ----------------------------------------------------------------------

REGIONS = gpd.GeoDataFrame(
    {"name": ["Liège & <Verviers>", "StädteRegion Aachen", "Limburg"]},
    geometry=[shapely.box(5.5, 50.2, 6.0, 50.8), shapely.box(6.0, 50.5, 6.4, 50.9),
              shapely.box(5.6, 50.8, 6.1, 51.3)],
    index=["BE008", "DE258", "NL012"],
    crs="EPSG:4326",
)  # fmt: skip
TRIGGER = {
    "id": "wind-2026011509-abcd1234",
    "hazard": "wind",
    "start": "2026-01-15T09:00:00+00:00",
    "end": "2026-01-15T18:00:00+00:00",
    "regions": {"BE008": "orange", "DE258": "red"},
    "levels_by_country": {"BE": "orange", "DE": "red"},
    "criteria_mismatches": [["BE008", "BE", 2, "DE", 3]],
}


def _trigger_xml(msg_type="Alert", references="", trigger=TRIGGER, receivers=None) -> bytes:
    receivers = receivers or (("nl", "BE"), ("fr", "BE"), ("de", "BE"), ("de", "DE"))
    xml = render_trigger_cap(
        trigger, _context(), criteria=CRITERIA, regions=REGIONS,
        addresses=["mailto:crisiscell@nccn.example.org", "mailto:lage@nrw.example.org"],
        cell_names=["NCCN", "Lagezentrum NRW"], receivers=receivers,
        msg_type=msg_type, message_id="2.49.0.0.0.0.CROSSWARN.x.1", references=references,
    )  # fmt: skip
    validate_cap(xml, name="trigger.xml")
    return xml


def test_consultation_trigger_is_restricted_to_the_cells_in_their_languages():
    message = read_cap(_trigger_xml())
    assert message["scope"] == "Restricted"
    assert message["addresses"] == [
        "mailto:crisiscell@nccn.example.org",
        "mailto:lage@nrw.example.org",
    ]
    languages = [i["language"] for i in message["info"]]
    assert languages == ["nl-BE", "fr-BE", "de-BE", "de-DE", "en-GB"]
    german = message["info"][3]
    assert german["parameters"]["awareness_level"] == ["4; red; Extreme"]
    assert german["parameters"]["awareness_type"] == ["1; Wind"]
    assert "BE008: orange nach KMI-IRM, rot nach DWD" in german["description"]
    assert "Von 15.01.2026 10:00 MEZ bis 15.01.2026 19:00 MEZ" in german["description"]
    assert [a["geocodes"]["EMMA_ID"] for a in german["areas"]] == [["BE008"], ["DE258"]]
    assert german["areas"][0]["description"] == "Liège & <Verviers> (orange)"
    assert message["info"][0]["areas"][1]["description"] == "StädteRegion Aachen (rood)"


def test_each_cells_country_decides_the_language_variant_and_the_official_page():
    trigger = TRIGGER | {"regions": {"BE008": "orange", "NL012": "red"},
                         "levels_by_country": {"BE": "orange", "NL": "red"}}  # fmt: skip
    message = read_cap(_trigger_xml(trigger=trigger, receivers=(("nl", "BE"), ("nl", "NL"))))
    web = {i["language"]: i["web"] for i in message["info"]}
    # English links the authority of the country at the highest level (NL: red)
    assert web == {"nl-BE": WEB["BE"], "nl-NL": WEB["NL"], "en-GB": WEB["NL"]}
    links = f"Official warnings: KMI-IRM {WEB['BE']}; KNMI {WEB['NL']}"
    assert message["info"][-1]["description"].endswith(links)


def test_a_cancelled_trigger_from_the_ledger_holds_numeric_levels():
    """The ledger's Cancel data carries levels as numbers: messages.render_decisions names them."""
    from pipeline.publishing.messages import _named_levels

    ended = TRIGGER | {"regions": {"BE008": 2, "DE258": 3}, "levels_by_country": {"BE": 2, "DE": 3},
                       "ended": True}  # fmt: skip
    named = _named_levels(ended)
    assert named["regions"] == TRIGGER["regions"]
    assert named["levels_by_country"] == TRIGGER["levels_by_country"]
    _trigger_xml("Cancel", PREVIOUS, trigger=named)


def test_update_without_references_is_rejected_and_references_are_checked():
    with pytest.raises(CapValidationError, match="an Update needs <references>"):
        _trigger_xml(msg_type="Update")
    update = _trigger_xml("Update", references=PREVIOUS)  # valid
    written = b"crosswarn@example.org,2.49.0.0.0.0.CROSSWARN.x.0,2026-01-14T23:30:00+01:00"
    assert written in update
    with pytest.raises(CapValidationError, match="is not sender,identifier,sent"):
        validate_cap(update.replace(written, b"crosswarn@example.org,x"), name="u.xml")


def test_ensemble_probability_sets_certainty():
    cases = ((None, "Likely"), (0.8, "Likely"), (0.501, "Likely"), (0.5, "Possible"),
             (0.4, "Possible"))  # fmt: skip
    for probability, expected in cases:
        xml = _render(event=replace(_event(), probability=probability), languages=("fr",))
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
    xml = _render(name="Liège", languages=("fr",), nuts3=("BE331", "BE332"))
    (area,) = read_cap(xml)["info"][0]["areas"]
    assert area["geocodes"] == {"EMMA_ID": ["BE008"], "NUTS3": ["BE331", "BE332"]}


def test_the_status_is_actual_only_where_a_deployment_sets_it(monkeypatch):
    from pipeline.orchestration.publish import cap_status
    from pipeline.settings import Settings

    monkeypatch.delenv("CROSSWARN_CAP_STATUS", raising=False)
    assert cap_status(Settings(), production_status=0) == "Exercise"  # unconfigured
    assert cap_status(Settings(cap_status="Actual"), production_status=0) == "Actual"
    assert cap_status(Settings(cap_status="Actual"), production_status=2) == "Exercise"  # scenario
    assert cap_status(Settings(cap_status="Test"), production_status=2) == "Test"

"""Reading the outputs for the web view: which warnings are in force, where their CAP files
lie, which feed links are followed, and both layouts of per-authority levels in
warnings.geojson. Small files in the publishing stage's formats, written here."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.publishing.texts import local
from pipeline.web.catalogue import fingerprint, hazard_levels, read_catalogue
from pipeline.web.pages import _ticks

SENDER = "crosswarn@example.org"


def _cap(identifier: str, *, scope="Public", msg_type="Alert", region="BE007", level="orange",
         references: str = "", trigger: str | None = None) -> str:  # fmt: skip
    refs = f"<references>{references}</references>" if references else ""
    extra = (
        f"<parameter><valueName>crosswarn_trigger</valueName><value>{trigger}</value></parameter>"
        if trigger
        else ""
    )
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>{SENDER}</sender>
  <sent>2026-01-15T02:30:00+01:00</sent><status>Exercise</status><msgType>{msg_type}</msgType>
  <scope>{scope}</scope>{refs}
  <info><language>nl-BE</language><category>Met</category><event>Zware windstoten</event>
    <urgency>Future</urgency><severity>Severe</severity><certainty>Likely</certainty>
    <onset>2026-01-15T12:00:00+01:00</onset><expires>2026-01-16T00:00:00+01:00</expires>
    <headline>kop {identifier}</headline>
    <parameter><valueName>awareness_level</valueName><value>3; {level}; Severe</value></parameter>
    {extra}
    <area><areaDesc>Limburg</areaDesc>
      <geocode><valueName>EMMA_ID</valueName><value>{region}</value></geocode></area>
  </info>
  <info><language>en-GB</language><category>Met</category><event>Severe wind gusts</event>
    <urgency>Future</urgency><severity>Severe</severity><certainty>Likely</certainty>
    <onset>2026-01-15T12:00:00+01:00</onset><expires>2026-01-16T00:00:00+01:00</expires>
    <headline>headline {identifier}</headline>
    <area><areaDesc>Limburg</areaDesc></area>
  </info>
</alert>
"""


def _feed(*hrefs: str) -> str:
    entries = "".join(
        f'<entry><id>urn:oid:{h}</id><link rel="alternate" type="application/cap+xml" '
        f'href="{h}"/></entry>'
        for h in hrefs
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<link type="application/atom+xml" href="feed-nl.atom" rel="alternate"/>{entries}</feed>'
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _geojson(props: dict) -> str:
    feature = {"type": "Feature", "geometry": None, "properties": props}
    return json.dumps({"type": "FeatureCollection", "features": [feature]})


def test_warnings_in_force_follow_the_feed_and_drop_replaced_and_cancelled(tmp_path):
    """The feed lists what is in force, from this run's folder and an earlier run's; a link
    leaving the source's runs is not followed; an update's predecessor and a cancellation are
    not in force."""
    out = tmp_path / "out"
    old, new = out / "dwd-icon-d2" / "2026011500", out / "dwd-icon-d2" / "2026011503"
    _write(old / "cap" / "A.xml", _cap("A", region="BE002"))  # earlier run, still in force
    _write(old / "cap" / "B.xml", _cap("B", region="BE003"))
    _write(new / "cap" / "C.xml", _cap("C", msg_type="Update", references=f"{SENDER},B,x"))
    _write(new / "cap" / "D.xml", _cap("D", msg_type="Cancel", region="BE004"))
    _write(out / "secret" / "cap" / "E.xml", _cap("E", region="BE005"))
    _write(
        new / "feed.atom",
        _feed("../2026011500/cap/A.xml", "cap/C.xml", "cap/D.xml", "B.xml",
              "../../secret/cap/E.xml", "../secret/cap/E.xml"),
    )  # fmt: skip
    _write(new / "warnings.geojson", _geojson({"region": "BE007", "wind_level": "orange"}))
    _write(old / "warnings.geojson", _geojson({"region": "BE002", "wind_level": "red"}))
    catalogue = read_catalogue(out)
    run = catalogue.runs["dwd-icon-d2"]
    assert run.run == "2026011503"  # the newest run
    assert sorted((w.identifier, w.region) for w in run.warnings) == [
        ("A", "BE002"),
        ("C", "BE007"),
    ]
    assert set(catalogue.public_caps) == {"A", "C", "D"}  # B is only in the older run's folder
    warning = next(w for w in run.warnings if w.identifier == "C")
    assert warning.events == {"nl": "Zware windstoten", "en": "Severe wind gusts"}
    assert warning.expires - warning.onset == timedelta(hours=12)


def test_without_a_feed_the_runs_own_messages_are_in_force_and_an_empty_feed_means_none(tmp_path):
    out = tmp_path / "out"
    run = out / "knmi-harmonie" / "2026011500"
    _write(run / "cap" / "A.xml", _cap("A"))
    _write(run / "warnings.geojson", _geojson({"region": "BE007", "wind_level": "orange"}))
    assert [w.identifier for w in read_catalogue(out).runs["knmi-harmonie"].warnings] == ["A"]
    _write(run / "feed.atom", _feed())
    assert read_catalogue(out).runs["knmi-harmonie"].warnings == ()


def test_restricted_messages_are_never_public_wherever_they_lie(tmp_path):
    out = tmp_path / "out"
    run = out / "dwd-icon-d2" / "2026011500"
    _write(run / "cap" / "R.xml", _cap("R", scope="Restricted"))
    _write(run / "cap" / "P.xml", _cap("P"))
    _write(run / "feed.atom", _feed("cap/R.xml", "cap/P.xml"))
    _write(run / "warnings.geojson", _geojson({"region": "BE007", "wind_level": "orange"}))
    consultation = out / "consultation" / "2026011500"
    _write(consultation / "cap" / "T.xml", _cap("T", scope="Restricted", trigger="wind-1"))
    _write(consultation / "cap" / "U.xml", _cap("U", trigger="wind-1"))  # public: no trigger's
    _write(
        consultation / "triggers.json",
        json.dumps([{"id": "wind-1", "hazard": "wind", "start": "2026-01-15T06:00:00+00:00",
                     "end": "2026-01-15T18:00:00+00:00", "levels_by_country": {"BE": "orange"},
                     "regions": {"BE007": "orange"}, "crisis_cells": ["be-nccn"]}]),
    )  # fmt: skip
    catalogue = read_catalogue(out)
    assert set(catalogue.public_caps) == {"P"}
    assert [w.identifier for w in catalogue.runs["dwd-icon-d2"].warnings] == ["P"]
    assert "consultation" not in catalogue.runs
    assert catalogue.triggers["wind-1"].cap.identifier == "T"
    assert catalogue.triggers["wind-1"].cells == {"be-nccn"}


def test_levels_per_authority_read_from_nested_and_flat_properties():
    nested = hazard_levels(
        {"rain_6h_level": "yellow", "rain_6h_level_by_criteria": {"BE": "yellow", "DE": "orange"}}
    )
    flat = hazard_levels(
        {"rain_6h_level": "yellow", "rain_6h_level_BE": "yellow", "rain_6h_level_DE": "orange",
         "rain_6h_onset": "2026-01-15T10:00:00+01:00", "rain_6h_peak_value": 31,
         "wind_level": "none", "wind_level_DE": "purple"}
    )  # fmt: skip
    expected = {"level": "yellow", "by_authority": {"BE": "yellow", "DE": "orange"}}
    assert nested == {"rain_6h": expected}
    assert flat == {"rain_6h": expected, "wind": {"level": "none"}}  # no unknown level


def test_the_fingerprint_changes_when_a_run_is_published(tmp_path):
    out = tmp_path / "out"
    run = out / "dwd-icon-d2" / "2026011500"
    _write(run / "warnings.geojson", _geojson({"region": "BE007"}))
    before = fingerprint(out)
    _write(out / "dwd-icon-d2" / "2026011503" / "warnings.geojson", _geojson({}))
    assert fingerprint(out) != before
    assert fingerprint(out)[0][1] == "2026011503"


def test_timeline_ticks_every_6_h_up_to_30_h_then_every_12_h():
    start = local(datetime(2026, 1, 15, 5, 30, tzinfo=UTC))  # 06:30 CET
    six = _ticks(start, start + timedelta(hours=30))
    assert [t.hour for t in six] == [12, 18, 0, 6, 12]
    twelve = _ticks(start, start + timedelta(hours=30, minutes=1))
    assert [(t.day, t.hour) for t in twelve] == [(15, 12), (16, 0), (16, 12)]
    # Across the change to summer time the ticks stay at local 00/06/12/18 h.
    spring = _ticks(local(datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),
                    local(datetime(2026, 3, 29, 12, 0, tzinfo=UTC)))  # fmt: skip
    assert [t.strftime("%H %Z") for t in spring] == ["06 CEST", "12 CEST"]

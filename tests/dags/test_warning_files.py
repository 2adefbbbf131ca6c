"""The warning files of the DAG's scenario run: trigger CAP, bulletins, feed, GeoJSON."""

from __future__ import annotations

import json

import yaml
from lxml import etree

from pipeline.publishing.cap_check import read_cap
from pipeline.settings import DEFAULT_REGIONS_DIR

ATOM = {"a": "http://www.w3.org/2005/Atom"}


def _cells() -> dict[str, dict]:
    data = yaml.safe_load((DEFAULT_REGIONS_DIR / "crisis_cells.yaml").read_text())
    return {c["id"]: c for c in data["crisis_cells"]}


def _consultation(demo_run):
    return demo_run.parent.parent / "consultation" / demo_run.name


def test_trigger_messages_speak_the_convened_cells_languages(demo_run):
    consultation = _consultation(demo_run)
    triggers = json.loads((consultation / "triggers.json").read_text())
    cells = _cells()
    restricted = [
        read_cap(p.read_bytes())
        for p in sorted((consultation / "cap").glob("*.xml"))
        if b"<scope>Restricted</scope>" in p.read_bytes()
    ]
    assert not any(b"Restricted" in p.read_bytes() for p in (demo_run / "cap").glob("*.xml"))
    assert len(restricted) == len(triggers) >= 1
    for message in restricted:
        trigger_id = message["info"][0]["parameters"]["crosswarn_trigger"][0]
        trigger = next(t for t in triggers if t["id"] == trigger_id)
        convened = [cells[c] for c in trigger["crisis_cells"]]
        assert sorted(message["addresses"]) == sorted(c["address"] for c in convened)
        expected = {lang for c in convened for lang in c["languages"]} | {"en"}
        assert {i["language"][:2] for i in message["info"]} == expected


def test_each_trigger_has_a_bulletin_and_a_map_per_language(demo_run):
    cells = _cells()
    consultation = _consultation(demo_run)
    triggers = json.loads((consultation / "triggers.json").read_text())
    pages = sorted((consultation / "bulletins").glob("2.49.*.html"))  # not the overviews
    maps = sorted((consultation / "bulletins").glob("2.49.*.png"))
    assert [p.with_suffix("").name for p in maps] == [p.with_suffix("").name for p in pages]
    for path in maps:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    languages = [
        {lang for c in t["crisis_cells"] for lang in cells[c]["languages"]} | {"en"}
        for t in triggers
    ]
    assert len(pages) == sum(len(langs) for langs in languages)
    page = next(p for p in pages if p.name.endswith("-de.html"))
    german = page.read_text()
    etree.fromstring(german.split("\n", 1)[1].encode(), etree.HTMLParser())  # parses
    assert '<html lang="de">' in german and "Krisenstäbe" in german
    assert "<table>" in german and f'src="{page.with_suffix(".png").name}"' in german


def test_feed_lists_every_active_alert(demo_run):
    feed = etree.parse(str(demo_run / "feed.atom"))
    entries = feed.findall("a:entry", ATOM)
    # Dated by the run's issue time: 00 UTC plus DWD's 90 minutes for ICON-D2.
    assert feed.findtext("a:updated", namespaces=ATOM) == "2026-01-15T01:30:00+00:00"
    summary = json.loads((demo_run / "summary.json").read_text())
    assert len(entries) == summary["messages"]["Alert"]  # first run: every message is active
    caps = {p.name for p in (demo_run / "cap").glob("*.xml")}
    for entry in entries:  # links relative to the feed: the run's own CAP files
        link = entry.find("a:link", ATOM)
        assert link.get("type") == "application/cap+xml"
        assert link.get("href") in {f"cap/{name}" for name in caps}
    outbox = demo_run.parent.parent / "outbox"
    assert {p.name for p in outbox.glob("*.xml")} >= caps


def test_geojson_is_rfc7946(demo_run):
    collection = json.loads((demo_run / "warnings.geojson").read_text())
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    for feature in collection["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        ring = feature["geometry"]["coordinates"][0]
        ring = ring[0] if feature["geometry"]["type"] == "MultiPolygon" else ring
        lon, lat = ring[0]
        assert -6 < lon < 16 and 47 < lat < 56  # longitude first
        props = feature["properties"]
        by_authority = {k.removeprefix("wind_level_") for k in props if k.startswith("wind_level_")}
        assert by_authority == {"BE", "DE", "FR", "LU", "NL"}  # flat columns, one per authority
        assert (props["run"], props["source"]) == ("2026011500", "dwd-icon-d2")

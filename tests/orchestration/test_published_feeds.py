"""The publish and consult stages end to end (real configuration, ledger, outbox): every link
of every Atom feed resolves from where the feed lies, in a run's folder (to this run's and an
earlier run's messages) and in the outbox; Restricted messages appear only in the restricted
feeds; ``warnings.geojson`` carries run, source and timing; a rerun writes identical files."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from lxml import etree

from pipeline.assessment.events import Event, event_to_dict
from pipeline.orchestration import stages
from pipeline.orchestration.config import load_config
from pipeline.orchestration.consult import consult
from pipeline.orchestration.publish import publish
from pipeline.orchestration.workdir import write_assessment
from pipeline.publishing.cap_check import read_cap
from pipeline.settings import Settings

ATOM = {"a": "http://www.w3.org/2005/Atom"}
SOURCE = "dwd-icon-d2"
EARLIER, LATER = "2026011500", "2026011503"
COUNTRIES = ("BE", "DE", "FR", "LU", "NL")


def _event(region: str, country: str, start: int, end: int, level: int, value: float) -> Event:
    """A wind event on 15 January from ``start`` to ``end`` h UTC, at ``level`` throughout."""
    day = datetime(2026, 1, 15, tzinfo=UTC)
    hours = range(start + 1, end + 1)
    return Event(
        region=region, country=country, hazard="wind", onset=day + timedelta(hours=start),
        expiry=day + timedelta(hours=end), peak_level=level,
        peak_time=day + timedelta(hours=start + 1), peak_value=value,
        timeline=tuple(((day + timedelta(hours=h)).isoformat(), level) for h in hours),
        levels_by_criteria={c: level for c in COUNTRIES},
    )  # fmt: skip


def _assess_and_publish(settings: Settings, run: str, events: list[Event]) -> Path:
    """What the assess stage records for ``events`` (the ledger's decisions, the assessment),
    then the publish stage."""
    config = load_config(settings.regions_dir, settings.cache_dir)
    reference = datetime.strptime(run, "%Y%m%d%H").replace(tzinfo=UTC)
    issued = reference + timedelta(minutes=90)
    with settings.ledger() as ledger:
        decisions = ledger.record_run(
            SOURCE, run, reference_time=reference, sent=issued, events=events, triggers=[],
            policy=config.consultation.events,
        )  # fmt: skip
    levels = {"wind": {e.region: dict(e.levels_by_criteria) for e in events}}
    write_assessment(settings, SOURCE, run, {
        "source": SOURCE, "run": run, "production_status": 1, "issued": issued.isoformat(),
        "levels": levels, "events": [event_to_dict(e) for e in events], "triggers": [],
        "decisions": [asdict(d) for d in decisions],
    })  # fmt: skip
    return Path(publish(SOURCE, run, settings))


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """Two runs and the consultation: Liège orange in both runs (its message of the earlier
    run stays in force), StädteRegion Aachen yellow, then orange (an Update in the later run):
    a cross-border trigger BE-DE."""
    base = tmp_path_factory.mktemp("published")
    settings = Settings(
        out_dir=base / "out", work_dir=base / "work", archive_dir=base / "archive",
        cache_dir=base / "cache",
    )  # fmt: skip
    stages.migrate(settings)
    liege = _event("BE008", "BE", 9, 18, 2, 30.0)
    _assess_and_publish(settings, EARLIER, [liege, _event("DE258", "DE", 10, 16, 1, 16.0)])
    _assess_and_publish(settings, LATER, [liege, _event("DE258", "DE", 10, 16, 2, 20.0)])
    consult(settings)
    return base / "out"


def _feeds(out: Path) -> list[Path]:
    return sorted(out.glob("*/*/feed*.atom")) + sorted((out / "outbox").glob("feed*.atom"))


def _links(feed: Path) -> list[tuple[str, Path]]:
    """Each link of the feed, and the file it names resolved against the feed's own URL."""
    hrefs = etree.parse(str(feed)).xpath("//a:link/@href", namespaces=ATOM)
    return [(h, Path(unquote(urlparse(urljoin(feed.as_uri(), h)).path))) for h in hrefs]


def test_every_link_of_every_feed_resolves_from_where_the_feed_lies(published):
    feeds = _feeds(published)
    names = {f.relative_to(published).as_posix() for f in feeds}
    for folder in (f"{SOURCE}/{EARLIER}", f"{SOURCE}/{LATER}", f"consultation/{LATER}"):
        assert {f"{folder}/feed{lang}.atom" for lang in ("", "-nl", "-fr", "-de")} <= names
    assert f"consultation/{LATER}/feed-restricted-de.atom" in names
    assert "outbox/feed-consultation-restricted.atom" in names
    assert f"outbox/feed-{SOURCE}-nl.atom" in names
    checked = []
    for feed in feeds:
        for href, target in _links(feed):
            assert target.is_file(), f"{feed.relative_to(published)}: {href} does not resolve"
            checked.append(href)
    # this run's messages, the earlier run's still in force, the outbox's, sibling feeds
    later_feed = [h for h, _ in _links(published / SOURCE / LATER / "feed.atom")]
    assert any(h.startswith(f"../{EARLIER}/cap/") for h in later_feed)
    assert any(h.startswith("cap/") for h in later_feed)
    assert "feed-nl.atom" in later_feed and len(checked) > 50


def test_public_feeds_never_list_or_link_a_restricted_file(published):
    triggers = json.loads((published / "consultation" / LATER / "triggers.json").read_text())
    assert len(triggers) >= 1
    for feed in _feeds(published):
        restricted_feed = "restricted" in feed.name
        for href, target in _links(feed):
            if target.suffix == ".atom":
                assert ("restricted" in target.name) == restricted_feed
                continue
            scope = read_cap(target.read_bytes())["scope"]
            assert scope == ("Restricted" if restricted_feed else "Public"), (feed, href)
    consultation = published / "consultation" / LATER
    public = etree.parse(str(consultation / "feed.atom"))
    assert public.findall("a:entry", ATOM) == []  # triggers only: nothing public
    restricted = etree.parse(str(consultation / "feed-restricted.atom"))
    assert len(restricted.findall("a:entry", ATOM)) == len(triggers)


def test_the_feed_of_the_later_run_lists_what_is_in_force_by_severity(published):
    feed = etree.parse(str(published / SOURCE / LATER / "feed-de.atom"))
    titles = feed.xpath("//a:entry/a:title/text()", namespaces=ATOM)
    # an exercise (production_status 1); both orange: Liège's began at 09 UTC, Aachen's at 10
    exercise = "ÜBUNG — keine echte Warnung. "
    assert all(t.startswith(exercise) for t in titles)
    assert [t.removeprefix(exercise).split(" – ")[:3] for t in titles] == [
        ["Orange", "Sturmböen", "Liège"],
        ["Orange", "Sturmböen", "StädteRegion Aachen"],
    ]


def test_warnings_geojson_carries_run_source_and_timing(published):
    collection = json.loads((published / SOURCE / LATER / "warnings.geojson").read_text())
    features = {f["properties"]["region"]: f["properties"] for f in collection["features"]}
    aachen = features["DE258"]
    assert (aachen["run"], aachen["source"]) == (LATER, SOURCE)
    assert aachen["wind_onset"] == "2026-01-15T11:00:00+01:00"
    assert aachen["wind_expiry"] == "2026-01-15T17:00:00+01:00"
    assert (aachen["wind_peak_value"], aachen["wind_peak_unit"]) == (72, "km/h")  # 20 m/s
    assert aachen["wind_level"] == "orange" and aachen["wind_level_BE"] == "orange"
    consultation = json.loads((published / "consultation" / LATER / "warnings.geojson").read_text())
    liege = next(
        f["properties"] for f in consultation["features"] if f["properties"]["region"] == "BE008"
    )
    assert liege["source"] == "consultation" and liege["inputs"] == f"{SOURCE} {LATER}"
    assert liege["wind_models"] == "DWD ICON-D2"


def test_a_rerun_writes_identical_files(published):
    settings = Settings(
        out_dir=published, work_dir=published.parent / "work",
        archive_dir=published.parent / "archive", cache_dir=published.parent / "cache",
    )  # fmt: skip
    folders = (published / SOURCE / LATER, published / "consultation" / LATER)
    files = sorted(p for d in folders for p in d.rglob("*") if p.is_file()) + _feeds(published)
    before = {p: p.read_bytes() for p in files}
    publish(SOURCE, LATER, settings)
    consult(settings)
    assert {p: p.read_bytes() for p in files} == before

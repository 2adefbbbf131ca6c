"""The bulletins as the bulletins stage writes them after publish and consult (real
configuration, ledger, outbox, staging): a page and a map per language for each trigger, a
country overview per country and language for every run, all in the folder's manifest, dated by
the run, identical on rerun; the CAP files never wait for them."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
from PIL import Image

from pipeline.assessment.events import Event, event_to_dict
from pipeline.errors import DataNotYetAvailable
from pipeline.orchestration import stages
from pipeline.orchestration.bulletins import bulletins
from pipeline.orchestration.config import load_config
from pipeline.orchestration.consult import consult
from pipeline.orchestration.publish import publish
from pipeline.orchestration.workdir import CONSULTATION, write_assessment
from pipeline.publishing.cap_check import read_cap
from pipeline.settings import Settings

SOURCE, RUN = "dwd-icon-d2", "2026011500"
COUNTRIES = ("BE", "DE", "FR", "LU", "NL")
#: One overview per country and language of its crisis cells (regions/crisis_cells.yaml).
OVERVIEWS = {"BE-nl", "BE-fr", "BE-de", "NL-nl", "DE-de", "LU-fr", "FR-fr"}


def _event(region: str, country: str, level: int, value: float) -> Event:
    """A wind event on 15 January 2026, 09-18 h UTC."""
    day = datetime(2026, 1, 15, tzinfo=UTC)
    return Event(
        region=region, country=country, hazard="wind", onset=day + timedelta(hours=9),
        expiry=day + timedelta(hours=18), peak_level=level, peak_time=day + timedelta(hours=12),
        peak_value=value,
        timeline=tuple(((day + timedelta(hours=h)).isoformat(), level) for h in range(10, 19)),
        levels_by_criteria={c: level for c in COUNTRIES},
    )  # fmt: skip


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """ICON-D2's 00 UTC run with Liège orange and StädteRegion Aachen orange, and the
    consultation it triggers (BE-DE)."""
    base = tmp_path_factory.mktemp("published")
    settings = Settings(
        out_dir=base / "out", work_dir=base / "work", archive_dir=base / "archive",
        cache_dir=base / "cache",
    )  # fmt: skip
    stages.migrate(settings)
    config = load_config(settings.regions_dir, settings.cache_dir)
    events = [_event("BE008", "BE", 2, 30.0), _event("DE258", "DE", 2, 26.0)]
    issued = datetime(2026, 1, 15, 1, 30, tzinfo=UTC)  # 00 UTC + ICON-D2's 90 minutes
    with settings.ledger() as ledger:
        decisions = ledger.record_run(
            SOURCE, RUN, reference_time=datetime(2026, 1, 15, tzinfo=UTC), sent=issued,
            events=events, triggers=[], policy=config.consultation.events,
        )  # fmt: skip
    write_assessment(settings, SOURCE, RUN, {
        "source": SOURCE, "run": RUN, "production_status": 1, "issued": issued.isoformat(),
        "levels": {"wind": {e.region: dict(e.levels_by_criteria) for e in events}},
        "events": [event_to_dict(e) for e in events], "triggers": [],
        "decisions": [asdict(d) for d in decisions],
    })  # fmt: skip
    publish(SOURCE, RUN, settings)
    consult(settings)
    for source in (SOURCE, CONSULTATION):  # after the CAP files, as every flow runs them
        bulletins(source, RUN, settings)
    return settings


def _manifest(folder: Path) -> set[str]:
    return {f["path"] for f in json.loads((folder / "manifest.json").read_text())["files"]}


def test_every_run_gets_the_country_overviews(published):
    for source in (SOURCE, CONSULTATION):
        folder = published.out_dir / source / RUN
        names = {p.name for p in (folder / "bulletins").glob("overview-*")}
        assert names == {f"overview-{o}.{ext}" for o in OVERVIEWS for ext in ("html", "png")}
        assert names <= _manifest(folder / "bulletins")  # the folder has its own manifest
    page = (published.out_dir / SOURCE / RUN / "bulletins" / "overview-BE-fr.html").read_text()
    tree = lxml.html.fromstring(page)
    facts = {dt.text_content(): dt.getnext().text_content() for dt in tree.findall(".//dl/dt")}
    assert facts["Émis le"] == "15/01/2026 02h30 heure d'hiver"
    # ICON-D2 runs every 3 h and publishes 90 minutes after: 03 UTC + 1:30 = 05:30 CET
    assert facts["Prochaine mise à jour attendue"] == "15/01/2026 05h30 heure d'hiver"
    assert facts["Runs de modèles utilisés"] == (
        "DWD ICON-D2, run du 15/01/2026 01h00 heure d'hiver — Source: Deutscher Wetterdienst "
        "(DWD), ICON-D2 (DWD open data (GeoNutzV), compatible with CC BY 4.0)"
    )


def test_each_trigger_has_a_page_and_its_map_per_language(published):
    folder = published.out_dir / CONSULTATION / RUN
    triggers = json.loads((folder / "triggers.json").read_text())
    assert len(triggers) == 1
    pages = sorted(p for p in (folder / "bulletins").glob("2.49.*.html"))
    # Liège's cells work in French and German, the NCCN in Dutch too; Aachen's in German; + en
    assert sorted(p.name.rsplit("-", 1)[1] for p in pages) == ["de.html", "en.html", "fr.html",
                                                                "nl.html"]  # fmt: skip
    outbox = published.out_dir / "outbox"
    for page in pages:
        image = lxml.html.fromstring(page.read_text()).find(".//figure/img")
        assert image.get("src") == page.name.replace(".html", ".png")  # its language's map
        png = folder / "bulletins" / image.get("src")
        assert Image.open(png).size[0] == 1417
        assert (outbox / png.name).read_bytes() == png.read_bytes()
        assert png.name in _manifest(folder / "bulletins")


def test_a_rerun_writes_identical_bulletins(published):
    folder = published.out_dir / CONSULTATION / RUN / "bulletins"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with published.ledger() as ledger:
        queued = ledger.pending_deliveries()
    publish(CONSULTATION, RUN, published)
    bulletins(CONSULTATION, RUN, published)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    with published.ledger() as ledger:
        assert ledger.pending_deliveries() == queued  # nothing enqueued twice


def test_the_cap_files_are_out_before_the_bulletins_and_the_mail_waits_for_them(
    published, tmp_path
):
    """publish writes the run's CAP files and their webhooks alone; the bulletins stage adds
    the pages, maps and the mail that carries them; before publish it refuses, naming the run."""
    settings = published.model_copy(update={"out_dir": tmp_path / "out"})
    with pytest.raises(DataNotYetAvailable, match=rf"{CONSULTATION} {RUN} is not publ"):
        bulletins(CONSULTATION, RUN, settings)
    assert not (tmp_path / "out").exists()
    final = Path(publish(CONSULTATION, RUN, settings))
    assert sorted(p.name for p in final.iterdir() if p.is_dir()) == ["cap"]
    assert list(final.glob("cap/*.xml")) and not (final / "bulletins").exists()
    bulletins(CONSULTATION, RUN, settings)
    names = {p.name for p in (final / "bulletins").iterdir()}
    assert {n.rsplit(".", 1)[1] for n in names} == {"html", "png", "json"}
    assert "manifest.json" in names


def test_a_failing_bulletin_leaves_the_warnings_out_and_half_of_nothing(
    published, tmp_path, monkeypatch
):
    """A map failing halfway: the CAP files and their outbox copies stay as published, no
    bulletin file is written anywhere and no mail is queued (it would attach missing files);
    the stage's rerun writes them all and queues the mail once per convened cell."""
    from pipeline.publishing import bulletin

    settings = published.model_copy(update={"out_dir": tmp_path / "out", "smtp_host": "mail"})
    final = Path(publish(CONSULTATION, RUN, settings))
    outbox = settings.out_dir / "outbox"
    published_files = sorted(p.name for p in outbox.iterdir())
    assert published_files and all(
        n.endswith(".xml") or n.endswith(".atom") for n in published_files
    )
    with settings.ledger() as ledger:
        queued = {(d.identifier, d.channel, d.target) for d in ledger.pending_deliveries()}

    real, calls = bulletin.render_map, []

    def third_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the map renderer crashed")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulletin, "render_map", third_fails)
    with pytest.raises(RuntimeError, match="crashed"):
        bulletins(CONSULTATION, RUN, settings)
    assert not (final / "bulletins").exists()
    assert [p.name for p in final.iterdir() if p.name.startswith(".")] == []  # no staging left
    assert sorted(p.name for p in outbox.iterdir()) == published_files
    with settings.ledger() as ledger:
        assert {(d.identifier, d.channel, d.target) for d in ledger.pending_deliveries()} == queued

    monkeypatch.setattr(bulletin, "render_map", real)
    bulletins(CONSULTATION, RUN, settings)
    with settings.ledger() as ledger:
        mails = [d for d in ledger.pending_deliveries() if d.channel == "email"]
    (message,) = final.glob("cap/*.xml")  # the trigger's: addressed to the cells it convenes
    assert sorted(d.target for d in mails) == sorted(read_cap(message.read_bytes())["addresses"])
    for mail in mails:
        assert all((outbox / name).is_file() for name in mail.files)
        assert {n.rsplit(".", 1)[1] for n in mail.files} == {"xml", "html", "png"}

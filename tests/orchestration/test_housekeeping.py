"""Pruning by retention, relative to a given date, sparing what the ledger references."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from pipeline.assessment.consultation import EventPolicy
from pipeline.assessment.events import Event
from pipeline.ledger.records import Delivery
from pipeline.orchestration.housekeeping import prune
from pipeline.publishing.outbox import Outbox
from pipeline.settings import Settings

SOURCE = "dwd-icon-d2"


def _event(onset: datetime) -> Event:
    return Event(
        region="NL009", country="NL", hazard="wind", onset=onset,
        expiry=onset + timedelta(days=30), peak_level=1, peak_time=onset, peak_value=25.0,
        timeline=(), levels_by_criteria={"NL": 1},
    )  # fmt: skip


def test_prune_keeps_recent_and_referenced_runs_and_messages(tmp_path):
    settings = Settings(
        archive_dir=tmp_path / "archive", work_dir=tmp_path / "work", out_dir=tmp_path / "out",
        archive_retention_days=7, outbox_retention_days=30,
    )  # fmt: skip
    runs = ["2026010100", "2026011000", "2026012000", "2026020100"]
    for root in ("archive", "work", "out"):
        for run in runs:
            (tmp_path / root / SOURCE / run).mkdir(parents=True)
            (tmp_path / root / SOURCE / run / "x").write_text("x")
    # The ledger: run 2026011000 sent a warning (lasting 30 days) that run 2026020100, the
    # newest, forecast again unchanged: the message in force is still 2026011000's.
    ledger = settings.ledger()
    ledger.migrate()
    reference = datetime(2026, 1, 10, tzinfo=UTC)
    (alert,) = ledger.record_run(
        SOURCE, "2026011000", reference_time=reference, sent=reference,
        events=[_event(reference + timedelta(hours=6))], triggers=[], policy=EventPolicy(),
    )  # fmt: skip
    ledger.record_run(
        SOURCE, "2026020100", reference_time=datetime(2026, 2, 1, tzinfo=UTC),
        sent=datetime(2026, 2, 1, tzinfo=UTC), events=[_event(reference + timedelta(hours=6))],
        triggers=[], policy=EventPolicy(),
    )  # fmt: skip
    outbox = Outbox(tmp_path / "out" / "outbox")
    old = "2.49.0.0.0.0.CROSSWARN.dwd-icon-d2.2025120100.aaaaaaaaaaaa"
    pending = "2.49.0.0.0.0.CROSSWARN.dwd-icon-d2.2025120200.bbbbbbbbbbbb"
    for name in (f"{old}.xml", f"{old}-de.html", f"{pending}.xml", f"{alert.identifier}.xml"):
        outbox.put(name, b"<x/>")
    ledger.enqueue([Delivery(identifier=pending, channel="webhook", target="http://x",
                              files=[f"{pending}.xml"], subject="", text="", status="pending",
                              attempts=0, last_error="")])  # fmt: skip
    ledger.close()

    counts = prune(settings, datetime(2026, 2, 5, tzinfo=UTC))
    # Archive and work keep 7 days (from 29 Jan): 2026020100 stays as the newest run anyway;
    # 2026011000 stays because its message is still in force for an active warning.
    for root in ("archive", "work"):
        kept = sorted(p.name for p in (tmp_path / root / SOURCE).iterdir())
        assert kept == ["2026011000", "2026020100"], root
    # Outputs keep 30 days (from 6 Jan): 2026011000 and later.
    kept = sorted(p.name for p in (tmp_path / "out" / SOURCE).iterdir())
    assert kept == ["2026011000", "2026012000", "2026020100"]
    left = sorted(p.name for p in outbox.root.iterdir())
    assert left == sorted([f"{pending}.xml", f"{alert.identifier}.xml"])
    assert counts == {"archive": 2, "work": 2, "out": 1, "outbox": 2, "leftovers": 0}


def test_leftovers_of_killed_processes_are_removed_once_old(tmp_path):
    """Hidden temporary, staging and parked files older than six hours before the
    housekeeping date go; younger ones (a task may be writing them) and real files stay."""
    settings = Settings(
        archive_dir=tmp_path / "archive", work_dir=tmp_path / "work", out_dir=tmp_path / "out",
        ledger_url=f"sqlite:///{tmp_path / 'ledger.sqlite'}",
    )  # fmt: skip
    as_of = datetime(2026, 1, 20, 12, tzinfo=UTC)
    old, young = ((as_of - timedelta(hours=h)).timestamp() for h in (7, 5))
    run_dir = tmp_path / "archive" / "dwd-icon-d2" / "2026011912" / "t_2m"
    run_dir.mkdir(parents=True)
    names = {
        run_dir / ".f.grib2.bz2.tmp-0123456789abcdef": old,
        run_dir / ".manifest.tmp-0123456789abcdef.json": old,
        tmp_path / "out" / "dwd-icon-d2" / ".2026011912.staging-0123456789abcdef": old,
        tmp_path / "out" / "dwd-icon-d2" / ".2026011912.old-fedcba9876543210": old,
        tmp_path / "work" / "knmi" / "2026011912" / ".staging-0123456789abcdef": old,
        run_dir / ".g.grib2.bz2.tmp-aaaaaaaaaaaaaaaa": young,
        run_dir / "f.grib2.bz2": old,
    }
    for path, when in names.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if "staging" in path.name or ".old-" in path.name:
            path.mkdir()
            (path / "inside.xml").write_text("x")
        else:
            path.write_text("x")
        os.utime(path, (when, when))
    ledger = settings.ledger()
    ledger.migrate()
    counts = prune(settings, as_of)
    assert counts["leftovers"] == 5
    remaining = {p for p in names if p.exists()}
    assert remaining == {
        run_dir / ".g.grib2.bz2.tmp-aaaaaaaaaaaaaaaa",
        run_dir / "f.grib2.bz2",
    }

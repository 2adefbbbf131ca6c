"""Pruning by retention, relative to a given date, sparing what the ledger references."""

from __future__ import annotations

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
    assert counts == {"archive": 2, "work": 2, "out": 1, "outbox": 2}

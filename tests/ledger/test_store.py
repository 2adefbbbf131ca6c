"""The ledger's message decisions over sequences of runs, on SQLite and on a real PostgreSQL.

PostgreSQL: ``CROSSWARN_TEST_POSTGRES_URL`` (default: the local server's socket); each test gets
its own database. ``.ci/run`` installs and starts the server and sets
``CROSSWARN_REQUIRE_POSTGRES=1``, so there a missing server fails instead of skipping.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from pipeline.assessment.consultation import EventPolicy, Trigger
from pipeline.assessment.events import Event
from pipeline.errors import ConfigError
from pipeline.ledger.store import Ledger
from tests.conftest import postgres_admin

T0 = datetime(2026, 1, 15, 0, tzinfo=UTC)
SENDER = "crosswarn@example.org"
PREFIX = "2.49.0.0.0.0.CROSSWARN"
POLICY = EventPolicy(merge_gap_hours=1, material_shift_hours=3)


def _postgres_database():
    admin = postgres_admin()
    name = f"crosswarn_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    return admin, name, url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    admin, name, url = _postgres_database()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def ledger(url):
    ledger = Ledger(url, sender=SENDER, oid_prefix=PREFIX)
    ledger.migrate()
    yield ledger
    ledger.close()


def run_id(hours: int) -> str:
    return (T0 + timedelta(hours=hours)).strftime("%Y%m%d%H")


def ev(region: str, onset: int, hours: int, level: int, country: str = "NL") -> Event:
    start = T0 + timedelta(hours=onset)
    return Event(
        region=region, country=country, hazard="wind", onset=start,
        expiry=start + timedelta(hours=hours), peak_level=level,
        peak_time=start + timedelta(hours=1), peak_value=30.0 + level,
        timeline=(), levels_by_criteria={country: level},
    )  # fmt: skip


def record(ledger: Ledger, hours: int, events=(), triggers=(), policy=POLICY):
    reference = T0 + timedelta(hours=hours)
    return ledger.record_run(
        "dwd-icon-d2", run_id(hours), reference_time=reference,
        sent=reference + timedelta(minutes=90), events=list(events),
        triggers=list(triggers), policy=policy,
    )  # fmt: skip


def kinds(decisions) -> list[tuple[str, str]]:
    return [(d.msg_type, ["none", "yellow", "orange", "red"][d.level]) for d in decisions]


def test_escalation_yellow_orange_red_with_references(ledger):
    first = record(ledger, 0, [ev("NL009", 12, 6, 1)])
    second = record(ledger, 3, [ev("NL009", 12, 6, 2)])
    third = record(ledger, 6, [ev("NL009", 12, 6, 3)])
    assert kinds(first) == [("Alert", "yellow")]
    assert kinds(second) == [("Update", "orange")]
    assert kinds(third) == [("Update", "red")]
    # Each Update references the message before it: sender,identifier,sent.
    assert second[0].references == f"{SENDER},{first[0].identifier},2026-01-15T01:30:00+00:00"
    assert third[0].references == f"{SENDER},{second[0].identifier},2026-01-15T04:30:00+00:00"
    assert first[0].subject == second[0].subject == third[0].subject
    assert len({d.identifier for d in first + second + third}) == 3
    assert first[0].identifier == f"{PREFIX}.dwd-icon-d2.2026011500.{first[0].identifier[-12:]}"


def test_red_needs_two_runs_in_a_row_when_configured(ledger):
    policy = EventPolicy(confirm_runs={"red": 2})
    assert kinds(record(ledger, 0, [ev("NL009", 12, 6, 3)], policy=policy)) == [("Alert", "orange")]
    assert kinds(record(ledger, 3, [ev("NL009", 12, 6, 3)], policy=policy)) == [("Update", "red")]


def test_de_escalation_and_unchanged_runs(ledger):
    record(ledger, 0, [ev("BE002", 12, 6, 2, "BE")])
    assert record(ledger, 3, [ev("BE002", 13, 6, 2, "BE")]) == []  # moved 1 h: not material
    assert kinds(record(ledger, 6, [ev("BE002", 13, 6, 1, "BE")])) == [("Update", "yellow")]
    assert kinds(record(ledger, 9, [ev("BE002", 17, 6, 1, "BE")])) == [("Update", "yellow")]


def test_cancel_when_dropped_before_onset(ledger):
    (alert,) = record(ledger, 0, [ev("LU001", 12, 6, 2, "LU")])
    (cancel,) = record(ledger, 3, [])
    assert cancel.msg_type == "Cancel" and cancel.subject == alert.subject
    assert cancel.references.split(",")[1] == alert.identifier
    assert cancel.data["region"] == "LU001"
    assert [e.status for e in ledger.events("dwd-icon-d2")] == ["cancelled"]
    assert record(ledger, 6, []) == []  # nothing more to say


def test_expiry_and_an_event_dropped_while_under_way(ledger):
    record(ledger, 0, [ev("NL014", 1, 3, 1), ev("NL015", 2, 12, 1)])
    # At +6 h the first has expired; the second is under way and no longer forecast.
    assert record(ledger, 6, []) == []
    statuses = {e.region: e.status for e in ledger.events("dwd-icon-d2")}
    assert statuses == {"NL014": "expired", "NL015": "ended"}


def test_the_same_run_twice_sends_nothing_new(ledger):
    first = record(ledger, 0, [ev("NL009", 12, 6, 1)])
    again = record(ledger, 0, [ev("NL009", 12, 6, 3)])  # even with other input: already decided
    assert again == first
    assert len(ledger.messages()) == 1


def test_an_older_run_after_a_newer_one_is_superseded(ledger):
    record(ledger, 3, [ev("NL009", 12, 6, 1)])
    assert record(ledger, 0, [ev("NL009", 12, 6, 3)]) == []
    assert len(ledger.messages()) == 1


def test_two_runs_at_once(url):
    """Separate engines (as two Airflow workers), two runs and one run twice, concurrently."""
    results, errors = {}, []

    def work(name: str, hours: int) -> None:
        ledger = Ledger(url, sender=SENDER, oid_prefix=PREFIX)
        try:
            results[name] = record(ledger, hours, [ev("NL009", 12, 6, 1 + hours // 3)])
        except Exception as exc:
            errors.append(exc)
        finally:
            ledger.close()

    with Ledger(url, sender=SENDER, oid_prefix=PREFIX) as ledger:
        ledger.migrate()  # once up front
    threads = [
        threading.Thread(target=work, args=(name, hours))
        for name, hours in (("a", 0), ("a-again", 0), ("b", 3))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert results["a"] == results["a-again"]
    ledger = Ledger(url, sender=SENDER, oid_prefix=PREFIX)
    messages = ledger.messages()
    ledger.close()
    identifiers = [m.identifier for m in messages]
    assert len(identifiers) == len(set(identifiers))
    # Run b either came second (an Update of a's Alert) or first (then a was superseded).
    assert [m.msg_type for m in messages] in (["Alert", "Update"], ["Alert"])


def _trigger(regions: dict[str, int], countries: dict[str, int], start=12, end=18) -> Trigger:
    return Trigger(
        id=f"wind-{sorted(regions)[0]}", hazard="wind",
        start=T0 + timedelta(hours=start), end=T0 + timedelta(hours=end),
        regions=regions, levels_by_country=countries,
        crisis_cells=("nl-ncc", "de-nw"), mismatches=(), events=(),
    )  # fmt: skip


def test_trigger_grows_from_two_countries_to_three_and_ends(ledger):
    two = _trigger({"NL012": 2, "DE258": 1}, {"NL": 2, "DE": 1})
    three = _trigger({"NL012": 2, "DE258": 1, "BE008": 1}, {"NL": 2, "DE": 1, "BE": 1})
    (alert,) = record(ledger, 0, triggers=[two])
    (update,) = record(ledger, 3, triggers=[three])
    assert record(ledger, 6, triggers=[three]) == []  # unchanged
    shrunk = _trigger({"NL012": 2, "DE258": 1}, {"NL": 1, "DE": 1})
    assert record(ledger, 9, triggers=[shrunk]) == []  # de-escalation alone is not sent
    (ended,) = record(ledger, 12, triggers=[])
    assert (alert.msg_type, update.msg_type, ended.msg_type) == ("Alert", "Update", "Cancel")
    assert alert.subject == update.subject == ended.subject  # one stable id
    assert update.data["levels_by_country"] == {"NL": "orange", "DE": "yellow", "BE": "yellow"}
    assert update.references.split(",")[1] == alert.identifier
    (stored,) = ledger.triggers("dwd-icon-d2")
    assert stored.status == "ended" and set(stored.regions) == {"NL012", "DE258", "BE008"}


def test_trigger_that_moves_materially_is_updated(ledger):
    record(ledger, 0, triggers=[_trigger({"NL012": 2, "DE258": 1}, {"NL": 2, "DE": 1})])
    moved = _trigger({"NL012": 2, "DE258": 1}, {"NL": 2, "DE": 1}, start=16, end=22)
    assert kinds(record(ledger, 3, triggers=[moved])) == [("Update", "orange")]


def test_a_run_of_many_events_records_each_message_and_updates_reference_their_alerts(
    ledger, monkeypatch
):
    """Thirty Alerts, then thirty Updates; the messages they update are looked up seven ids per
    query here, so the lookups span several queries."""
    from pipeline.ledger import store

    monkeypatch.setattr(store, "_IDS_PER_QUERY", 7)
    regions = [f"NL{n:03d}" for n in range(1, 31)]
    alerts = record(ledger, 0, [ev(r, 12, 6, 1) for r in regions])
    updates = record(ledger, 3, [ev(r, 12, 6, 2) for r in regions])
    assert kinds(alerts) == [("Alert", "yellow")] * 30
    assert kinds(updates) == [("Update", "orange")] * 30
    alert_of = {a.subject: a.identifier for a in alerts}
    for update in updates:  # sender, the Alert's identifier, its sent time (run 00 + 90 min)
        alert = alert_of[update.subject]
        assert update.references == f"{SENDER},{alert},2026-01-15T01:30:00+00:00"
    recorded = [m.identifier for m in ledger.messages()]  # by sent time, then identifier
    assert recorded == sorted(a.identifier for a in alerts) + sorted(u.identifier for u in updates)
    assert {e.region: e.level for e in ledger.events("dwd-icon-d2")} == dict.fromkeys(regions, 2)


def test_a_reused_identifier_refuses_the_whole_run(ledger):
    """A message id already in the ledger (never reused by design): the run is refused in one
    line and nothing of it is kept, neither its other messages nor its events."""
    import hashlib

    from sqlalchemy.orm import Session

    from pipeline.errors import LedgerUnavailable
    from pipeline.ledger.models import Message

    record(ledger, 0, [ev("NL001", 12, 6, 1)])
    # The Alert run 03 would send for NL002: prefix.source.run.sha256(source|kind|subject)[:12]
    subject = "dwd-icon-d2:wind:NL002:2026011512"
    digest = hashlib.sha256(f"dwd-icon-d2|warning|{subject}".encode()).hexdigest()[:12]
    taken = f"{PREFIX}.dwd-icon-d2.{run_id(3)}.{digest}"
    with Session(ledger.engine) as session, session.begin():
        session.add(
            Message(
                identifier=taken, sender=SENDER, sent=T0, msg_type="Alert", references="",
                source="elsewhere", run=run_id(0), kind="warning", subject="x", level=1,
            )
        )  # fmt: skip
    with pytest.raises(LedgerUnavailable, match=r"^ledger .*IntegrityError"):
        record(ledger, 3, [ev("NL001", 12, 6, 2), ev("NL002", 12, 6, 1)])
    assert ledger.processed_runs("dwd-icon-d2") == {run_id(0)}
    assert [m.msg_type for m in ledger.messages() if m.identifier != taken] == ["Alert"]
    assert [(e.region, e.level) for e in ledger.events("dwd-icon-d2")] == [("NL001", 1)]


def test_a_ledger_not_at_the_newest_schema_is_refused_until_migrated(url):
    """Every stage checks the schema before reading or writing; once a ledger is found at the
    newest schema, later stages of the process do not check it again."""
    fresh = Ledger(url, sender=SENDER, oid_prefix=PREFIX)
    try:
        with pytest.raises(ConfigError, match=r"schema is at nothing.*crosswarn ledger migrate"):
            fresh.active_messages("dwd-icon-d2")
        fresh.migrate()
        assert fresh.active_messages("dwd-icon-d2") == []
    finally:
        fresh.close()
    again = Ledger(url, sender=SENDER, oid_prefix=PREFIX)
    try:
        assert again.active_messages("dwd-icon-d2") == []
    finally:
        again.close()


def test_the_newest_revision_crosswarn_knows_is_alembics_head(tmp_path):
    """HEAD names the newest migration: a migration added without moving HEAD fails here."""
    from alembic.script import ScriptDirectory

    from pipeline.ledger.engine import HEAD, alembic_config, engine_for

    engine = engine_for(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    assert ScriptDirectory.from_config(alembic_config(engine)).get_current_head() == HEAD
    engine.dispose()


def test_a_ledger_at_an_older_schema_is_migrated_to_the_newest(url):
    from alembic import command

    from pipeline.ledger.engine import HEAD, alembic_config

    older = Ledger(url, sender=SENDER, oid_prefix=PREFIX)
    try:
        command.upgrade(alembic_config(older.engine), "0004")  # before the verification pairs
        assert older.revision() == "0004"
        with pytest.raises(ConfigError, match=r"schema is at 0004, crosswarn needs 0005"):
            older.check_schema()
        assert older.migrate() == HEAD == older.revision() == "0005"
        with older.engine.connect() as connection:
            pairs = connection.execute(text("SELECT * FROM verification_pair")).all()
        assert pairs == []  # the table 0005 adds
    finally:
        older.close()


def test_a_ledger_at_the_newest_schema_is_migrated_without_loading_alembic(tmp_path):
    """Every `crosswarn run` migrates first: a ledger already there costs one query."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    with Ledger(url, sender=SENDER, oid_prefix=PREFIX) as ledger:
        ledger.migrate()
    code = (
        "import sys\n"
        "from pipeline.ledger.store import Ledger\n"
        f"with Ledger({url!r}, sender='s', oid_prefix='p') as ledger:\n"
        "    print(ledger.migrate(), 'alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0005", "False"]

"""The warning ledger's store: every query on its SQL database, in one place.

SQLite (embedded, the default) or PostgreSQL (``CROSSWARN_LEDGER_URL``). The schema is managed by
the Alembic migrations in ``pipeline/ledger/migrations``, run explicitly (:meth:`Ledger.migrate`,
``crosswarn ledger migrate``, the DAGs' first task, ``make demo``); a ledger without the newest
schema is refused with that instruction.

:meth:`Ledger.record_run` loads the state, lets :mod:`pipeline.ledger.decisions` decide, and
persists the result in one transaction. Processing the same run again returns the recorded
decisions and sends nothing new; a run older than one already processed is superseded. Runs of
one source are serialised by a row lock (PostgreSQL) or an immediate transaction (SQLite).
Messages are dated by the run, never by the clock.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline.assessment.consultation import EventPolicy, Trigger
from pipeline.assessment.events import Event
from pipeline.errors import ConfigError, LedgerUnavailable
from pipeline.ledger.decisions import (
    EventState,
    Outgoing,
    RunKey,
    TriggerState,
    cap_time,
    decide_triggers,
    decide_warnings,
    event_subject,
    utc,
)
from pipeline.ledger.engine import HEAD, MIGRATING, alembic_config, engine_for, stored_revision
from pipeline.ledger.models import (
    DeliveryRow,
    LedgerEvent,
    LedgerTrigger,
    Message,
    ProcessedRun,
    SourceState,
)
from pipeline.ledger.records import Decision, Delivery, SentMessage, decision_to_dict

log = logging.getLogger(__name__)


_EVENT_FIELDS = tuple(EventState.__dataclass_fields__)
_TRIGGER_FIELDS = tuple(TriggerState.__dataclass_fields__)


class Ledger:
    """The ledger at ``url`` (any SQLAlchemy URL). Opening it touches nothing."""

    def __init__(self, url: str, *, sender: str, oid_prefix: str) -> None:
        self.url = url
        self.sender = sender
        self.oid_prefix = oid_prefix
        self.engine = engine_for(url)
        self._checked = False

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- schema -------------------------------------------------------------------------------
    def migrate(self) -> str:
        """Bring the schema to the newest migration (idempotent); return its revision."""
        if self.revision() != HEAD:
            from alembic import command

            with MIGRATING:
                command.upgrade(alembic_config(self.engine), "head")
        self.check_schema()
        return HEAD

    def revision(self) -> str | None:
        """The schema revision the database is at (None: no schema)."""
        return stored_revision(self.engine)

    def check_schema(self) -> None:
        """Refuse a ledger that is not at the newest schema, saying what to do."""
        if self._checked or self.engine.url in _AT_HEAD:
            return
        current = self.revision()
        if current != HEAD:
            raise ConfigError(
                f"ledger {self.engine.url.render_as_string(hide_password=True)}: schema is at "
                f"{current or 'nothing (no ledger there)'}, crosswarn needs {HEAD}; run "
                "`crosswarn ledger migrate` (the DAGs and make demo do this first)"
            )
        self._checked = True
        _AT_HEAD.add(self.engine.url)

    # -- decisions ----------------------------------------------------------------------------
    def record_run(
        self,
        source: str,
        run: str,
        *,
        reference_time: datetime,
        sent: datetime,
        events: list[Event],
        triggers: list[Trigger],
        policy: EventPolicy,
        inputs: str = "",
    ) -> list[Decision]:
        """Decide (once per ``inputs``) the messages of ``run``; return them, recorded or as
        recorded before."""
        self.check_schema()
        with self._transaction(source) as session:
            done = session.get(ProcessedRun, (source, run))
            if done is not None and done.inputs == inputs:
                return [Decision(**d) for d in done.decisions]
            if done is not None:
                session.delete(done)  # the same run decided again from newer inputs
                session.flush()
            state = session.get(SourceState, source)
            if state.latest_run > run:
                log.warning(
                    "%s %s: older than %s, already processed", source, run, state.latest_run
                )
                session.add(
                    ProcessedRun(source=source, run=run, outcome="superseded", decisions=[])
                )
                return []
            state.latest_run = run
            key = RunKey(source, run, self.oid_prefix, utc(reference_time), salt=inputs)
            active_events = _active(session, LedgerEvent, source)
            taken = _taken_event_ids(session, source, events, run)
            warnings, event_states = decide_warnings(
                [_event_state(e) for e in active_events], events, policy, key, taken=taken
            )
            active_triggers = _active(session, LedgerTrigger, source)
            trigger_messages, trigger_states = decide_triggers(
                [_trigger_state(t) for t in active_triggers], triggers, policy, key
            )
            decisions = self._record_messages(session, key, utc(sent), warnings + trigger_messages)
            _store(session, LedgerEvent, active_events, event_states, source, _EVENT_FIELDS)
            _store(session, LedgerTrigger, active_triggers, trigger_states, source, _TRIGGER_FIELDS)
            session.add(
                ProcessedRun(
                    source=source,
                    run=run,
                    outcome="processed",
                    decisions=[decision_to_dict(d) for d in decisions],
                    inputs=inputs,
                )
            )
            return decisions

    def _record_messages(
        self, session: Session, key: RunKey, sent: datetime, messages: list[Outgoing]
    ) -> list[Decision]:
        """Insert ``messages`` (one statement: the primary key refuses a reused identifier) and
        return them as decisions, each referencing the message it updates or cancels."""
        chains = _messages_by_id(session, {m.previous for m in messages if m.previous})
        rows, decisions = [], []
        for m in messages:
            chain = chains[m.previous] if m.previous else None
            references = (
                f"{chain.sender},{chain.identifier},{cap_time(chain.sent)}" if chain else ""
            )
            rows.append({
                "identifier": m.identifier, "sender": self.sender, "sent": sent,
                "msg_type": m.msg_type, "references": references, "source": key.source,
                "run": key.run, "kind": m.kind, "subject": m.subject, "level": m.level,
            })  # fmt: skip
            decisions.append(Decision(
                m.kind, m.subject, m.msg_type, m.identifier, cap_time(sent), references, m.level,
                m.data,
            ))  # fmt: skip
        if rows:
            session.execute(insert(Message), rows)
        return decisions

    # -- reading ------------------------------------------------------------------------------
    def latest_runs(self) -> dict[str, str]:
        """The newest run processed, per source."""
        self.check_schema()
        with Session(self.engine) as session:
            return {s.source: s.latest_run for s in session.scalars(select(SourceState))}

    def processed_runs(self, source: str) -> set[str]:
        """The runs of ``source`` the ledger has decided (processed or superseded)."""
        self.check_schema()
        with Session(self.engine) as session:
            query = select(ProcessedRun.run).where(ProcessedRun.source == source)
            return set(session.scalars(query))

    def messages(self, subject: str | None = None) -> list[SentMessage]:
        """Every message recorded (of ``subject``, if given), oldest first."""
        with Session(self.engine) as session:
            query = select(Message).order_by(Message.sent, Message.identifier)
            if subject is not None:
                query = query.where(Message.subject == subject)
            return [_sent(m) for m in session.scalars(query)]

    def events(self, source: str) -> list[EventState]:
        with Session(self.engine) as session:
            query = select(LedgerEvent).where(LedgerEvent.source == source)
            return [_event_state(e) for e in session.scalars(query.order_by(LedgerEvent.id))]

    def triggers(self, source: str) -> list[TriggerState]:
        with Session(self.engine) as session:
            query = select(LedgerTrigger).where(LedgerTrigger.source == source)
            return [_trigger_state(t) for t in session.scalars(query.order_by(LedgerTrigger.id))]

    def active_messages(self, source: str) -> list[SentMessage]:
        """The last message of every active event and trigger of ``source`` (what a feed of
        the alerts in force lists), with the subject as last published."""
        self.check_schema()
        found = []
        with Session(self.engine) as session:
            for model in (LedgerEvent, LedgerTrigger):
                rows = _active(session, model, source, lock=False)
                last = _messages_by_id(session, {row.last_message for row in rows})
                for row in rows:
                    if row.last_message not in last:
                        continue
                    data = row.data if model is LedgerEvent else _trigger_data(row)
                    found.append(_sent(last[row.last_message], data))
        return found

    def referenced(self) -> tuple[set[tuple[str, str]], set[str]]:
        """(source, run) pairs and message identifiers still needed: the newest run of each
        source, the runs and messages of what is in force, and pending deliveries."""
        self.check_schema()
        with Session(self.engine) as session:
            runs = {(s.source, s.latest_run) for s in session.scalars(select(SourceState))}
            messages = set()
            for model in (LedgerEvent, LedgerTrigger):
                for row in session.scalars(select(model).where(model.status == "active")):
                    messages.add(row.last_message)
            # the runs whose messages are still in force
            runs.update((m.source, m.run) for m in _messages_by_id(session, messages).values())
            query = select(DeliveryRow.identifier).where(
                DeliveryRow.status.in_(("pending", "sending"))
            )
            messages.update(session.scalars(query))
        return runs, messages

    # -- deliveries ---------------------------------------------------------------------------
    def enqueue(self, deliveries: list[Delivery]) -> None:
        """Record pending deliveries (idempotent: a known one is left as it is)."""
        self.check_schema()
        with Session(self.engine) as session, session.begin():
            for d in deliveries:
                if session.get(DeliveryRow, (d.identifier, d.channel, d.target)) is None:
                    session.add(DeliveryRow(**asdict(d)))

    def pending_deliveries(self) -> list[Delivery]:
        self.check_schema()
        with Session(self.engine) as session:
            query = select(DeliveryRow).where(DeliveryRow.status == "pending")
            return [
                _delivery(row) for row in session.scalars(query.order_by(DeliveryRow.identifier))
            ]

    def claim_deliveries(self, owner: str, *, now: datetime, lease: timedelta) -> list[Delivery]:
        """Claim for ``owner`` every pending delivery, and every claim older than ``lease``
        (its deliverer died while sending); return what ``owner`` got, in queue order.

        One conditional UPDATE claims them (status "sending"): of deliverers racing for a row,
        exactly one gets it (PostgreSQL's row locks, SQLite's write lock), so no message is
        sent twice by concurrent ``deliver`` tasks.
        """
        self.check_schema()
        claimable = (DeliveryRow.status == "pending") | (
            (DeliveryRow.status == "sending") & (DeliveryRow.claimed_at < now - lease)
        )
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(DeliveryRow)
                .where(claimable)
                .values(status="sending", claimed_by=owner, claimed_at=now)
            )
        with Session(self.engine) as session:
            query = select(DeliveryRow).where(
                DeliveryRow.status == "sending", DeliveryRow.claimed_by == owner
            )
            return [
                _delivery(row) for row in session.scalars(query.order_by(DeliveryRow.identifier))
            ]

    def record_attempt(self, delivery: Delivery, *, delivered: bool, error: str = "") -> None:
        """Count one attempt at ``delivery``; mark it delivered, or pending again (claim
        released)."""
        with Session(self.engine) as session, session.begin():
            row = session.get(DeliveryRow, (delivery.identifier, delivery.channel, delivery.target))
            row.status = "delivered" if delivered else "pending"
            row.attempts, row.last_error = row.attempts + 1, error
            row.claimed_by, row.claimed_at = "", None

    @contextmanager
    def _transaction(self, source: str) -> Iterator[Session]:
        with Session(self.engine) as session, session.begin():
            if self.engine.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert

                session.execute(
                    insert(SourceState)
                    .values(source=source, latest_run="")
                    .on_conflict_do_nothing(index_elements=["source"])
                )
                session.execute(
                    select(SourceState).where(SourceState.source == source).with_for_update()
                )
            elif session.get(SourceState, source) is None:
                session.add(SourceState(source=source, latest_run=""))
                session.flush()
            yield session


def _delivery(row: DeliveryRow) -> Delivery:
    return Delivery(**{f: getattr(row, f) for f in Delivery.__dataclass_fields__})


def _one_line(ledger_method):
    """A database error of a ledger method as one retryable line naming the ledger."""

    @functools.wraps(ledger_method)
    def wrapper(self: Ledger, *args, **kwargs):
        try:
            return ledger_method(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            text = (str(cause).strip().splitlines() or ["no detail"])[0]
            raise LedgerUnavailable(
                f"ledger {self.engine.url.render_as_string(hide_password=True)}: "
                f"{type(cause).__name__}: {text}; retry once the database is reachable and "
                "not locked (a file that is not a database: restore the ledger from its backup)"
            ) from None

    return wrapper


for _name in ("migrate", "revision", "check_schema", "record_run", "latest_runs", "messages",
              "events", "triggers", "active_messages", "referenced", "enqueue",
              "pending_deliveries", "claim_deliveries", "record_attempt"):  # fmt: skip
    setattr(Ledger, _name, _one_line(getattr(Ledger, _name)))


def _active(session: Session, model, source: str, *, lock: bool = True) -> list:
    query = select(model).where(model.source == source, model.status == "active")
    query = query.order_by(model.id)
    return list(session.scalars(query.with_for_update() if lock else query))


def _taken_event_ids(session: Session, source: str, events: list[Event], run: str) -> set[str]:
    candidates = {event_subject(source, e, run=run, taken=()) for e in events}
    query = select(LedgerEvent.id).where(LedgerEvent.id.in_(candidates))
    return set(session.scalars(query)) if candidates else set()


def _event_state(row: LedgerEvent) -> EventState:
    return EventState(**{f: getattr(row, f) for f in _EVENT_FIELDS})


def _trigger_state(row: LedgerTrigger) -> TriggerState:
    return TriggerState(**{f: getattr(row, f) for f in _TRIGGER_FIELDS})


def _sent(message: Message, data: dict | None = None) -> SentMessage:
    return SentMessage(
        identifier=message.identifier, sent=cap_time(message.sent), msg_type=message.msg_type,
        kind=message.kind, subject=message.subject, level=message.level, data=data or {},
        run=message.run,
    )  # fmt: skip


def _trigger_data(row: LedgerTrigger) -> dict:
    return {
        "id": row.id,
        "hazard": row.hazard,
        "regions": row.regions,
        "levels_by_country": row.levels_by_country,
        "start": cap_time(row.start),
        "end": cap_time(row.end),
    }


def _store(session: Session, model, rows: list, states: list, source: str, fields) -> None:
    """Write decided ``states`` onto the loaded ``rows``; insert the new ones in one statement."""
    by_id = {row.id: row for row in rows}
    new = []
    for state in states:
        row = by_id.get(state.id)
        if row is None:
            new.append({"source": source, **{f: getattr(state, f) for f in fields}})
            continue
        for f in fields:
            setattr(row, f, getattr(state, f))
    if new:
        session.execute(insert(model), new)


def _messages_by_id(session: Session, identifiers: set[str]) -> dict[str, Message]:
    """The recorded messages of ``identifiers``, :data:`_IDS_PER_QUERY` ids per query."""
    ids, step = sorted(identifiers), _IDS_PER_QUERY
    queries = (
        select(Message).where(Message.identifier.in_(ids[i : i + step]))
        for i in range(0, len(ids), step)
    )
    return {m.identifier: m for query in queries for m in session.scalars(query)}


#: Ledgers this process found at the newest schema (a schema only moves forward: not checked
#: again by every stage of a run).
_AT_HEAD: set = set()

_IDS_PER_QUERY = 500  # far below SQLite's and PostgreSQL's bound parameter limits

"""The warning ledger: events, triggers and every message published, in a SQL database.

SQLite (embedded, the default) or PostgreSQL (``CROSSWARN_LEDGER_URL``), schema managed by
Alembic (``pipeline/migrations``). For each model run the ledger decides what to send:

- a new warning event -> ``Alert``; a material change of a known one (its level, or its onset or
  expiry moving by ``material_shift_hours`` or more) -> ``Update`` referencing the last message;
  an event a later run no longer forecasts, dropped before its onset -> ``Cancel``; an event past
  its expiry simply expires, and one dropped while under way ends without a message;
- a level listed in ``confirm_runs`` is published only after that many runs in a row reach it
  (until then the next level down is published), so warnings do not flip-flop;
- consultation triggers keep a stable id across runs and are sent again only when they
  escalate, grow, move by ``material_shift_hours`` or more, or end (``Cancel``).

Identifiers are derived from (source, run, subject) and never reused (a unique key); messages
are dated by the run, not the clock. Processing the same run again returns the recorded
decisions and sends nothing new; a run older than one already processed is superseded. Runs of
one source are serialised by a row lock (PostgreSQL) or an immediate transaction (SQLite).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pipeline.consultation import EventPolicy, Trigger, trigger_to_dict
from pipeline.criteria import LEVELS
from pipeline.events import Event, event_to_dict

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict] = {
        datetime: DateTime(timezone=True),
        dict: JSON,
        list: JSON,
    }


class SourceState(Base):
    """One row per source: the lock runs of that source take, and the newest run processed."""

    __tablename__ = "source_state"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    latest_run: Mapped[str] = mapped_column(String(10))


class ProcessedRun(Base):
    __tablename__ = "processed_run"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    run: Mapped[str] = mapped_column(String(10), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16))  # processed | superseded
    decisions: Mapped[list] = mapped_column()
    #: What the run was decided from, when that can change for the same run id (the
    #: consultation combines the newest run of every model): a new input set decides again.
    inputs: Mapped[str] = mapped_column(String(64), default="", server_default="")


class LedgerEvent(Base):
    __tablename__ = "warning_event"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    hazard: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)  # active|cancelled|expired|ended
    onset: Mapped[datetime]
    expiry: Mapped[datetime]
    level: Mapped[int] = mapped_column(Integer)  # published level
    streaks: Mapped[dict] = mapped_column()  # level -> runs in a row reaching it
    last_message: Mapped[str] = mapped_column(String(256))
    last_run: Mapped[str] = mapped_column(String(10))
    data: Mapped[dict] = mapped_column()  # the event as last forecast


class LedgerTrigger(Base):
    __tablename__ = "consultation_trigger"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    hazard: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)  # active | ended
    start: Mapped[datetime]
    end: Mapped[datetime]
    regions: Mapped[dict] = mapped_column()  # region -> level
    levels_by_country: Mapped[dict] = mapped_column()
    last_message: Mapped[str] = mapped_column(String(256))
    last_run: Mapped[str] = mapped_column(String(10))


class Message(Base):
    __tablename__ = "message"
    identifier: Mapped[str] = mapped_column(String(256), primary_key=True)
    sender: Mapped[str] = mapped_column(String(256))
    sent: Mapped[datetime]
    msg_type: Mapped[str] = mapped_column(String(8))
    references: Mapped[str] = mapped_column(String(2048))
    source: Mapped[str] = mapped_column(String(64))
    run: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(16))  # warning | trigger
    subject: Mapped[str] = mapped_column(String(128), index=True)
    level: Mapped[int] = mapped_column(Integer)


class Delivery(Base):
    """One message to one receiver over one channel; pending until sent."""

    __tablename__ = "delivery"
    identifier: Mapped[str] = mapped_column(String(256), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)  # webhook | email
    target: Mapped[str] = mapped_column(String(512), primary_key=True)
    files: Mapped[list] = mapped_column()  # outbox file names, the message first
    subject: Mapped[str] = mapped_column(String(512), default="")
    text: Mapped[str] = mapped_column(String(8192), default="")
    status: Mapped[str] = mapped_column(String(16), index=True, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(2048), default="")


@dataclass(frozen=True)
class Decision:
    """One message to publish for this run."""

    kind: str  # warning | trigger
    subject: str  # ledger event id or trigger id
    msg_type: str  # Alert | Update | Cancel
    identifier: str
    sent: str  # ISO time
    references: str  # "sender,identifier,sent" of earlier messages, space-separated
    level: int  # the level to publish
    data: dict  # the event (or trigger) as forecast; for a Cancel, as last published


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _cap_time(value: datetime) -> str:
    return _utc(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class Ledger:
    """The ledger at ``url`` (any SQLAlchemy URL; migrated to the newest schema on open)."""

    def __init__(self, url: str, *, sender: str, oid_prefix: str, migrate: bool = True) -> None:
        self.url = url
        self.sender = sender
        self.oid_prefix = oid_prefix
        self.engine = _engine(url)
        if migrate:
            upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- the decision -------------------------------------------------------------------------
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
            context = _RunContext(
                self, session, source, run, _utc(reference_time), _utc(sent), salt=inputs
            )
            decisions = context.warnings(events, policy) + context.triggers(triggers, policy)
            session.add(
                ProcessedRun(
                    source=source,
                    run=run,
                    outcome="processed",
                    decisions=[asdict(d) for d in decisions],
                    inputs=inputs,
                )
            )
            return decisions

    def latest_runs(self) -> dict[str, str]:
        """The newest run processed, per source."""
        with Session(self.engine) as session:
            return {s.source: s.latest_run for s in session.scalars(select(SourceState))}

    def messages(self, subject: str | None = None) -> list[Message]:
        with Session(self.engine) as session:
            query = select(Message).order_by(Message.sent, Message.identifier)
            if subject is not None:
                query = query.where(Message.subject == subject)
            return list(session.scalars(query))

    def events(self, source: str) -> list[LedgerEvent]:
        with Session(self.engine) as session:
            return list(
                session.scalars(
                    select(LedgerEvent).where(LedgerEvent.source == source).order_by(LedgerEvent.id)
                )
            )

    def triggers(self, source: str) -> list[LedgerTrigger]:
        with Session(self.engine) as session:
            query = select(LedgerTrigger).where(LedgerTrigger.source == source)
            return list(session.scalars(query.order_by(LedgerTrigger.id)))

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


class _RunContext:
    def __init__(
        self,
        ledger: Ledger,
        session: Session,
        source: str,
        run: str,
        reference: datetime,
        sent: datetime,
        salt: str = "",
    ) -> None:
        self.ledger, self.session, self.source, self.run = ledger, session, source, run
        self.reference, self.sent, self.salt = reference, sent, salt

    def _message(
        self, kind: str, subject: str, msg_type: str, level: int, previous: str | None, data: dict
    ) -> Decision:
        key = f"{self.source}|{kind}|{subject}" + (f"|{self.salt}" if self.salt else "")
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        ident = f"{self.ledger.oid_prefix}.{self.source}.{self.run}.{digest}"
        references = ""
        if previous:
            chain = self.session.get(Message, previous)
            references = " ".join(
                filter(None, [f"{chain.sender},{chain.identifier},{_cap_time(chain.sent)}"])
            )
        message = Message(
            identifier=ident,
            sender=self.ledger.sender,
            sent=self.sent,
            msg_type=msg_type,
            references=references,
            source=self.source,
            run=self.run,
            kind=kind,
            subject=subject,
            level=level,
        )
        self.session.add(message)
        self.session.flush()  # the primary key refuses a reused identifier here
        return Decision(
            kind, subject, msg_type, ident, _cap_time(self.sent), references, level, data
        )

    # -- warnings -----------------------------------------------------------------------------
    def warnings(self, events: list[Event], policy: EventPolicy) -> list[Decision]:
        active = list(
            self.session.scalars(
                select(LedgerEvent)
                .where(LedgerEvent.source == self.source, LedgerEvent.status == "active")
                .order_by(LedgerEvent.id)
                .with_for_update()
            )
        )
        for known in active:
            if _utc(known.expiry) <= self.reference:
                known.status = "expired"
        active = [k for k in active if k.status == "active"]
        gap = timedelta(hours=policy.merge_gap_hours)
        decisions, matched = [], set()
        for new in sorted(events, key=lambda e: (e.region, e.hazard, e.onset)):
            known = next(
                (
                    k
                    for k in active
                    if k.id not in matched
                    and (k.region, k.hazard) == (new.region, new.hazard)
                    and _utc(k.onset) <= new.expiry + gap
                    and new.onset <= _utc(k.expiry) + gap
                ),
                None,
            )
            streaks = {
                str(level): (int(known.streaks.get(str(level), 0)) if known else 0) + 1
                for level in range(1, new.peak_level + 1)
            }
            level = _confirmed_level(new.peak_level, streaks, policy)
            data = event_to_dict(new) | {"published_level": LEVELS[level]}
            if known is None:
                subject = f"{self.source}:{new.hazard}:{new.region}:{new.onset:%Y%m%d%H}"
                if self.session.get(LedgerEvent, subject) is not None:
                    subject += f":{self.run}"
                decision = self._message("warning", subject, "Alert", level, None, data)
                self.session.add(
                    LedgerEvent(
                        id=subject, source=self.source, hazard=new.hazard, region=new.region,
                        status="active", onset=new.onset, expiry=new.expiry, level=level,
                        streaks=streaks, last_message=decision.identifier, last_run=self.run,
                        data=data,
                    )
                )  # fmt: skip
                decisions.append(decision)
                continue
            matched.add(known.id)
            shift = timedelta(hours=policy.material_shift_hours)
            material = (
                level != known.level
                or abs(new.onset - _utc(known.onset)) >= shift
                or abs(new.expiry - _utc(known.expiry)) >= shift
            )
            known.streaks, known.last_run = streaks, self.run
            if material:
                decision = self._message(
                    "warning", known.id, "Update", level, known.last_message, data
                )
                known.onset, known.expiry, known.level = new.onset, new.expiry, level
                known.last_message, known.data = decision.identifier, data
                decisions.append(decision)
        for known in active:
            if known.id in matched:
                continue
            if self.reference < _utc(known.onset):
                decisions.append(
                    self._message(
                        "warning", known.id, "Cancel", known.level, known.last_message, known.data
                    )
                )
                known.last_message = decisions[-1].identifier
                known.status = "cancelled"
            else:
                known.status = "ended"  # under way and no longer forecast: let it expire
            known.last_run = self.run
        return decisions

    # -- triggers -----------------------------------------------------------------------------
    def triggers(self, triggers: list[Trigger], policy: EventPolicy) -> list[Decision]:
        active = list(
            self.session.scalars(
                select(LedgerTrigger)
                .where(LedgerTrigger.source == self.source, LedgerTrigger.status == "active")
                .order_by(LedgerTrigger.id)
                .with_for_update()
            )
        )
        shift = timedelta(hours=policy.material_shift_hours)
        decisions, matched = [], set()
        for new in triggers:
            data = trigger_to_dict(new)
            known = next(
                (
                    k
                    for k in active
                    if k.id not in matched
                    and k.hazard == new.hazard
                    and set(k.regions) & set(new.regions)
                    and _utc(k.start) < new.end
                    and new.start < _utc(k.end)
                ),
                None,
            )
            level = max(new.levels_by_country.values())
            if known is None:
                decision = self._message("trigger", new.id, "Alert", level, None, data)
                self.session.add(
                    LedgerTrigger(
                        id=new.id, source=self.source, hazard=new.hazard, status="active",
                        start=new.start, end=new.end, regions=dict(new.regions),
                        levels_by_country=dict(new.levels_by_country),
                        last_message=decision.identifier, last_run=self.run,
                    )
                )  # fmt: skip
                decisions.append(decision)
                continue
            matched.add(known.id)
            escalates = any(
                level > known.levels_by_country.get(country, 0)
                for country, level in new.levels_by_country.items()
            )
            grows = bool(set(new.regions) - set(known.regions))
            moves = (
                abs(new.start - _utc(known.start)) >= shift
                or abs(new.end - _utc(known.end)) >= shift
            )
            known.last_run = self.run
            if escalates or grows or moves:
                data = data | {"id": known.id}
                decision = self._message(
                    "trigger", known.id, "Update", level, known.last_message, data
                )
                known.start, known.end = new.start, new.end
                known.regions = dict(known.regions) | dict(new.regions)
                known.levels_by_country = {
                    c: max(v, known.levels_by_country.get(c, 0))
                    for c, v in new.levels_by_country.items()
                } | {
                    c: v
                    for c, v in known.levels_by_country.items()
                    if c not in new.levels_by_country
                }
                known.last_message = decision.identifier
                decisions.append(decision)
        for known in active:
            if known.id in matched:
                continue
            data = {
                "id": known.id,
                "hazard": known.hazard,
                "regions": known.regions,
                "levels_by_country": known.levels_by_country,
                "start": _cap_time(known.start),
                "end": _cap_time(known.end),
                "ended": True,
            }
            decisions.append(
                self._message("trigger", known.id, "Cancel", 0, known.last_message, data)
            )
            known.status, known.last_message, known.last_run = (
                "ended",
                decisions[-1].identifier,
                self.run,
            )
        return decisions


def _confirmed_level(peak: int, streaks: dict[str, int], policy: EventPolicy) -> int:
    """The highest level whose required number of runs in a row has been reached."""
    level = peak
    while level > 1 and streaks.get(str(level), 0) < policy.confirm_runs.get(LEVELS[level], 1):
        level -= 1
    return level


# -- engine and migrations ---------------------------------------------------------------------
def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _immediate(connection) -> None:
            # One writer at a time: a second run waits here instead of failing on commit.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


_MIGRATING = threading.Lock()  # Alembic's command API keeps module-level state


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent; processes serialise in env.py)."""
    from alembic import command

    with _MIGRATING:
        command.upgrade(alembic_config(engine), "head")

"""The ledger's tables (SQLAlchemy ORM). The schema is managed by the Alembic migrations in
``pipeline/ledger/migrations``; queries live in :mod:`pipeline.ledger.store`."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


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


class DeliveryRow(Base):
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
    #: A deliverer's claim while it sends (status "sending"): who, and since when.
    claimed_by: Mapped[str] = mapped_column(String(64), default="", server_default="")
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class VerificationPair(Base):
    """One forecast level and the observed level for one region, hazard and local day, under
    the region's own authority (:mod:`pipeline.verification.matching`). Scores are computed
    from these pairs, so any period, lead time or level can be scored again."""

    __tablename__ = "verification_pair"
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    run: Mapped[str] = mapped_column(String(10), primary_key=True)
    region: Mapped[str] = mapped_column(String(16), primary_key=True)
    hazard: Mapped[str] = mapped_column(String(32), primary_key=True)
    date: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)  # local day
    country: Mapped[str] = mapped_column(String(2))
    lead_hours: Mapped[int] = mapped_column(Integer)  # run reference time to the day's start
    forecast_level: Mapped[int] = mapped_column(Integer)
    probability: Mapped[float | None] = mapped_column(nullable=True)  # ensembles
    observed_level: Mapped[int] = mapped_column(Integer)

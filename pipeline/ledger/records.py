"""Plain records the ledger store takes and returns: no ORM objects leave the store."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Decision:
    """One message to publish for a run, as recorded."""

    kind: str  # warning | trigger
    subject: str  # ledger event id or trigger id
    msg_type: str  # Alert | Update | Cancel
    identifier: str
    sent: str  # ISO time
    references: str  # "sender,identifier,sent" of earlier messages, space-separated
    level: int  # the level to publish
    data: dict  # the event (or trigger) as forecast; for a Cancel, as last published


def decision_to_dict(decision: Decision) -> dict:
    """A decision as the plain dict the ledger and the assessment files keep: what
    ``dataclasses.asdict`` gives, without its deep copy of the event (serialised as it is)."""
    return {name: getattr(decision, name) for name in Decision.__dataclass_fields__}


@dataclass(frozen=True)
class Delivery:
    """One message to one receiver over one channel; pending until sent."""

    identifier: str
    channel: str  # webhook | email
    target: str
    files: list[str]  # outbox file names, the message first
    subject: str = ""
    text: str = ""
    status: str = "pending"
    attempts: int = 0
    last_error: str = ""


@dataclass(frozen=True)
class SentMessage:
    """A message the ledger recorded, with the subject it was about as last published."""

    identifier: str
    sent: str  # ISO time
    msg_type: str
    kind: str  # warning | trigger
    subject: str
    level: int
    data: dict = field(default_factory=dict)
    run: str = ""  # the run that published it (its files lie in that run's folder)

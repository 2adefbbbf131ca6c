"""What a model run sends, decided by pure functions: (previous state, new assessment, policy)
-> (messages, new state). No database: :mod:`pipeline.ledger.store` loads the state, calls these
functions and persists what they return, in one transaction.

Warnings:

- a new warning event -> ``Alert``; a material change of a known one (its published level, or
  its onset or expiry moving by ``material_shift_hours`` or more) -> ``Update`` referencing the
  last message; an event a later run no longer forecasts, dropped before its onset -> ``Cancel``;
  an event past its expiry simply expires, and one dropped while under way ends without a message;
- a level listed in ``confirm_runs`` is published only after that many runs in a row reach it
  (until then the next level down is published), so warnings do not flip-flop.

Consultation triggers keep a stable id across runs and are sent again only when they escalate,
grow, move by ``material_shift_hours`` or more, or end (``Cancel``).

Identifiers are derived from (source, run, subject) and a salt, so they are never reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from pipeline.assessment.consultation import EventPolicy, Trigger, trigger_to_dict
from pipeline.assessment.criteria import LEVELS
from pipeline.assessment.events import Event, event_to_dict

MsgType = Literal["Alert", "Update", "Cancel"]


@dataclass(frozen=True)
class RunKey:
    """What identifies a decision: the source, the run, the CAP identifier prefix, and a salt
    (the consultation's input set, when the same run id is decided again from newer inputs)."""

    source: str
    run: str
    oid_prefix: str
    reference: datetime  # the run's reference time: events expired by then are expired
    salt: str = ""

    def identifier(self, kind: str, subject: str) -> str:
        key = f"{self.source}|{kind}|{subject}" + (f"|{self.salt}" if self.salt else "")
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        return f"{self.oid_prefix}.{self.source}.{self.run}.{digest}"


@dataclass(frozen=True)
class Outgoing:
    """One message to send: its identifier, and the message it updates or cancels."""

    kind: Literal["warning", "trigger"]
    subject: str  # the event's or trigger's id
    msg_type: MsgType
    identifier: str
    level: int  # the level to publish
    previous: str | None  # identifier of the message this one references
    data: dict  # the event (or trigger) as forecast; for a Cancel, as last published


@dataclass(frozen=True)
class EventState:
    """A warning event as the ledger knows it."""

    id: str
    hazard: str
    region: str
    status: Literal["active", "cancelled", "expired", "ended"]
    onset: datetime
    expiry: datetime
    level: int  # published level
    streaks: dict[str, int]  # level -> runs in a row reaching it
    last_message: str
    last_run: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TriggerState:
    """A consultation trigger as the ledger knows it."""

    id: str
    hazard: str
    status: Literal["active", "ended"]
    start: datetime
    end: datetime
    regions: dict[str, str]  # region -> level name
    levels_by_country: dict[str, int]
    last_message: str
    last_run: str


def utc(value: datetime) -> datetime:
    """``value`` with its time zone (databases may hand back naive UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def confirmed_level(peak: int, streaks: dict[str, int], policy: EventPolicy) -> int:
    """The highest level whose required number of runs in a row has been reached."""
    level = peak
    while level > 1 and streaks.get(str(level), 0) < policy.confirm_runs.get(LEVELS[level], 1):
        level -= 1
    return level


def event_subject(source: str, event: Event, *, run: str, taken: Collection[str]) -> str:
    """A new event's id: source, hazard, region and onset (then the run, then a count, while
    that id is taken)."""
    subject = f"{source}:{event.hazard}:{event.region}:{event.onset:%Y%m%d%H}"
    candidates = [subject, f"{subject}:{run}"]
    candidates += (f"{subject}:{run}:{n}" for n in range(2, len(taken) + 3))
    return next(c for c in candidates if c not in taken)


def decide_warnings(
    active: Sequence[EventState],
    events: Sequence[Event],
    policy: EventPolicy,
    key: RunKey,
    *,
    taken: Collection[str] = (),
) -> tuple[list[Outgoing], list[EventState]]:
    """Messages for ``events`` (this run's) against the ``active`` events; return them and the
    new state of every event that is new or changed. ``taken``: event ids already used."""
    states: dict[str, EventState] = {}
    taken = set(taken) | {k.id for k in active}  # ids it knows are taken, whatever it is told
    current = []
    for known in active:
        if utc(known.expiry) <= key.reference:
            states[known.id] = replace(known, status="expired")
        else:
            current.append(known)
    gap = timedelta(hours=policy.merge_gap_hours)
    shift = timedelta(hours=policy.material_shift_hours)
    messages: list[Outgoing] = []
    matched: set[str] = set()
    for new in sorted(events, key=lambda e: (e.region, e.hazard, e.onset)):
        known = next(
            (
                k
                for k in current
                if k.id not in matched
                and (k.region, k.hazard) == (new.region, new.hazard)
                and utc(k.onset) <= new.expiry + gap
                and new.onset <= utc(k.expiry) + gap
            ),
            None,
        )
        streaks = {
            str(level): (int(known.streaks.get(str(level), 0)) if known else 0) + 1
            for level in range(1, new.peak_level + 1)
        }
        level = confirmed_level(new.peak_level, streaks, policy)
        data = event_to_dict(new) | {"published_level": LEVELS[level]}
        if known is None:
            subject = event_subject(key.source, new, run=key.run, taken=taken)
            taken.add(subject)
            message = _outgoing(key, "warning", subject, "Alert", level, None, data)
            messages.append(message)
            states[subject] = EventState(
                id=subject, hazard=new.hazard, region=new.region, status="active",
                onset=new.onset, expiry=new.expiry, level=level, streaks=streaks,
                last_message=message.identifier, last_run=key.run, data=data,
            )  # fmt: skip
            continue
        matched.add(known.id)
        updated = replace(known, streaks=streaks, last_run=key.run)
        material = (
            level != known.level
            or abs(new.onset - utc(known.onset)) >= shift
            or abs(new.expiry - utc(known.expiry)) >= shift
        )
        if material:
            message = _outgoing(key, "warning", known.id, "Update", level, known.last_message, data)
            messages.append(message)
            updated = replace(
                updated, onset=new.onset, expiry=new.expiry, level=level,
                last_message=message.identifier, data=data,
            )  # fmt: skip
        states[known.id] = updated
    for known in current:
        if known.id in matched:
            continue
        if key.reference < utc(known.onset):
            message = _outgoing(
                key, "warning", known.id, "Cancel", known.level, known.last_message, known.data
            )
            messages.append(message)
            states[known.id] = replace(
                known, status="cancelled", last_message=message.identifier, last_run=key.run
            )
        else:  # under way and no longer forecast: let it expire
            states[known.id] = replace(known, status="ended", last_run=key.run)
    return messages, list(states.values())


def decide_triggers(
    active: Sequence[TriggerState],
    triggers: Sequence[Trigger],
    policy: EventPolicy,
    key: RunKey,
) -> tuple[list[Outgoing], list[TriggerState]]:
    """Messages for this run's ``triggers`` against the ``active`` ones, and the new state of
    every trigger that is new or changed."""
    shift = timedelta(hours=policy.material_shift_hours)
    states: dict[str, TriggerState] = {}
    messages: list[Outgoing] = []
    matched: set[str] = set()
    for new in triggers:
        data = trigger_to_dict(new)
        known = next(
            (
                k
                for k in active
                if k.id not in matched
                and k.hazard == new.hazard
                and set(k.regions) & set(new.regions)
                and utc(k.start) < new.end
                and new.start < utc(k.end)
            ),
            None,
        )
        level = max(new.levels_by_country.values())
        if known is None:
            message = _outgoing(key, "trigger", new.id, "Alert", level, None, data)
            messages.append(message)
            states[new.id] = TriggerState(
                id=new.id, hazard=new.hazard, status="active", start=new.start, end=new.end,
                regions=dict(new.regions), levels_by_country=dict(new.levels_by_country),
                last_message=message.identifier, last_run=key.run,
            )  # fmt: skip
            continue
        matched.add(known.id)
        escalates = any(
            level > known.levels_by_country.get(country, 0)
            for country, level in new.levels_by_country.items()
        )
        grows = bool(set(new.regions) - set(known.regions))
        moves = abs(new.start - utc(known.start)) >= shift or abs(new.end - utc(known.end)) >= shift
        updated = replace(known, last_run=key.run)
        if escalates or grows or moves:
            data = data | {"id": known.id}
            message = _outgoing(key, "trigger", known.id, "Update", level, known.last_message, data)
            messages.append(message)
            updated = replace(
                updated,
                start=new.start,
                end=new.end,
                regions=dict(known.regions) | dict(new.regions),
                levels_by_country=_highest(known.levels_by_country, new.levels_by_country),
                last_message=message.identifier,
            )
        states[known.id] = updated
    for known in active:
        if known.id in matched:
            continue
        data = {
            "id": known.id,
            "hazard": known.hazard,
            "regions": known.regions,
            "levels_by_country": known.levels_by_country,
            "start": cap_time(known.start),
            "end": cap_time(known.end),
            "ended": True,
        }
        message = _outgoing(key, "trigger", known.id, "Cancel", 0, known.last_message, data)
        messages.append(message)
        states[known.id] = replace(
            known, status="ended", last_message=message.identifier, last_run=key.run
        )
    return messages, list(states.values())


def cap_time(value: datetime) -> str:
    """A time as CAP writes it: UTC, seconds and an explicit numeric offset (no 'Z');
    a naive time is taken as UTC."""
    return utc(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _highest(known: dict[str, int], new: dict[str, int]) -> dict[str, int]:
    """Per country, the highest level either has (a trigger's levels never go down)."""
    return {c: max(v, known.get(c, 0)) for c, v in new.items()} | {
        c: v for c, v in known.items() if c not in new
    }


def _outgoing(
    key: RunKey,
    kind: Literal["warning", "trigger"],
    subject: str,
    msg_type: MsgType,
    level: int,
    previous: str | None,
    data: dict,
) -> Outgoing:
    return Outgoing(kind, subject, msg_type, key.identifier(kind, subject), level, previous, data)

"""The warning decision rules as pure functions: no database engine is created or imported.

Expected messages come from the rules as stated in the module docstring, applied by hand: a new
event is an Alert; a known one is updated when its published level changes or its onset or
expiry moves by ``material_shift_hours`` or more; one dropped before its onset is cancelled;
``confirm_runs`` holds a level back until that many runs in a row reach it.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.assessment.consultation import EventPolicy, Trigger
from pipeline.assessment.events import Event
from pipeline.ledger.decisions import (
    EventState,
    RunKey,
    TriggerState,
    confirmed_level,
    decide_triggers,
    decide_warnings,
)

T0 = datetime(2026, 1, 15, 0, tzinfo=UTC)
POLICY = EventPolicy(merge_gap_hours=1, material_shift_hours=3)
PREFIX = "2.49.0.0.0.0.CROSSWARN"


def key(hours: int = 0, salt: str = "") -> RunKey:
    run = (T0 + timedelta(hours=hours)).strftime("%Y%m%d%H")
    return RunKey("dwd-icon-d2", run, PREFIX, T0 + timedelta(hours=hours), salt=salt)


def ev(onset: int, hours: int, level: int, region: str = "NL009") -> Event:
    start = T0 + timedelta(hours=onset)
    return Event(
        region=region, country="NL", hazard="wind", onset=start,
        expiry=start + timedelta(hours=hours), peak_level=level,
        peak_time=start + timedelta(hours=1), peak_value=30.0,
        timeline=(), levels_by_criteria={"NL": level},
    )  # fmt: skip


def known(onset: int, hours: int, level: int, *, streaks=None, ident="e1") -> EventState:
    start = T0 + timedelta(hours=onset)
    return EventState(
        id=ident, hazard="wind", region="NL009", status="active", onset=start,
        expiry=start + timedelta(hours=hours), level=level,
        streaks=streaks or {str(n): 1 for n in range(1, level + 1)},
        last_message="m0", last_run="2026011421",
    )  # fmt: skip


def test_the_decision_module_needs_no_database():
    code = "import sys, pipeline.ledger.decisions; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        # (onset shift h, expiry shift h, level) of the new forecast against the known event
        ((0, 0, 1), []),  # nothing changed
        ((2, 0, 1), []),  # onset moved 2 h: below the material 3 h
        ((3, 0, 1), ["Update"]),  # exactly the material shift
        ((0, -3, 1), ["Update"]),  # expiry earlier by exactly 3 h
        ((0, 2, 1), []),
        ((0, 0, 2), ["Update"]),  # escalation
    ],
)
def test_update_only_when_material(new, expected):
    onset_shift, expiry_shift, level = new
    state = known(onset=12, hours=6, level=1)
    forecast = ev(12 + onset_shift, 6 - onset_shift + expiry_shift, level)
    messages, states = decide_warnings([state], [forecast], POLICY, key(3))
    assert [m.msg_type for m in messages] == expected
    (after,) = states
    assert after.status == "active" and after.last_run == key(3).run
    if expected:
        assert messages[0].previous == "m0" and after.last_message == messages[0].identifier
    else:
        assert after.last_message == "m0"


def test_new_event_is_an_alert_and_its_id_never_reused():
    messages, states = decide_warnings([], [ev(12, 6, 2)], POLICY, key(0))
    (alert,) = messages
    assert (alert.msg_type, alert.level, alert.previous) == ("Alert", 2, None)
    assert states[0].id == "dwd-icon-d2:wind:NL009:2026011512"
    # The same subject again (an earlier event with that onset ended): the run is appended.
    _, again = decide_warnings(
        [], [ev(12, 6, 2)], POLICY, key(6), taken={"dwd-icon-d2:wind:NL009:2026011512"}
    )
    assert again[0].id == "dwd-icon-d2:wind:NL009:2026011512:2026011506"


@pytest.mark.parametrize(
    ("reference", "status", "types"),
    [
        (11, "cancelled", ["Cancel"]),  # dropped an hour before onset: cancelled
        (12, "ended", []),  # dropped at onset: under way, ends silently
        (18, "expired", []),  # at expiry: expired, whatever the forecast says
    ],
)
def test_dropped_events(reference, status, types):
    messages, states = decide_warnings([known(12, 6, 2)], [], POLICY, key(reference))
    assert [m.msg_type for m in messages] == types
    assert states[0].status == status
    if types:
        assert messages[0].level == 2 and messages[0].previous == "m0"


def test_merge_gap_matches_an_event_that_moved_by_exactly_the_gap():
    # Known 12-18 h; new 19-22 h starts 1 h after the known expiry = merge_gap_hours: same event.
    messages, states = decide_warnings([known(12, 6, 1)], [ev(19, 3, 1)], POLICY, key(3))
    assert [m.msg_type for m in messages] == ["Update"]  # onset moved 7 h
    assert [s.id for s in states] == ["e1"]
    # One hour further it is another event: the known one is cancelled, the new one alerted.
    messages, states = decide_warnings([known(12, 6, 1)], [ev(20, 3, 1)], POLICY, key(3))
    assert sorted(m.msg_type for m in messages) == ["Alert", "Cancel"]


@pytest.mark.parametrize(
    ("peak", "streaks", "needed", "level"),
    [
        (3, {"1": 3, "2": 3, "3": 1}, {"red": 2}, 2),  # red once, needs 2 runs: orange
        (3, {"1": 3, "2": 3, "3": 2}, {"red": 2}, 3),  # exactly 2 runs: red
        (3, {"1": 1, "2": 1, "3": 1}, {"red": 2, "orange": 2}, 1),  # both held back
        (2, {"1": 1, "2": 1}, {}, 2),  # no confirmation asked
        (1, {"1": 1}, {"yellow": 5}, 1),  # yellow is never held back below yellow
    ],
)
def test_confirmed_level(peak, streaks, needed, level):
    policy = EventPolicy(confirm_runs=needed)
    assert confirmed_level(peak, streaks, policy) == level


def test_confirmation_counts_runs_in_a_row_through_the_state():
    policy = EventPolicy(material_shift_hours=3, confirm_runs={"orange": 2})
    messages, states = decide_warnings([], [ev(12, 6, 2)], policy, key(0))
    assert [(m.msg_type, m.level) for m in messages] == [("Alert", 1)]
    messages, states = decide_warnings(states, [ev(12, 6, 2)], policy, key(3))
    assert [(m.msg_type, m.level) for m in messages] == [("Update", 2)]
    assert states[0].streaks == {"1": 2, "2": 2}


def trig(start: int, end: int, regions: dict[str, int], levels: dict[str, int]) -> Trigger:
    return Trigger(
        id=f"wind-{start}", hazard="wind", start=T0 + timedelta(hours=start),
        end=T0 + timedelta(hours=end), regions=regions, levels_by_country=levels,
        crisis_cells=("NL-NCC", "BE-NCCN"), mismatches=(), events=(),
    )  # fmt: skip


def trigger_state(**changes) -> TriggerState:
    base = dict(
        id="t1", hazard="wind", status="active", start=T0 + timedelta(hours=12),
        end=T0 + timedelta(hours=18), regions={"NL009": 2, "BE002": 1},
        levels_by_country={"NL": 2, "BE": 1}, last_message="m0", last_run="2026011421",
    )  # fmt: skip
    return TriggerState(**(base | changes))


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (trig(12, 18, {"NL009": 2, "BE002": 1}, {"NL": 2, "BE": 1}), []),
        (trig(12, 18, {"NL009": 2, "BE002": 2}, {"NL": 2, "BE": 2}), ["Update"]),  # escalates
        (trig(12, 18, {"NL009": 1, "BE002": 1}, {"NL": 1, "BE": 1}), []),  # de-escalation: quiet
        (trig(12, 18, {"NL009": 2, "BE002": 1, "BE003": 1}, {"NL": 2, "BE": 1}), ["Update"]),
        (trig(14, 18, {"NL009": 2, "BE002": 1}, {"NL": 2, "BE": 1}), []),  # moved 2 h
        (trig(15, 18, {"NL009": 2, "BE002": 1}, {"NL": 2, "BE": 1}), ["Update"]),  # 3 h
    ],
)
def test_trigger_sent_again_only_when_it_escalates_grows_or_moves(new, expected):
    messages, states = decide_triggers([trigger_state()], [new], POLICY, key(3))
    assert [m.msg_type for m in messages] == expected
    (after,) = states
    assert after.id == "t1"  # a trigger keeps its id
    assert after.levels_by_country["NL"] == 2  # levels never go down


def test_trigger_no_longer_found_is_cancelled_once():
    messages, states = decide_triggers([trigger_state()], [], POLICY, key(3))
    assert [(m.msg_type, m.level, m.data["ended"]) for m in messages] == [("Cancel", 0, True)]
    assert states[0].status == "ended"
    messages, _ = decide_triggers([], [], POLICY, key(6))  # ended: not active any more
    assert messages == []


def test_identifiers_differ_by_salt_and_run():
    a = key(0).identifier("warning", "s")
    assert a.startswith(f"{PREFIX}.dwd-icon-d2.2026011500.")
    assert a != key(0, salt="x").identifier("warning", "s") != key(3).identifier("warning", "s")


events_strategy = st.lists(
    st.builds(
        ev,
        onset=st.integers(0, 40),
        hours=st.integers(1, 8),
        level=st.integers(1, 3),
        region=st.sampled_from(["NL009", "BE002", "DE258"]),
    ),
    max_size=6,
)


@given(first=events_strategy, second=events_strategy)
def test_properties_over_two_runs(first, second):
    """Whatever two runs forecast: a rerun of the same forecast sends nothing, every Update or
    Cancel references the message in force, and identifiers are never reused."""
    m1, s1 = decide_warnings([], first, POLICY, key(0))
    active = [s for s in s1 if s.status == "active"]
    assert len(m1) == len(first) and all(m.msg_type == "Alert" for m in m1)
    again, _ = decide_warnings(active, first, POLICY, key(0))
    # Events of one region and hazard closer than the merge gap may pair up differently.
    if len({(e.region, e.onset) for e in first}) == len(first) and not _close(first):
        assert again == []
    m2, _ = decide_warnings(active, second, POLICY, key(3))
    in_force = {s.last_message for s in active}
    assert all(m.previous in in_force for m in m2 if m.msg_type != "Alert")
    identifiers = [m.identifier for m in m1 + m2]
    assert len(identifiers) == len(set(identifiers))


def _close(events: list[Event]) -> bool:
    gap = timedelta(hours=POLICY.merge_gap_hours)
    return any(
        a is not b
        and (a.region, a.hazard) == (b.region, b.hazard)
        and a.onset <= b.expiry + gap
        and b.onset <= a.expiry + gap
        for a in events
        for b in events
    )

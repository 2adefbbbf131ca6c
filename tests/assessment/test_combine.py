"""Combining models per region and hazard: highest level over models, each model named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipeline.assessment.combine import combine_events
from pipeline.assessment.consultation import EventPolicy
from pipeline.assessment.events import Event
from pipeline.ledger.store import Ledger

T0 = datetime(2026, 1, 15, tzinfo=UTC)


def ev(region, start, end, level, *, probability=None, value=30.0, criteria=None) -> Event:
    return Event(
        region=region, country=region[:2], hazard="wind",
        onset=T0 + timedelta(hours=start), expiry=T0 + timedelta(hours=end),
        peak_level=level, peak_time=T0 + timedelta(hours=start + 1), peak_value=value,
        timeline=(), levels_by_criteria=criteria or {region[:2]: level}, probability=probability,
    )  # fmt: skip


def test_overlapping_events_take_the_highest_level_and_name_every_model():
    combined = combine_events(
        {
            "DWD ICON-D2": [ev("NL014", 6, 12, 2, value=28.0, criteria={"NL": 2, "DE": 3})],
            "DWD ICON-D2-EPS": [ev("NL014", 8, 14, 3, probability=0.7, value=31.0)],
            "DWD ICON-EU": [ev("NL014", 20, 24, 1), ev("BE002", 6, 9, 1)],
        }
    )
    assert [(e.region, e.onset.hour, e.expiry.hour, e.peak_level) for e in combined] == [
        ("BE002", 6, 9, 1),
        ("NL014", 6, 14, 3),  # 06-12 orange and 08-14 red overlap: one event, red
        ("NL014", 20, 0, 1),  # later and apart: its own event
    ]
    merged = combined[1]
    assert merged.models == {"DWD ICON-D2": 2, "DWD ICON-D2-EPS": 3}
    assert (merged.probability, merged.peak_value) == (0.7, 31.0)  # the red model's figures
    assert merged.levels_by_criteria == {"NL": 3, "DE": 3}  # highest per authority


def test_a_consultation_recommendation_of_any_model_carries_over():
    """The deterministic model reaches KNMI's red proxy (consultation only), the ensemble stays
    orange: the combined orange event still recommends consulting KNMI."""
    from dataclasses import replace

    advised = replace(ev("NL014", 6, 12, 2), consultation_level=3)
    (merged,) = combine_events(
        {"DWD ICON-D2": [advised], "DWD ICON-D2-EPS": [ev("NL014", 8, 14, 2, probability=0.7)]}
    )
    assert (merged.peak_level, merged.consultation_level) == (2, 3)


def test_the_same_consultation_run_from_newer_inputs_is_decided_again(tmp_path):
    from pipeline.assessment.consultation import Trigger

    ledger = Ledger(f"sqlite:///{tmp_path / 'l.sqlite'}", sender="x@example.org",
                    oid_prefix="2.49.0.0.0.0.CROSSWARN")  # fmt: skip
    ledger.migrate()
    trigger = Trigger(
        id="wind-1", hazard="wind", start=T0, end=T0 + timedelta(hours=6),
        regions={"NL014": 2, "DE283": 1}, levels_by_country={"NL": 2, "DE": 1},
        crisis_cells=("nl-ncc", "de-nw"), mismatches=(), events=(),
    )  # fmt: skip
    grown = Trigger(**{**trigger.__dict__, "regions": {"NL014": 2, "DE283": 1, "BE007": 1},
                       "levels_by_country": {"NL": 2, "DE": 1, "BE": 1}})  # fmt: skip

    def decide(triggers, inputs):
        return ledger.record_run(
            "consultation", "2026011500", reference_time=T0, sent=T0, events=[],
            triggers=triggers, policy=EventPolicy(), inputs=inputs,
        )  # fmt: skip

    (first,) = decide([trigger], "d2-only")
    assert decide([trigger], "d2-only") == [first]  # same inputs: nothing new
    (update,) = decide([grown], "d2-and-eps")  # a second model arrived for the same run
    assert update.msg_type == "Update" and update.identifier != first.identifier
    assert update.references.split(",")[1] == first.identifier
    ledger.close()

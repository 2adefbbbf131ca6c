"""Stage ``consult``: the cross-model consultation. Combines the newest assessed run of every
model (highest level over models, each named; :mod:`pipeline.assessment.combine`) into
consultation triggers, lets the ledger decide what to send, and publishes them."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from datetime import timedelta

from pipeline.assessment.combine import combine_events, combine_levels
from pipeline.assessment.consultation import find_triggers, trigger_to_dict
from pipeline.assessment.events import event_from_dict, event_to_dict
from pipeline.errors import DataNotYetAvailable
from pipeline.orchestration.config import load_config
from pipeline.orchestration.ledger_check import require_consistent
from pipeline.orchestration.publish import publish
from pipeline.orchestration.workdir import (
    CONSULTATION,
    read_assessment,
    work_dir,
    write_assessment,
)
from pipeline.runs import RunId
from pipeline.settings import Settings
from pipeline.sources import get_source

log = logging.getLogger(__name__)


def fresh_runs(runs: dict[str, str], max_age_hours: int) -> tuple[dict[str, str], dict[str, str]]:
    """The model runs (source -> run) the consultation combines, and why each other one is left
    out: a run more than ``max_age_hours`` older than the newest of all. Measured between the
    runs, never against the clock, so a rerun decides the same."""
    times = {
        s: RunId(r, cycle_hours=get_source(s).cycle_hours, source_id=s).time
        for s, r in runs.items()
    }
    newest = max(times.values())
    kept, ignored = {}, {}
    for source, run in runs.items():
        age = newest - times[source]
        if age > timedelta(hours=max_age_hours):
            ignored[source] = (
                f"{age.total_seconds() / 3600:g} h older than the newest model run "
                f"({newest:%Y-%m-%d %H} UTC), more than the {max_age_hours} h allowed "
                "(CROSSWARN_CONSULTATION_MAX_RUN_AGE_HOURS): has the model stopped publishing?"
            )
        else:
            kept[source] = run
    return kept, ignored


def consult(settings: Settings) -> str:
    """Combine the newest run of every model into the consultation triggers, and publish them.

    The run is keyed by the newest model run and by the set of model runs it combines, so a
    model publishing later for the same run decides again. Return the output directory
    (``{out}/consultation/{run}``).
    """
    config = load_config(settings.regions_dir, settings.cache_dir)
    with settings.ledger() as ledger:
        assessed = {
            source: run
            for source, run in ledger.latest_runs().items()
            if source != CONSULTATION
            and (work_dir(settings, source, run) / "assessment.json").exists()
        }
        if not assessed:
            raise DataNotYetAvailable("no model run has been assessed yet: nothing to combine")
        latest, ignored = fresh_runs(assessed, settings.consultation_max_run_age_hours)
        for source, why in ignored.items():
            log.warning("consultation leaves out %s %s: %s", source, assessed[source], why)
        assessments = {s: read_assessment(settings, s, r) for s, r in sorted(latest.items())}
        events = combine_events(
            {
                get_source(s).model_name: [event_from_dict(e) for e in a["events"]]
                for s, a in assessments.items()
            }
        )
        triggers = find_triggers(
            events,
            config.linking.links,
            config.crisis_cells,
            config.consultation.rule,
            config.linking.mismatch_pairs,
        )
        run = max(latest.values())
        sent = max(
            RunId(r, cycle_hours=get_source(s).cycle_hours, source_id=s).time
            + timedelta(minutes=get_source(s).publication_delay_minutes)
            for s, r in latest.items()
        )
        inputs = hashlib.sha256(json.dumps(sorted(latest.items())).encode()).hexdigest()[:16]
        require_consistent(ledger, settings.out_dir / "outbox")
        decisions = ledger.record_run(
            CONSULTATION,
            run,
            reference_time=RunId(run).time,
            sent=sent,
            events=[],
            triggers=triggers,
            policy=config.consultation.events,
            inputs=inputs,
        )
    write_assessment(
        settings,
        CONSULTATION,
        run,
        {
            "source": CONSULTATION,
            "run": run,
            "inputs": latest,
            "ignored_inputs": {s: {"run": assessed[s], "why": why} for s, why in ignored.items()},
            "issued": sent.isoformat(),
            "production_status": max(a["production_status"] for a in assessments.values()),
            "levels": combine_levels([a["levels"] for a in assessments.values()]),
            "events": [event_to_dict(e) for e in events],
            "triggers": [trigger_to_dict(t) for t in triggers],
            "decisions": [asdict(d) for d in decisions],
        },
    )
    return publish(CONSULTATION, run, settings)

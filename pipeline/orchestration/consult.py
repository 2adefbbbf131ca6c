"""Stage ``consult``: the cross-model consultation. Combines the newest assessed run of every
model (highest level over models, each named; :mod:`pipeline.assessment.combine`) into
consultation triggers, lets the ledger decide what to send, and publishes them."""

from __future__ import annotations

import hashlib
import json
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


def consult(settings: Settings) -> str:
    """Combine the newest run of every model into the consultation triggers, and publish them.

    The run is keyed by the newest model run and by the set of model runs it combines, so a
    model publishing later for the same run decides again. Return the output directory
    (``{out}/consultation/{run}``).
    """
    config = load_config(settings.regions_dir, settings.cache_dir)
    with settings.ledger() as ledger:
        latest = {
            source: run
            for source, run in ledger.latest_runs().items()
            if source != CONSULTATION
            and (work_dir(settings, source, run) / "assessment.json").exists()
        }
        if not latest:
            raise DataNotYetAvailable("no model run has been assessed yet: nothing to combine")
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
            "production_status": max(a["production_status"] for a in assessments.values()),
            "levels": combine_levels([a["levels"] for a in assessments.values()]),
            "events": [event_to_dict(e) for e in events],
            "triggers": [trigger_to_dict(t) for t in triggers],
            "decisions": [asdict(d) for d in decisions],
        },
    )
    return publish(CONSULTATION, run, settings)

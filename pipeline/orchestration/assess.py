"""Stage ``assess``: a run's statistics under every authority's criteria, and the ledger's
decision of what to send (``assessment.json``)."""

from __future__ import annotations

from datetime import timedelta

from pipeline.assessment.assess import assess_statistics
from pipeline.assessment.consultation import trigger_to_dict
from pipeline.assessment.criteria import LEVELS
from pipeline.assessment.events import event_to_dict
from pipeline.ledger.records import decision_to_dict
from pipeline.orchestration.config import load_config
from pipeline.orchestration.ledger_check import require_consistent
from pipeline.orchestration.workdir import read_netcdf, work_dir, write_assessment
from pipeline.runs import RunId
from pipeline.settings import Settings
from pipeline.sources import get_source


def assess(source_id: str, run: str, settings: Settings) -> str:
    """Levels under every authority, events under each region's own criteria, criteria
    mismatches, candidate consultation triggers, and the ledger's decision of what to send."""
    source = get_source(source_id)
    config = load_config(settings.regions_dir, settings.cache_dir)
    reference = RunId(run, cycle_hours=source.cycle_hours, source_id=source_id).time
    stats = read_netcdf(work_dir(settings, source_id, run) / "statistics.nc")
    result = assess_statistics(
        stats,
        config.criteria,
        config.consultation,
        countries=config.countries,
        crisis_cells=config.crisis_cells,
        links=config.linking,
        reference_time=reference,
    )
    issued = reference + timedelta(minutes=source.publication_delay_minutes)
    with settings.ledger() as ledger:
        require_consistent(ledger, settings.out_dir / "outbox")
        decisions = ledger.record_run(
            source_id,
            run,
            reference_time=reference,
            sent=issued,
            events=result.events,
            triggers=[],  # consultation triggers are decided across models: see consult()
            policy=config.consultation.events,
        )
    target = write_assessment(
        settings,
        source_id,
        run,
        {
            "source": source_id,
            "run": run,
            "production_status": int(stats.attrs.get("production_status", 0)),
            # When crosswarn dates this run's outputs: the model's scheduled publication (never
            # the clock, so that a rerun writes identical files).
            "issued": issued.isoformat(),
            "levels": result.levels,
            "not_covered": result.not_covered,
            "not_assessed": result.not_assessed,
            "consultation_recommendations": [
                {
                    "region": e.region,
                    "hazard": e.hazard,
                    "authority": config.criteria[e.country].authority,
                    "level": LEVELS[e.consultation_level],
                    "why": "the authority decides this level on impact, in consultation; "
                    "crosswarn's proxy for it is reached",
                }
                for e in result.events
                if e.consultation_level
            ],
            "events": [
                event_to_dict(e) | {"criteria_mismatches": config.linking.mismatch_text(e)}
                for e in result.events
            ],
            "triggers": [trigger_to_dict(t) for t in result.triggers],
            "decisions": [decision_to_dict(d) for d in decisions],
        },
    )
    return str(target)

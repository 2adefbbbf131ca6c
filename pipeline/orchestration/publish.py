"""Stage ``publish``: render and validate the run's warning files, then write them — the run's
directory (swapped in atomically: CAP messages, GeoJSON, triggers, summary, statistics, feeds),
the outbox (immutable files named by identifier), the Atom feeds, and the pending webhook
deliveries. The bulletins (pages and maps, and the mail that carries them) follow in their own
stage (:mod:`pipeline.orchestration.bulletins`), so the CAP files never wait for a map."""

from __future__ import annotations

import functools
import json
import logging
from datetime import datetime, timedelta

from pipeline.files import write_all_atomic, write_json_atomic
from pipeline.geo.nuts import regions_nuts3
from pipeline.orchestration.config import load_config
from pipeline.orchestration.workdir import CONSULTATION, read_assessment, work_dir
from pipeline.publishing.bulletin_parts import ModelRun
from pipeline.publishing.feed import entries_by_language, feed_files
from pipeline.publishing.geojson import warnings_geojson
from pipeline.publishing.messages import Publication, render_decisions
from pipeline.publishing.outbox import Outbox
from pipeline.publishing.staging import StagedOutput
from pipeline.publishing.summary import summarise, with_cells
from pipeline.runs import RunId
from pipeline.settings import Settings
from pipeline.sources import get_source

log = logging.getLogger(__name__)


def cap_status(settings: Settings, production_status: int) -> str:
    """Scenario, test and research data are never published as Actual."""
    if production_status != 0 and settings.cap_status == "Actual":
        return "Exercise"
    return settings.cap_status


def publish(source_id: str, run: str, settings: Settings) -> str:
    """Publish the run's decisions; return the run's output directory."""
    config = load_config(settings.regions_dir, settings.cache_dir)
    assessment = read_assessment(settings, source_id, run)
    status = cap_status(settings, assessment["production_status"])
    # Messages are dated by the ledger from the run (published time), never by the clock, so
    # that a rerun writes identical files.
    publication = publication_of(source_id, run, assessment, status, settings)
    final = settings.out_dir / source_id / run
    outbox = Outbox(settings.out_dir / "outbox")
    with StagedOutput(final) as staged:
        with staged.writing_synced("cap") as cap:  # each message written as the next renders
            rendered = render_decisions(
                assessment["decisions"],
                publication,
                regions=config.regions,
                criteria=config.criteria,
                cells=config.cells,
                nuts3=regions_nuts3(settings.regions_dir),
                sink=cap,
            )
        # every message validated and on disk; immutable once in the outbox
        outbox.put_all(rendered.files, on_disk=cap.staged)
        staged.write(
            "warnings.geojson", warnings_geojson(config.regions, assessment, status).encode()
        )
        triggers = with_cells(assessment["triggers"], config.cells)
        staged.write("triggers.json", _json(triggers, indent=1, ensure_ascii=False))
        stats = work_dir(settings, source_id, run) / "statistics.nc"
        if stats.exists():  # models have statistics; the consultation combines events
            staged.write("statistics.nc", stats.read_bytes())
        staged.write("summary.json", _json(summarise(assessment, config.regions), indent=1))
        with settings.ledger() as ledger:
            if rendered.deliveries:  # none without a webhook: no transaction for nothing
                ledger.enqueue(rendered.deliveries)
            in_force = ledger.active_messages(source_id)
        entries = entries_by_language(
            in_force, config.regions, criteria=config.criteria, status=status
        )  # titled once for the run's feeds and the outbox's
        feeds = functools.partial(
            feed_files, entries, source_id=source_id, sender=settings.cap_sender,
            # The run's issue time, with or without alerts: an empty feed of a live pipeline
            # says how fresh it is, so a dead one's stale feed never reads as an all-clear.
            updated=issued(source_id, run, assessment),
            restricted=source_id == CONSULTATION,  # its triggers are for the cells alone
        )  # fmt: skip
        for name, data in feeds(run=run).items():  # linking the run's folders
            staged.write(name, data)
        # the newest, linking the outbox's files
        write_all_atomic({outbox.root / name: data for name, data in feeds(run=None).items()})
        staged.commit()
    if source_id != CONSULTATION:
        write_status(settings.out_dir / source_id / STATUS, source_id, run, assessment)
    log.info(
        "%s %s: %d files, status %s, in %s", source_id, run, len(rendered.files), status, final
    )
    return str(final)


def publication_of(
    source_id: str, run: str, assessment: dict, status: str, settings: Settings
) -> Publication:
    """Who publishes the run's messages, and the model runs they come from."""
    if source_id == CONSULTATION:
        inputs = {s: get_source(s) for s in assessment["inputs"]}
        model = ", ".join(f"{c.model_name} {assessment['inputs'][s]}" for s, c in inputs.items())
        attribution = "; ".join(c.attribution for c in inputs.values())
        used = dict(assessment["inputs"])
    else:
        source = get_source(source_id)
        model, attribution = source.model_name, source.attribution
        used = {source_id: run}
    runs = tuple(
        ModelRun(
            model=get_source(s).model_name,
            run=_run_time(s, r).isoformat(),
            attribution=get_source(s).attribution,
            licence=get_source(s).licence,
        )
        for s, r in sorted(used.items())
    )
    return Publication(
        sender=settings.cap_sender,
        status=status,
        source_id=source_id,
        run=run,
        model=model,
        attribution=attribution,
        contact=settings.cap_contact,
        webhook_url=settings.webhook_url,
        email=bool(settings.smtp_host),
        runs=runs,
        # the next consultation follows the first of its models' next runs
        next_update=min(next_due(s, r) for s, r in used.items()).isoformat(),
    )


def _run_time(source_id: str, run: str) -> datetime:
    return RunId(run, cycle_hours=get_source(source_id).cycle_hours, source_id=source_id).time


def next_due(source_id: str, run: str) -> datetime:
    """When the source's next run after ``run`` is due: its time plus the model's
    publication delay."""
    source = get_source(source_id)
    return _run_time(source_id, run) + timedelta(
        hours=source.cycle_hours, minutes=source.publication_delay_minutes
    )


#: Per source, what its newest published run is and when the next one is due (the watchdog's
#: input; see :mod:`pipeline.orchestration.watchdog`).
STATUS = "status.json"


def write_status(path, source_id: str, run: str, assessment: dict) -> None:
    """The source's freshness: its newest published run, that run's data and issue times, and
    when the next run's outputs are due (the next cycle plus the model's publication delay).
    A rerun of an older run leaves a newer status alone."""
    source = get_source(source_id)
    reference = RunId(run, cycle_hours=source.cycle_hours, source_id=source_id).time
    try:
        if json.loads(path.read_text())["last_good_run"] > run:
            return
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no status yet, or an unreadable one: this run's replaces it
    write_json_atomic(
        path,
        {
            "source": source_id,
            "model": source.model_name,
            "last_good_run": run,
            "data_time": reference.isoformat(),
            "issued": issued(source_id, run, assessment),
            "next_run_expected": next_due(source_id, run).isoformat(),
            "cycle_hours": source.cycle_hours,
        },
    )


def issued(source_id: str, run: str, assessment: dict) -> str:
    """When the run's outputs are dated (assessments written before this field existed: the
    newest message, else the run time plus the model's publication delay)."""
    if "issued" in assessment:
        return assessment["issued"]
    sent = [d["sent"] for d in assessment["decisions"]]
    if sent or source_id == CONSULTATION:
        return max(sent, default=RunId(run).time.isoformat())
    source = get_source(source_id)
    reference = RunId(run, cycle_hours=source.cycle_hours, source_id=source_id).time
    return (reference + timedelta(minutes=source.publication_delay_minutes)).isoformat()


def _json(data: object, **options) -> bytes:
    return (json.dumps(data, **options) + "\n").encode()

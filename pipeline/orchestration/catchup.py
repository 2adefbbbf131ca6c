"""Catch-up of missed model runs that are still on the provider's server.

Airflow schedules only the newest slot after downtime (``catchup=False``: a year-old backlog
must never start), and a run whose sensor timed out or whose tasks failed is not retried by the
schedule. So every scheduled DAG run first asks the provider which runs it still lists and the
ledger which it has decided, and triggers a DAG run for each run that was missed: listed, not
decided, within :data:`CATCHUP_HOURS` of the run being processed, and old enough that its own
scheduled DAG run has had its whole wait plus an hour (so a run still in progress is not
started twice). Runs are caught up oldest first; the ledger marks a run older than one already
decided as superseded and sends nothing for it, so a late catch-up never overrides a newer run.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from pipeline.errors import RetryableError
from pipeline.runs import RunId

log = logging.getLogger(__name__)

#: How far back a scheduled run looks for missed runs (DWD keeps about 24 h of runs).
CATCHUP_HOURS = 24


def missed_runs(
    listed: list[str],
    decided: set[str],
    *,
    current: str,
    cycle_hours: int,
    grace: timedelta,
    horizon: timedelta = timedelta(hours=CATCHUP_HOURS),
) -> list[str]:
    """The runs of ``listed`` to catch up while ``current`` is processed, oldest first."""
    now = RunId(current, cycle_hours=cycle_hours).time
    missed = []
    for run in sorted(set(listed) - decided):
        when = RunId(run, cycle_hours=cycle_hours).time
        if now - horizon <= when <= now - grace:
            missed.append(run)
    return missed


def runs_to_catch_up(source_id: str, current: str, settings, *, wait_hours: int) -> list[str]:
    """:func:`missed_runs` of ``source_id`` from the provider's listing and the ledger; an
    unreachable provider catches up nothing this time (the next scheduled run asks again)."""
    from pipeline.sources import make_source

    source = make_source(source_id, settings)
    try:
        listed = source.available_runs(list(source.default_params))
    except RetryableError as exc:
        log.warning(
            "%s: cannot list the provider's runs, no catch-up this time: %s", source_id, exc
        )
        return []
    with settings.ledger() as ledger:
        decided = ledger.processed_runs(source_id)
    missed = missed_runs(
        listed,
        decided,
        current=current,
        cycle_hours=source.cycle_hours,
        grace=timedelta(hours=wait_hours + 1),
    )
    for run in missed:
        log.warning("%s %s: missed and still on the provider's server: catching up", source_id, run)
    return missed

"""Pruning the archive, work, output and outbox directories by retention, keyed to a date.

``prune(settings, as_of)`` removes what is older than its retention relative to ``as_of``
(the housekeeping DAG's logical date, never "now"), but never what the ledger still
references: the newest run of each source, the runs whose messages are still in force for
active warnings and triggers, those messages' outbox files, and what pending deliveries need.
It also removes what killed processes left behind (temporary and staging files).
"""

from __future__ import annotations

import logging
import re
import shutil
from datetime import datetime, timedelta

from pipeline.files import leftovers, remove
from pipeline.runs import RunId
from pipeline.settings import Settings

log = logging.getLogger(__name__)

#: Temporary, staging and parked files of killed processes (``.*.tmp-*``, ``.*.staging-*``,
#: ``.*.old-*``) older than this are removed; younger ones may belong to a running task.
LEFTOVER_AGE = timedelta(hours=6)


def prune(settings: Settings, as_of: datetime) -> dict[str, int]:
    """Remove expired run directories and outbox files; return counts per kind."""
    with settings.ledger() as ledger:
        keep_runs, keep_messages = ledger.referenced()
    counts = {"archive": 0, "work": 0, "out": 0, "outbox": 0}
    for kind, root, days in (
        ("archive", settings.archive_dir, settings.archive_retention_days),
        ("work", settings.work_dir, settings.archive_retention_days),
        ("out", settings.out_dir, settings.outbox_retention_days),
    ):
        cutoff = as_of - timedelta(days=days)
        for run_dir in sorted(root.glob("*/*")) if root.is_dir() else []:
            run = RunId.find(run_dir.name)
            when = run.time if run else None
            if when is None or not run_dir.is_dir() or when >= cutoff:
                continue
            if (run_dir.parent.name, run_dir.name) in keep_runs:
                continue
            shutil.rmtree(run_dir)
            counts[kind] += 1
    outbox = settings.out_dir / "outbox"
    cutoff = as_of - timedelta(days=settings.outbox_retention_days)
    for path in sorted(outbox.iterdir()) if outbox.is_dir() else []:
        match = _OUTBOX_NAME.match(path.name)
        if match is None or match.group(1) in keep_messages:
            continue
        run = _message_run(path.name)
        if run is not None and run < cutoff:
            path.unlink()
            counts["outbox"] += 1
    counts["leftovers"] = 0
    for root in (settings.archive_dir, settings.work_dir, settings.out_dir):
        for path in leftovers(root, older_than=as_of - LEFTOVER_AGE):
            remove(path)
            counts["leftovers"] += 1
    log.info("housekeeping as of %s: removed %s", as_of.isoformat(), counts)
    return counts


def _message_run(name: str) -> datetime | None:
    """The run an outbox file belongs to: identifiers end in ``.{source}.{run}.{digest}``."""
    parts = name.split(".")
    for part in reversed(parts):
        run = RunId.find(part)
        if run is not None:
            return run.time
    return None


#: Outbox files: ``{identifier}.xml``, ``{identifier}-{language}.html`` and its map
#: ``{identifier}-{language}.png`` (``{identifier}-map.png``: one map for all languages, before).
_OUTBOX_NAME = re.compile(r"^(.+?)(?:\.xml|-(?:[a-z]{2}|map)\.(?:html|png))$")

"""The main job's stages, one call per Airflow task, each keyed by (source, run) and idempotent:

fetch -> statistics (per variable, then merged) -> assess -> publish -> bulletins -> deliver;
and, across models, consult -> bulletins -> deliver. The CAP files never wait for the
bulletins' maps. In one process (``crosswarn run``) fetch and statistics are one pass
(:func:`fetch_and_statistics`). Intermediate products go to ``{work}/{source}/{run}/``
(:mod:`pipeline.orchestration.workdir`); warning files to ``{out}/{source}/{run}/``. Functions
take and return plain strings and paths so that XCom carries ids and paths only.

Each stage reports its duration (or its failure) as StatsD metrics, and a publication the age
of its data and its messages per level: see :mod:`pipeline.metrics` for the names.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from pipeline.assessment.criteria import LEVELS
from pipeline.metrics import Metrics
from pipeline.orchestration import assess as _assess
from pipeline.orchestration import bulletins as _bulletins
from pipeline.orchestration import consult as _consult
from pipeline.orchestration import deliver as _deliver
from pipeline.orchestration import fetch as _fetch
from pipeline.orchestration import publish as _publish
from pipeline.orchestration import statistics as _statistics
from pipeline.orchestration.workdir import CONSULTATION, read_assessment
from pipeline.runs import RunId
from pipeline.settings import Settings


def _measured(stage: str, function: Callable[..., str]) -> Callable[..., str]:
    """``function``, a stage called as ``(source_id, run, settings, ...)``, reporting
    ``{source}.{stage}.ms`` or ``{source}.{stage}.failed``."""

    @functools.wraps(function)
    def measured(source_id: str, run: str, settings: Settings, *args, **kwargs) -> str:
        with Metrics.from_settings(settings).timed(f"{source_id}.{stage}"):
            return function(source_id, run, settings, *args, **kwargs)

    return measured


fetch = _measured("fetch", _fetch.fetch)
statistics = _measured("statistics", _statistics.statistics)
fetch_and_statistics = _measured("fetch_and_statistics", _statistics.fetch_and_statistics)
merge_statistics = _measured("merge_statistics", _statistics.merge_statistics)
assess = _measured("assess", _assess.assess)
bulletins = _measured("bulletins", _bulletins.bulletins)
deliver = _measured("deliver", _deliver.deliver)


def publish(source_id: str, run: str, settings: Settings) -> str:
    """Publish the run's decisions (:func:`pipeline.orchestration.publish.publish`); return
    the run's output directory."""
    metrics = Metrics.from_settings(settings)
    with metrics.timed(f"{source_id}.publish"):
        final = _publish.publish(source_id, run, settings)
    _report_publication(metrics, source_id, run, settings)
    return final


def consult(settings: Settings) -> str:
    """Combine the newest run of every model and publish the consultation triggers
    (:func:`pipeline.orchestration.consult.consult`); return its output directory."""
    metrics = Metrics.from_settings(settings)
    with metrics.timed(f"{CONSULTATION}.consult"):
        final = _consult.consult(settings)
    _report_publication(metrics, CONSULTATION, Path(final).name, settings)
    return final


def migrate(settings: Settings) -> str:
    """Bring the ledger's schema to the newest migration (the DAGs' first task)."""
    with settings.ledger() as ledger:
        return ledger.migrate()


def _report_publication(metrics: Metrics, source_id: str, run: str, settings: Settings) -> None:
    """The published run's data age and its messages per kind and level."""
    if not metrics.enabled:
        return  # the assessment is read again only to report it
    age = time.time() - RunId(run).time.timestamp()
    metrics.gauge(f"{source_id}.publish.data_age_s", round(age))
    decisions = read_assessment(settings, source_id, run)["decisions"]
    counts = Counter(
        (d["kind"], "cancel" if d["msg_type"] == "Cancel" else LEVELS[d["level"]])
        for d in decisions
    )
    for (kind, level), count in sorted(counts.items()):
        metrics.increment(f"{source_id}.publish.{kind}s.{level}", count)


__all__ = [
    "CONSULTATION",
    "assess",
    "bulletins",
    "consult",
    "deliver",
    "fetch",
    "fetch_and_statistics",
    "merge_statistics",
    "migrate",
    "publish",
    "statistics",
]

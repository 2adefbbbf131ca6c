"""The main job's stages, one call per Airflow task, each keyed by (source, run) and idempotent:

fetch -> statistics (per variable, then merged) -> assess -> publish -> deliver; and, across
models, consult. Intermediate products go to ``{work}/{source}/{run}/``
(:mod:`pipeline.orchestration.workdir`); warning files to ``{out}/{source}/{run}/``. Functions
take and return plain strings and paths so that XCom carries ids and paths only.
"""

from __future__ import annotations

from pipeline.orchestration.assess import assess
from pipeline.orchestration.consult import consult
from pipeline.orchestration.deliver import deliver
from pipeline.orchestration.fetch import fetch
from pipeline.orchestration.publish import publish
from pipeline.orchestration.statistics import merge_statistics, statistics
from pipeline.orchestration.workdir import CONSULTATION
from pipeline.settings import Settings


def migrate(settings: Settings) -> str:
    """Bring the ledger's schema to the newest migration (the DAGs' first task)."""
    with settings.ledger() as ledger:
        return ledger.migrate()


__all__ = [
    "CONSULTATION",
    "assess",
    "consult",
    "deliver",
    "fetch",
    "merge_statistics",
    "migrate",
    "publish",
    "statistics",
]

"""crosswarn housekeeping: prune the archive, work, output and outbox directories daily.

Retention comes from CROSSWARN_ARCHIVE_RETENTION_DAYS and CROSSWARN_OUTBOX_RETENTION_DAYS and is
counted back from the logical date. Nothing the warning ledger still references is removed.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, task

from pipeline.orchestration.dag import task_failed


@dag(
    dag_id="crosswarn_housekeeping",
    schedule=CronTriggerTimetable("15 3 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": task_failed,
    },
    tags=["crosswarn"],
    doc_md=__doc__,
)
def crosswarn_housekeeping():
    @task
    def migrate_ledger() -> str:
        from pipeline.orchestration import stages
        from pipeline.orchestration.dag import settings

        return stages.migrate(settings())

    @task
    def prune(logical_date=None) -> dict:
        from pipeline.orchestration.dag import settings
        from pipeline.orchestration.housekeeping import prune

        return prune(settings(), logical_date)

    migrate_ledger() >> prune()


crosswarn_housekeeping()

"""crosswarn verification: every day, pair the warnings of the past days' runs with what was
observed and write the scores to ``{out}/verification/{day}/`` (index.html, plots, CSV).

The window is the last :data:`WINDOW_DAYS` days of runs (their assessments are kept in the work
directory for CROSSWARN_ARCHIVE_RETENTION_DAYS): a run's pairs are replaced each day, so days
observed later are added as their observations arrive. Pairs live in the ledger's database.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, dag, task

from pipeline.orchestration.dag import task_failed

#: Days of runs each verification run (re)pairs, ending the day before its logical date.
WINDOW_DAYS = 6


@dag(
    dag_id="crosswarn_verification",
    schedule=CronTriggerTimetable("45 6 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=15),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": task_failed,
    },
    tags=["crosswarn"],
    doc_md=__doc__,
)
def crosswarn_verification():
    @task
    def migrate_ledger() -> str:
        from pipeline.orchestration import stages
        from pipeline.orchestration.dag import settings

        return stages.migrate(settings())

    @task
    def verify(logical_date=None) -> str:
        from pipeline.orchestration.dag import settings
        from pipeline.verification.verify import verify_period

        config = settings()
        last = logical_date.date() - timedelta(days=1)
        first = last - timedelta(days=WINDOW_DAYS - 1)
        out = config.out_dir / "verification" / logical_date.date().isoformat()
        result, page = verify_period(config, first, last, out)
        print(f"{len(result.pairs)} region-days paired; report: {page}")
        return str(page)

    migrate_ledger() >> verify()


crosswarn_verification()

"""crosswarn main job for DWD ICON-D2: fetch -> statistics -> assess -> publish -> deliver.

Scheduled every 3 h at the model cycle plus DWD's publication delay (90 min). A run can be
pinned with the ``run`` param (YYYYMMDDHH). Settings come from CROSSWARN_* variables.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, Param, dag, task

SOURCE = "dwd-icon-d2"
WARNINGS = Asset("crosswarn://warnings/dwd-icon-d2")


@dag(
    dag_id="crosswarn_dwd_icon_d2",
    schedule=CronTriggerTimetable("30 1-22/3 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=2,
    params={"run": Param(None, type=["null", "string"], description="Pin a run, YYYYMMDDHH")},
    default_args={
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(minutes=30),
    },
    tags=["crosswarn", "dwd"],
)
def crosswarn_dwd_icon_d2():
    @task
    def model_run(params=None, logical_date=None) -> str:
        from pipeline.sources import get_source
        from pipeline.sources.base import run_for

        return params.get("run") or run_for(get_source(SOURCE), logical_date)

    @task
    def fetch(run: str) -> str:
        from pipeline import jobs
        from pipeline.settings import Settings

        jobs.fetch(SOURCE, run, Settings())
        return run

    @task
    def statistics(run: str) -> str:
        from pipeline import jobs
        from pipeline.settings import Settings

        jobs.statistics(SOURCE, run, Settings())
        return run

    @task
    def assess(run: str) -> str:
        from pipeline import jobs
        from pipeline.settings import Settings

        jobs.assess(SOURCE, run, Settings())
        return run

    @task(outlets=[WARNINGS])
    def publish(run: str) -> str:
        from pipeline import jobs
        from pipeline.settings import Settings

        jobs.publish(SOURCE, run, Settings())
        return run

    @task
    def deliver(run: str) -> str:
        from pipeline import jobs
        from pipeline.settings import Settings

        return jobs.deliver(SOURCE, run, Settings())

    deliver(publish(assess(statistics(fetch(model_run())))))


crosswarn_dwd_icon_d2()

"""crosswarn consultation: combine the newest run of every model into joint-consultation triggers.

Runs whenever a model DAG publishes its warnings (any of their Assets). Models combine per
region and hazard at the highest level any gives, each named (pipeline/assessment/combine.py);
the ledger decides which triggers to send, and the crisis cells receive them, then
their bulletins (pages and maps per language) by mail.
"""

from __future__ import annotations

import functools
import operator
from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

from pipeline.orchestration.dag import CONSULTATION_PRIORITY, task_failed, warnings_asset

SOURCES = (
    "dwd-icon-d2",
    "dwd-icon-d2-ruc",
    "dwd-icon-eu",
    "dwd-icon-d2-eps",
    "dwd-icon-eu-eps",
    "knmi-harmonie",
    "ecmwf-ifs",
    "ecmwf-ens",
)


@dag(
    dag_id="crosswarn_consultation",
    schedule=functools.reduce(operator.or_, map(warnings_asset, SOURCES)),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": task_failed,
        "priority_weight": CONSULTATION_PRIORITY,
        "weight_rule": "absolute",
    },
    tags=["crosswarn"],
    doc_md=__doc__,
)
def crosswarn_consultation():
    @task
    def migrate_ledger() -> str:
        from pipeline.orchestration import stages
        from pipeline.orchestration.dag import settings

        return stages.migrate(settings())

    @task
    def consult() -> str:
        from pipeline.orchestration import stages
        from pipeline.orchestration.dag import settings

        return stages.consult(settings())

    @task
    def bulletins(published: str) -> str:
        from pathlib import Path

        from pipeline.orchestration import stages
        from pipeline.orchestration.dag import settings

        return stages.bulletins(stages.CONSULTATION, Path(published).name, settings())

    @task(retries=5)
    def deliver(published: str) -> str:
        from pipeline.orchestration import stages
        from pipeline.orchestration.dag import settings

        return stages.deliver(stages.CONSULTATION, "any", settings())

    consulted = consult()
    migrate_ledger() >> consulted
    deliver(consulted)  # the triggers' CAP webhooks, then the cells' mail with the bulletins
    deliver.override(task_id="deliver_bulletins")(bulletins(consulted))


crosswarn_consultation()

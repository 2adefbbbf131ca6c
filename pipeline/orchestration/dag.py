"""The Airflow DAG of one forecast source, built the same way for every source.

DAG files in ``dags/`` only call :func:`model_dag`. Nothing heavy is imported at parse time:
each task imports ``pipeline.orchestration.stages`` when it runs. Every task is keyed by the
model run (the ``run`` param, or the run the logical date stands for), never by "now", and is
idempotent.

migrate_ledger, model_run -> wait_for_run (sensor, reschedule mode) -> fetch[variable] (mapped)
-> archive -> statistics[part] (mapped) -> merge_statistics -> assess -> publish (Asset)
-> deliver (the CAP messages' webhooks) and publish -> bulletins -> deliver_bulletins (the
cells' mail, which carries the bulletins: the warnings never wait for a map); beside them,
model_run -> missed_runs -> catch_up (a DAG run per missed model run, see
pipeline/orchestration/catchup.py). The variables are the source's own
(``default_params``), read when the run starts, so they are declared once, in the source class.

Operations: every task's final failure is an alarm to the operators
(pipeline/orchestration/alerts.py). That makes the run's deadline an alarm too: the sensor's
timeout (the provider has not completed the run ``wait_hours`` after it was due) and each
task's ``execution_timeout`` fail the task; a run that never starts is the watchdog's alarm.
(Airflow's own DeadlineAlert is not used: in 3.3.2 a DAG with one cannot run under
``dag.test``/``airflow dags test``.) The sensor rides out a provider's transient errors; short-range
models go first when workers are busy (:data:`PRIORITY`).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import (
    Asset,
    CronTriggerTimetable,
    Param,
    dag,
    task,
)


def task_failed(context) -> None:
    """Every task's ``on_failure_callback``: an alarm to the operators (imported when called,
    so that parsing the DAG files stays light)."""
    from pipeline.orchestration.alerts import task_failed as alarm

    alarm(context)


DEFAULT_ARGS = {
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": task_failed,
    "weight_rule": "absolute",
}

#: Task priority per source when workers are busy: the short-range, frequently updated models
#: first (their warnings are the most urgent and the soonest outdated), the long range last.
PRIORITY = {
    "dwd-icon-d2-ruc": 80,
    "dwd-icon-d2": 70,
    "knmi-harmonie": 60,
    "dwd-icon-d2-eps": 50,
    "dwd-icon-eu": 40,
    "dwd-icon-eu-eps": 30,
    "ecmwf-ifs": 20,
    "ecmwf-ens": 10,
}
#: The consultation's tasks go before every model's: they decide the joint triggers.
CONSULTATION_PRIORITY = 90


#: The fetch task's variable that stands for all of them (``fetch_in_one``).
ALL_VARIABLES = "all"


def warnings_asset(source_id: str) -> Asset:
    return Asset(f"crosswarn://warnings/{source_id}")


#: The Airflow Connection holding the KNMI Data Platform API key (in its password field).
KNMI_CONNECTION = "knmi_open_data"


def settings():
    """Settings from the environment, overridden by the Airflow Variable ``crosswarn`` (JSON);
    the KNMI API key comes from the Connection ``knmi_open_data`` when there is one."""
    from airflow.sdk import Connection, Variable

    from pipeline.settings import Settings

    overrides = Variable.get("crosswarn", default=None, deserialize_json=True) or {}
    try:
        key = Connection.get(KNMI_CONNECTION).password
    except Exception:
        key = None
    if key:
        overrides["knmi_api_key"] = key
    return Settings(**overrides)


def model_dag(source_id: str, *, schedule: str, wait_hours: int = 4, doc: str = ""):
    """The DAG ``crosswarn_{source_id}`` (dashes become underscores).

    A source whose run is one file (``fetch_in_one``: KNMI's tar) is fetched by one task.
    """
    dag_id = "crosswarn_" + source_id.replace("-", "_")

    @dag(
        dag_id=dag_id,
        doc_md=doc,
        schedule=CronTriggerTimetable(schedule, timezone="UTC"),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=2,
        params={"run": Param(None, type=["null", "string"], description="Pin a run, YYYYMMDDHH")},
        default_args={**DEFAULT_ARGS, "priority_weight": PRIORITY[source_id]},
        tags=["crosswarn", source_id.split("-")[0]],
    )
    def pipeline():
        @task
        def migrate_ledger() -> str:
            from pipeline.orchestration import stages

            return stages.migrate(settings())

        @task
        def variables() -> list[str]:
            from pipeline.orchestration.statistics import group_names
            from pipeline.sources import get_source

            return group_names(get_source(source_id))

        @task
        def fetch_variables() -> list[str]:
            from pipeline.sources import get_source

            source = get_source(source_id)
            return [ALL_VARIABLES] if source.fetch_in_one else list(source.default_params)

        @task
        def model_run(params=None, logical_date=None) -> str:
            from pipeline.sources import get_source
            from pipeline.sources.base import run_for

            return params.get("run") or run_for(get_source(source_id), logical_date)

        @task.sensor(poke_interval=300, timeout=wait_hours * 3600, mode="reschedule", retries=0)
        def wait_for_run(run: str):
            from airflow.sdk import PokeReturnValue

            from pipeline.errors import RetryableError
            from pipeline.sources import make_source

            source = make_source(source_id, settings())
            try:
                status = source.run_status(run, list(source.default_params))
            except RetryableError as exc:  # a 5xx or a timeout: poke again, never fail
                print(f"{source_id} {run}: the provider did not answer, poking again: {exc}")
                return PokeReturnValue(is_done=False)
            print(status.describe())
            return PokeReturnValue(is_done=status.complete, xcom_value=run)

        @task
        def missed_runs(run: str, dag_run=None) -> list[dict]:
            from pipeline.orchestration.catchup import runs_to_catch_up

            if dag_run.run_type != "scheduled":  # manual runs and backfills are explicit
                return []
            missed = runs_to_catch_up(source_id, run, settings(), wait_hours=wait_hours)
            return [{"trigger_run_id": f"catchup__{m}", "conf": {"run": m}} for m in missed]

        @task
        def fetch(run: str, variable: str) -> str:
            from pipeline.orchestration import stages

            param = None if variable == ALL_VARIABLES else variable
            return stages.fetch(source_id, run, settings(), param=param, manifest=False)

        @task
        def archive(run: str, fetched: list[str]) -> str:
            from pipeline.orchestration import stages

            stages.fetch(source_id, run, settings())  # all archived: writes the run's manifest
            return run

        @task
        def statistics(run: str, variable: str) -> str:
            from pipeline.orchestration import stages

            return stages.statistics(source_id, run, settings(), param=variable)

        @task
        def merge_statistics(run: str, parts: list[str]) -> str:
            from pipeline.orchestration import stages

            stages.merge_statistics(source_id, run, settings())
            return run

        @task
        def assess(run: str) -> str:
            from pipeline.orchestration import stages

            stages.assess(source_id, run, settings())
            return run

        @task(outlets=[warnings_asset(source_id)])
        def publish(run: str) -> str:
            from pipeline.orchestration import stages

            stages.publish(source_id, run, settings())
            return run

        @task
        def bulletins(run: str) -> str:
            from pipeline.orchestration import stages

            stages.bulletins(source_id, run, settings())
            return run

        @task(retries=5)
        def deliver(run: str) -> str:
            from pipeline.orchestration import stages

            return stages.deliver(source_id, run, settings())

        run = model_run()
        ready = wait_for_run(run)
        missed = missed_runs(run)
        migrate = migrate_ledger()
        migrate >> [ready, missed]
        TriggerDagRunOperator.partial(
            task_id="catch_up", trigger_dag_id=dag_id, skip_when_already_exists=True
        ).expand_kwargs(missed)
        fetched = fetch.partial(run=ready).expand(variable=fetch_variables())
        archived = archive(ready, fetched)
        parts = statistics.partial(run=archived).expand(variable=variables())
        published = publish(assess(merge_statistics(archived, parts)))
        deliver(published)
        deliver.override(task_id="deliver_bulletins")(bulletins(published))

    return pipeline()

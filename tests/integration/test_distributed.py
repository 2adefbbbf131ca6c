"""The distributed shape, without containers: one model run from the scheduler to CAP files.

crosswarn is installed from its built wheel into a clean environment (never the source tree);
Airflow runs with the CeleryExecutor on Redis (Debian's ``redis-server``) and PostgreSQL, its API
server, scheduler, DAG processor and a Celery worker as separate processes with separate Airflow
homes (so they share only what a deployment shares: the database, the broker, the signing secret
and the DAG files), region statistics on a Dask scheduler with two workers. The ICON-D2 run of
15 January 2026 00 UTC (the storm scenario) is backfilled — the scheduler creates and runs it
like any scheduled run — and must end in valid CAP files; then every process is stopped with
SIGTERM and must exit by itself.

Skipped without a PostgreSQL server or redis-server, except in CI (``.ci/run`` installs both).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ROOT, postgres_admin
from tests.integration.cluster import Service, free_port, install_wheel, wait_for

DAG_ID = "crosswarn_dwd_icon_d2"
LOGICAL_DATE = "2026-01-15T01:30:00+00:00"
RUN = "2026011500"


def _redis_server() -> str:
    found = shutil.which("redis-server")
    if found is None:
        message = "redis-server not found (Debian package redis-server)"
        if os.environ.get("CROSSWARN_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def databases():
    """Fresh PostgreSQL databases: Airflow's metadata and crosswarn's ledger, each with its
    own role, reached over TCP as separate machines would."""
    admin = postgres_admin()
    names = {kind: f"crosswarn_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("airflow", "ledger")}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{name}'"))
            conn.execute(text(f"CREATE DATABASE {name} OWNER {name}"))
    yield {kind: f"{name}:{name}@127.0.0.1:5432/{name}" for kind, name in names.items()}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
            conn.execute(text(f"DROP ROLE {name}"))
    admin.dispose()


def test_one_model_run_goes_from_the_scheduler_to_cap_files_on_celery_and_dask(
    databases, scenario_mirror, tmp_path
):
    redis = _redis_server()
    bin_ = install_wheel(tmp_path / "env")
    dags = tmp_path / "dags"  # what the image bakes in: the DAG files, nothing else
    shutil.copytree(ROOT / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    redis_port, dask_port, api_port = free_port(), free_port(), free_port()
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "CROSSWARN_", "VIRTUAL_ENV", "PYTHON"))
    }
    base.update(
        PATH=f"{bin_}{os.pathsep}{base.get('PATH', '')}",
        AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(dags),
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"postgresql+psycopg2://{databases['airflow']}",
        AIRFLOW__CELERY__BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        AIRFLOW__CELERY__RESULT_BACKEND=f"db+postgresql+psycopg2://{databases['airflow']}",
        AIRFLOW__CELERY__WORKER_CONCURRENCY="2",
        # What the machines share: the secret that signs task tokens, the API's address.
        AIRFLOW__API_AUTH__JWT_SECRET=uuid.uuid4().hex,
        AIRFLOW__API__SECRET_KEY=uuid.uuid4().hex,
        AIRFLOW__API__PORT=str(api_port),
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{api_port}/execution/",
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        CROSSWARN_DWD_BASE_URL=f"file://{scenario_mirror}",
        CROSSWARN_ARCHIVE_DIR=str(tmp_path / "data" / "archive"),
        CROSSWARN_WORK_DIR=str(tmp_path / "data" / "work"),
        CROSSWARN_OUT_DIR=str(tmp_path / "data" / "out"),
        CROSSWARN_CACHE_DIR=str(tmp_path / "data" / "cache"),
        CROSSWARN_LEDGER_URL=f"postgresql+pg8000://{databases['ledger']}",
        CROSSWARN_DASK_SCHEDULER=f"tcp://127.0.0.1:{dask_port}",
        CROSSWARN_DASK_FALLBACK="fail",  # statistics must really run on the cluster
    )

    def home(name: str) -> dict[str, str]:
        (tmp_path / "homes" / name).mkdir(parents=True, exist_ok=True)
        return {**base, "AIRFLOW_HOME": str(tmp_path / "homes" / name)}

    def service(name: str, *argv: str) -> Service:
        return Service(name, list(argv), home(name), tmp_path / f"{name}.log", cwd=tmp_path)

    def airflow(*args: str) -> str:
        done = service("cli", str(bin_ / "airflow"), *args)
        result = subprocess.run(
            done.argv, env=done.env, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, f"airflow {' '.join(args)}:\n{result.stderr[-3000:]}"
        return result.stdout

    airflow("db", "migrate")
    services = [
        service("redis", redis, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(tmp_path)),
        service("dask-scheduler", str(bin_ / "dask"), "scheduler", "--host", "127.0.0.1",
                "--port", str(dask_port), "--no-dashboard"),
        service("dask-workers", str(bin_ / "dask"), "worker", f"tcp://127.0.0.1:{dask_port}",
                "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                "--local-directory", str(tmp_path / "dask")),
        service("api-server", str(bin_ / "airflow"), "api-server", "--port", str(api_port)),
        service("dag-processor", str(bin_ / "airflow"), "dag-processor"),
        service("scheduler", str(bin_ / "airflow"), "scheduler"),
        service("celery-worker", str(bin_ / "airflow"), "celery", "worker"),
    ]  # fmt: skip
    # Read with pg8000 like the other tests: psycopg2-binary's bundled libldap crashes this
    # process in its exit-time destructor (free() of a bad pointer in _dl_fini, seen in gdb).
    metadata = create_engine(f"postgresql+pg8000://{databases['airflow']}")
    try:
        for each in services:
            each.start()

        def healthy() -> bool:
            try:
                url = f"http://127.0.0.1:{api_port}/api/v2/monitor/health"
                return httpx.get(url, timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, 180, "the API server's health endpoint", services)
        wait_for(
            lambda: f"{DAG_ID} " in airflow("dags", "list"),
            240, "the DAG processor to parse the DAGs", services,
        )  # fmt: skip
        airflow("dags", "unpause", DAG_ID)
        airflow(
            "backfill", "create", "--dag-id", DAG_ID,
            "--from-date", LOGICAL_DATE, "--to-date", LOGICAL_DATE,
        )  # fmt: skip

        def state() -> str:
            query = text("SELECT state FROM dag_run WHERE dag_id = :dag AND run_type = 'backfill'")
            with metadata.connect() as conn:
                return conn.execute(query, {"dag": DAG_ID}).scalar() or ""

        wait_for(lambda: state() in ("success", "failed"), 900, "the DAG run to end", services)
        task_logs = tmp_path / "homes" / "celery-worker" / "logs" / f"dag_id={DAG_ID}"
        assert state() == "success", (
            "\n".join(s.tail() for s in services)
            + "\n"
            + "\n".join(
                p.read_text(errors="replace")[-1500:] for p in sorted(task_logs.rglob("*.log"))
            )
        )
        with metadata.connect() as conn:
            ran = conn.execute(
                text(
                    "SELECT ti.task_id, ti.state, ti.hostname FROM task_instance ti "
                    "JOIN dag_run dr "
                    "ON dr.dag_id = ti.dag_id AND dr.run_id = ti.run_id "
                    "WHERE ti.dag_id = :d AND dr.run_type = 'backfill'"
                ),
                {"d": DAG_ID},
            ).all()
        # Every task of the run ran on the Celery worker, none was left behind. (Unpausing
        # also scheduled the newest slot's run, which waits for data the mirror does not have.)
        assert {t.state for t in ran} <= {"success", "skipped"}, ran
        assert all(t.hostname for t in ran if t.state == "success"), ran

        # Statistics ran on the Dask cluster (the tasks say where they computed).
        statistics_logs = list(task_logs.rglob("task_id=statistics/**/*.log"))
        assert statistics_logs
        for log in statistics_logs:
            assert f"Dask cluster at tcp://127.0.0.1:{dask_port}" in log.read_text(), log

        out = tmp_path / "data" / "out" / "dwd-icon-d2" / RUN
        caps = sorted((out / "cap").glob("*.xml"))
        assert caps and all(b"<status>Exercise</status>" in p.read_bytes() for p in caps)
        assert json.loads((out / "summary.json").read_text())["events"] == len(caps)
        status = json.loads((tmp_path / "data" / "out" / "dwd-icon-d2" / "status.json").read_text())
        assert status["last_good_run"] == RUN
        validated = subprocess.run(
            [str(bin_ / "crosswarn"), "validate", *map(str, caps)],
            env=home("cli"), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert validated.returncode == 0, validated.stdout[-2000:] + validated.stderr[-2000:]
    finally:
        metadata.dispose()
        problems = [p for s in reversed(services) if (p := s.stop())]
    assert not problems, problems

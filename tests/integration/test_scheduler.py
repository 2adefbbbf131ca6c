"""The real scheduler: ``airflow standalone`` (LocalExecutor) on PostgreSQL runs the ICON-D2 DAG.

One run on the DAG's timetable (a backfill of the 01:30 UTC slot of 15 January 2026, processed
by the scheduler like any scheduled run) goes end to end on the storm scenario; then every
process started is stopped. Skipped without a PostgreSQL server, except in CI.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ROOT, postgres_admin

BIN = Path(sys.executable).parent
LOGICAL_DATE = "2026-01-15T01:30:00+00:00"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def airflow_database():
    """A fresh PostgreSQL database and role for Airflow's metadata, reached over TCP."""
    name = f"crosswarn_it_{uuid.uuid4().hex[:8]}"
    admin = postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{name}'"))
        conn.execute(text(f"CREATE DATABASE {name} OWNER {name}"))
    metadata = create_engine(admin.url.set(database=name))
    yield f"postgresql+psycopg2://{name}:{name}@127.0.0.1:5432/{name}", metadata
    metadata.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        conn.execute(text(f"DROP ROLE {name}"))
    admin.dispose()


def _wait(predicate, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(2)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


def test_the_scheduler_runs_the_icon_d2_dag_on_postgresql(
    airflow_database, scenario_mirror, tmp_path
):
    url, metadata = airflow_database
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AIRFLOW", "CROSSWARN_"))
    }
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__EXECUTOR="LocalExecutor",
        AIRFLOW__CORE__PARALLELISM="2",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=url,
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://localhost:{port}/execution/",
        CROSSWARN_DWD_BASE_URL=f"file://{scenario_mirror}",
        CROSSWARN_ARCHIVE_DIR=str(tmp_path / "archive"),
        CROSSWARN_WORK_DIR=str(tmp_path / "work"),
        CROSSWARN_OUT_DIR=str(tmp_path / "out"),
        CROSSWARN_CACHE_DIR=str(tmp_path / "cache"),
    )

    def airflow(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "airflow"), *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert airflow("db", "migrate").returncode == 0
    log = tmp_path / "standalone.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("run_standalone.py")), "airflow"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:

        def healthy() -> bool:
            try:
                url = f"http://127.0.0.1:{port}/api/v2/monitor/health"
                return httpx.get(url, timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        _wait(healthy, 180, "the api-server's health endpoint", log)
        _wait(
            lambda: "crosswarn_dwd_icon_d2 " in airflow("dags", "list").stdout,
            180, "the dag-processor to parse the DAGs", log,
        )  # fmt: skip
        assert airflow("dags", "unpause", "crosswarn_dwd_icon_d2").returncode == 0
        created = airflow(
            "backfill", "create", "--dag-id", "crosswarn_dwd_icon_d2",
            "--from-date", LOGICAL_DATE, "--to-date", LOGICAL_DATE,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr[-2000:]

        def state() -> str:
            query = text(
                "SELECT state FROM dag_run WHERE dag_id = 'crosswarn_dwd_icon_d2' "
                "AND run_type = 'backfill'"
            )
            with metadata.connect() as conn:
                return conn.execute(query).scalar() or ""

        _wait(lambda: state() in ("success", "failed"), 600, "the DAG run to finish", log)
        assert state() == "success"
        out = tmp_path / "out" / "dwd-icon-d2" / "2026011500"
        caps = sorted((out / "cap").glob("*.xml"))
        assert caps and all(b"<status>Exercise</status>" in p.read_bytes() for p in caps)
        assert json.loads((out / "summary.json").read_text())["events"] == len(caps)
    finally:
        process.send_signal(signal.SIGINT)  # standalone stops its own children
        try:
            process.wait(timeout=60)
        finally:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    os.killpg(process.pid, 0)
                except ProcessLookupError:
                    break  # every process of the group is gone
                time.sleep(1)
            else:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail("airflow standalone left processes behind; they were killed")

"""dag.test() of every other source's DAG on a DWD-shaped file mirror (tests/sources/dwd_tree)."""

from __future__ import annotations

import json
import os

import pytest

from pipeline.sources.dwd import IconD2Eps, IconD2Ruc, IconEu, IconEuEps
from tests.data import SYNTHETIC_LIMITS
from tests.sources.dwd_tree import write_grid_file, write_run

RUN = "2026011500"


@pytest.mark.parametrize(
    ("dag_id", "cls", "logical_date"),
    [
        ("crosswarn_dwd_icon_eu", IconEu, "2026-01-15T04:00:00+00:00"),
        ("crosswarn_dwd_icon_d2_eps", IconD2Eps, "2026-01-15T02:00:00+00:00"),
        ("crosswarn_dwd_icon_eu_eps", IconEuEps, "2026-01-15T05:00:00+00:00"),
        ("crosswarn_dwd_icon_d2_ruc", IconD2Ruc, "2026-01-15T00:45:00+00:00"),
    ],
)
def test_dag_runs_end_to_end(dag_id, cls, logical_date, airflow_db, tmp_path, monkeypatch):
    from datetime import datetime, timedelta

    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    root = tmp_path / "www"
    source = cls(f"file://{root}/weather/nwp")
    if source.grid_file:
        write_grid_file(root, source)
    files = write_run(root, source, RUN, list(source.default_params), source.steps(RUN))
    for name, folder in (("ARCHIVE", "archive"), ("WORK", "work"), ("OUT", "out"),
                         ("CACHE", "cache")):  # fmt: skip
        monkeypatch.setenv(f"CROSSWARN_{name}_DIR", str(tmp_path / folder))
    monkeypatch.setenv("CROSSWARN_DWD_BASE_URL", f"file://{root}/weather/nwp")
    # The synthetic trees ramp past physical limits over these long runs (see the file).
    monkeypatch.setenv("CROSSWARN_PLAUSIBILITY_LIMITS", str(SYNTHETIC_LIMITS))
    dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).dags[dag_id]
    for task in dag.tasks:
        task.retries = 0
    run = dag.test(logical_date=datetime.fromisoformat(logical_date))
    assert run.state == DagRunState.SUCCESS
    out = tmp_path / "out" / source.id / RUN
    summary = json.loads((out / "summary.json").read_text())
    # Gusts of 10 + s + m m/s everywhere exceed DWD's 50 km/h from the first hours: warnings.
    assert summary["events"] > 0 and summary["messages"]["Alert"] > 0
    manifest = json.loads((tmp_path / "archive" / source.id / RUN / "manifest.json").read_text())
    assert len(manifest["files"]) == len(files)
    # The feed is dated by the run's issue time: the DAG's schedule is the run plus the model's
    # publication delay, so the logical date is that time.
    feed = (out / "feed.atom").read_text()
    assert f"<updated>{logical_date}</updated>" in feed.split("<entry>")[0]
    # The watchdog's input: this run, and the next one due a cycle after this one's schedule.
    status = json.loads((tmp_path / "out" / source.id / "status.json").read_text())
    assert status["last_good_run"] == RUN
    due = datetime.fromisoformat(logical_date) + timedelta(hours=cls.cycle_hours)
    assert datetime.fromisoformat(status["next_run_expected"]) == due


def test_settings_come_from_variables_and_the_knmi_connection(airflow_db, monkeypatch):
    """Inside a task: the Variable `crosswarn` overrides the environment; the key stays secret."""
    import os
    from datetime import UTC, datetime

    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    monkeypatch.setenv("AIRFLOW_VAR_CROSSWARN", json.dumps({"cap_status": "Test"}))
    monkeypatch.setenv(
        "AIRFLOW_CONN_KNMI_OPEN_DATA", json.dumps({"conn_type": "http", "password": "k3y"})
    )
    from pipeline.orchestration.dag import settings

    seen = {}

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    dag = bag.dags["crosswarn_housekeeping"]
    task = dag.get_task("prune")
    original = task.python_callable

    def probe(logical_date=None):
        found = settings()
        seen["status"] = found.cap_status
        seen["key"] = found.knmi_api_key
        return {}

    task.python_callable = probe
    try:
        run = dag.test(logical_date=datetime(2026, 1, 16, 3, 15, tzinfo=UTC))
    finally:
        task.python_callable = original
    assert run.state == DagRunState.SUCCESS
    assert seen["status"] == "Test"
    assert seen["key"].get_secret_value() == "k3y" and "k3y" not in repr(seen["key"])


def test_housekeeping_dag_runs(airflow_db, tmp_path, monkeypatch):
    import os

    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    for name in ("ARCHIVE", "WORK", "OUT", "CACHE"):
        monkeypatch.setenv(f"CROSSWARN_{name}_DIR", str(tmp_path / name.lower()))
    old = tmp_path / "archive" / "dwd-icon-d2" / "2025010100"
    old.mkdir(parents=True)
    dag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"]).dags["crosswarn_housekeeping"]
    from datetime import UTC, datetime

    run = dag.test(logical_date=datetime(2026, 1, 15, 3, 15, tzinfo=UTC))  # keeps from 8 Jan
    assert run.state == DagRunState.SUCCESS
    assert not old.exists()

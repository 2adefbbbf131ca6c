"""A task's final failure reaches the operators' webhook as an alarm, from a real DAG run."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from pipeline.orchestration.alerts import Alarm, send_alarms, task_failed
from tests.publishing.test_delivery import Receiver


@pytest.fixture
def receiver():
    """The operators' webhook on 127.0.0.1 (the delivery tests' receiver, answering 200)."""
    made = Receiver([])
    yield made
    made.close()


def _alarms(receiver: Receiver) -> list[dict]:
    return [json.loads(body) for _, body in receiver.received]


def test_a_failing_task_of_a_real_dag_run_raises_an_alarm(receiver, airflow_db, tmp_path,
                                                          monkeypatch):  # fmt: skip
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    from tests.conftest import ROOT

    broken = tmp_path / "ledger.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("CROSSWARN_LEDGER_URL", f"sqlite:///{broken}")
    monkeypatch.setenv("CROSSWARN_ALERT_URL", receiver.url)
    dag = DagBag(dag_folder=str(ROOT / "dags" / "housekeeping.py")).dags["crosswarn_housekeeping"]
    for task in dag.tasks:
        task.retries = 0
    run = dag.test(logical_date=datetime(2026, 1, 15, 3, 15, tzinfo=UTC))
    assert run.state == DagRunState.FAILED
    (body,) = _alarms(receiver)
    (alarm,) = body["alarms"]
    assert alarm["subject"] == "crosswarn_housekeeping"
    assert "task migrate_ledger of run" in alarm["problem"]
    assert "LedgerUnavailable" in alarm["problem"] and str(broken) in alarm["problem"]
    assert datetime.fromisoformat(body["checked_at"]).tzinfo is not None


def test_a_sensor_timeout_is_a_late_run_alarm(receiver, monkeypatch):
    from airflow.sdk.exceptions import AirflowSensorTimeout

    monkeypatch.setenv("CROSSWARN_ALERT_URL", receiver.url)
    ti = SimpleNamespace(dag_id="crosswarn_dwd_icon_d2", task_id="wait_for_run", map_index=-1,
                         run_id="scheduled__2026-01-15T01:30:00+00:00", try_number=1)  # fmt: skip
    task_failed({"ti": ti, "exception": AirflowSensorTimeout("Sensor has timed out")})
    (alarm,) = _alarms(receiver)[0]["alarms"]
    assert alarm["subject"] == "crosswarn_dwd_icon_d2"
    assert "not completed the model run by its deadline" in alarm["problem"]


def test_an_unreachable_webhook_is_logged_never_raised(caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/alarms"
    assert send_alarms(url, [Alarm("x", "y")], datetime(2026, 1, 15, tzinfo=UTC)) is False
    assert "ALARM x: y" in caplog.text and "could not send the alarm" in caplog.text
    assert send_alarms(None, [Alarm("x", "y")], datetime(2026, 1, 15, tzinfo=UTC)) is False

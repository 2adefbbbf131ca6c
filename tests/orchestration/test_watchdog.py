"""The watchdog raises an alarm when a source falls silent or Airflow's scheduler stops; it
reads what publish writes (status.json) and Airflow's health answer over real loopback HTTP."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.cli import main
from pipeline.orchestration.publish import write_status
from pipeline.orchestration.watchdog import overdue, scheduler_problem

RUN = "2026011500"
#: ICON-D2's next run (03 UTC) is due with DWD's 90 minutes: 04:30 UTC.
DUE = datetime(2026, 1, 15, 4, 30, tzinfo=UTC)
MARGIN = timedelta(hours=1)


def _status(tmp_path, run: str = RUN) -> dict:
    path = tmp_path / "out" / "dwd-icon-d2" / "status.json"
    write_status(path, "dwd-icon-d2", run, {"issued": "2026-01-15T01:30:00+00:00"})
    return json.loads(path.read_text())


def test_publish_writes_when_the_next_run_is_due(tmp_path):
    status = _status(tmp_path)
    assert status["last_good_run"] == RUN
    assert status["data_time"] == "2026-01-15T00:00:00+00:00"
    assert status["issued"] == "2026-01-15T01:30:00+00:00"
    assert datetime.fromisoformat(status["next_run_expected"]) == DUE


def test_an_older_run_does_not_overwrite_a_newer_status(tmp_path):
    _status(tmp_path, "2026011503")
    assert _status(tmp_path, RUN)["last_good_run"] == "2026011503"


def test_a_source_due_within_the_margin_is_quiet_one_second_later_an_alarm(tmp_path):
    status = _status(tmp_path)
    assert overdue("dwd-icon-d2", status, DUE + MARGIN, MARGIN) is None
    alarm = overdue("dwd-icon-d2", status, DUE + MARGIN + timedelta(seconds=1), MARGIN)
    assert alarm is not None and "no run published since 2026011500" in alarm.problem
    assert "1.0 h ago" in alarm.problem


def test_a_source_that_never_published_is_an_alarm():
    alarm = overdue("dwd-icon-eu", None, DUE, MARGIN)
    assert alarm is not None and "never published" in alarm.problem


NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("health", "alarm"),
    [
        (
            {
                "scheduler": {
                    "status": "healthy",
                    "latest_scheduler_heartbeat": "2026-01-15T11:55:00+00:00",
                }
            },
            None,
        ),
        (
            {
                "scheduler": {
                    "status": "healthy",
                    "latest_scheduler_heartbeat": "2026-01-15T11:54:59+00:00",
                }
            },
            "has stopped",
        ),
        ({"scheduler": {"status": "unhealthy", "latest_scheduler_heartbeat": None}}, "unhealthy"),
        ({}, "None"),
    ],
)
def test_the_scheduler_heartbeat_at_its_limit(health, alarm):
    found = scheduler_problem(health, NOW, timedelta(minutes=5))
    assert (found is None) if alarm is None else (alarm in found.problem)


class _Receiver:
    """A loopback web server: Airflow's health answer on GET, the operators' webhook on POST."""

    def __init__(self, health: dict):
        self.posted: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                body = json.dumps(health).encode()
                code = 200 if self.path == "/api/v2/monitor/health" else 404
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.posted.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_the_command_alarms_a_silent_source_and_a_stopped_scheduler(tmp_path, capsys):
    _status(tmp_path)
    stale = {
        "scheduler": {
            "status": "healthy",
            "latest_scheduler_heartbeat": "2026-01-15T04:00:00+00:00",
        }
    }
    receiver = _Receiver(stale)
    try:
        args = ["watchdog", "--out", str(tmp_path / "out"), "--api-url", receiver.url,
                "--alert-url", f"{receiver.url}/alarms"]  # fmt: skip
        # 05:30: the 03 UTC run is due at 04:30, within the hour's margin; the heartbeat is
        # 90 minutes old.
        assert main([*args, "--now", "2026-01-15T05:30:00+00:00"]) == 1
        assert [a["subject"] for a in receiver.posted[-1]["alarms"]] == ["scheduler"]
        # 05:31: the source is overdue too.
        assert main([*args, "--now", "2026-01-15T05:31:00+00:00"]) == 1
        subjects = [a["subject"] for a in receiver.posted[-1]["alarms"]]
        assert subjects == ["dwd-icon-d2", "scheduler"]
        assert "ALARM dwd-icon-d2: no run published since 2026011500" in capsys.readouterr().err
    finally:
        receiver.close()


def test_the_command_is_quiet_when_all_is_fresh(tmp_path, capsys):
    _status(tmp_path)
    fresh = {
        "scheduler": {
            "status": "healthy",
            "latest_scheduler_heartbeat": "2026-01-15T05:29:00+00:00",
        }
    }
    receiver = _Receiver(fresh)
    try:
        code = main(["watchdog", "--out", str(tmp_path / "out"), "--api-url", receiver.url,
                     "--now", "2026-01-15T05:30:00+00:00"])  # fmt: skip
        assert code == 0 and receiver.posted == []
        assert capsys.readouterr().out.startswith("ok:")
    finally:
        receiver.close()


def test_an_unreachable_api_server_is_an_alarm(tmp_path):
    _status(tmp_path)
    code = main(["watchdog", "--out", str(tmp_path / "out"), "--api-url", "http://127.0.0.1:9",
                 "--now", "2026-01-15T05:00:00+00:00"])  # fmt: skip
    assert code == 1

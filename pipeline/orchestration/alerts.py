"""Alarms to the operators: one JSON shape, one webhook (``CROSSWARN_ALERT_URL``).

Two senders use it. While Airflow runs, a task's final failure (every task's
``on_failure_callback``) raises an alarm at once; a model run the provider has not completed by
its deadline is one of them (the sensor's timeout). When Airflow itself is down, the watchdog,
running outside it, raises the alarm (:mod:`pipeline.orchestration.watchdog`).

The body is ``{"alarms": [{"subject": ..., "problem": ...}], "checked_at": ISO time}``. Sending
never raises: an alarm that cannot be delivered is logged as an error (the task's own failure
or the watchdog's exit status still stand).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import httpx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alarm:
    subject: str  # a source id, a DAG id, "scheduler"
    problem: str

    def describe(self) -> str:
        return f"ALARM {self.subject}: {self.problem}"


def send_alarms(alert_url: str | None, alarms: list[Alarm], at: datetime) -> bool:
    """Log each alarm and POST them to ``alert_url`` (when set); True when delivered."""
    for alarm in alarms:
        log.error(alarm.describe())
    if not alarms or not alert_url:
        return False
    body = {"alarms": [asdict(a) for a in alarms], "checked_at": at.isoformat()}
    try:
        httpx.post(alert_url, json=body, timeout=10.0).raise_for_status()
    except httpx.HTTPError as exc:
        log.error("could not send the alarm to %s: %s", alert_url, exc)
        return False
    return True


def _alert_url() -> str | None:
    from pipeline.settings import Settings

    return Settings().alert_url


def task_failed(context) -> None:
    """``on_failure_callback`` of every crosswarn task: its final failure (retries spent) is
    an alarm naming the DAG, run, task and error."""
    ti = context["ti"]
    mapped = f"[{ti.map_index}]" if getattr(ti, "map_index", -1) >= 0 else ""
    error = context.get("exception")
    kind = type(error).__name__ if error else "error"
    if kind == "AirflowSensorTimeout":
        problem = (
            f"run {ti.run_id}: the provider has not completed the model run by its deadline "
            f"(sensor {ti.task_id} timed out): the run is late or lost at the provider; the "
            "next scheduled run catches it up if it appears"
        )
    else:
        problem = (
            f"task {ti.task_id}{mapped} of run {ti.run_id} failed after {ti.try_number} "
            f"attempt(s): {kind}: {error}. Its log is in Airflow; fix the cause, then clear "
            "the task"
        )
    alarm = Alarm(ti.dag_id, problem)
    send_alarms(_alert_url(), [alarm], datetime.now(UTC))

"""``crosswarn watchdog``: run outside Airflow (its own compose service, cron or a systemd
timer), it raises an alarm when a source has not published within its cycle plus a margin, or
when Airflow's scheduler stops heartbeating. A pipeline that stopped is never mistaken for a
quiet day: silence itself is the alarm.

The checks are pure (:func:`overdue`, :func:`scheduler_problem`); reading the status files,
asking Airflow's API server and sending the alarm are the edges (:func:`watch`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from pipeline.orchestration.alerts import Alarm, send_alarms
from pipeline.orchestration.publish import STATUS


def overdue(source: str, status: dict | None, now: datetime, margin: timedelta) -> Alarm | None:
    """An alarm when ``source``'s next run was due more than ``margin`` before ``now``."""
    if status is None:
        return Alarm(source, "has never published (no status.json): is its DAG unpaused?")
    due = datetime.fromisoformat(status["next_run_expected"])
    if now <= due + margin:
        return None
    late = (now - due).total_seconds() / 3600
    return Alarm(
        source,
        f"no run published since {status['last_good_run']} (issued {status['issued']}); the next "
        f"was due by {due.isoformat()}, {late:.1f} h ago (margin {margin}): check the DAG's "
        "runs and the provider",
    )


def scheduler_problem(health: dict, now: datetime, max_age: timedelta) -> Alarm | None:
    """An alarm when Airflow's health answer says the scheduler is unhealthy or its latest
    heartbeat is older than ``max_age``."""
    scheduler = health.get("scheduler") or {}
    beat = scheduler.get("latest_scheduler_heartbeat")
    if scheduler.get("status") != "healthy" or not beat:
        return Alarm("scheduler", f"Airflow reports the scheduler {scheduler.get('status')!r}")
    age = now - datetime.fromisoformat(beat)
    if age > max_age:
        return Alarm(
            "scheduler",
            f"latest heartbeat {beat}, {age.total_seconds():.0f} s ago (more than "
            f"{max_age.total_seconds():.0f} s): the scheduler has stopped",
        )
    return None


def read_statuses(out_dir: Path, sources: list[str]) -> dict[str, dict | None]:
    """Each source's status.json (None where it has none or it cannot be read)."""
    found = sources or sorted(p.parent.name for p in out_dir.glob(f"*/{STATUS}"))
    statuses: dict[str, dict | None] = {}
    for source in found:
        try:
            statuses[source] = json.loads((out_dir / source / STATUS).read_text())
        except (OSError, ValueError):
            statuses[source] = None
    return statuses


def watch(
    out_dir: Path,
    *,
    now: datetime,
    sources: list[str] = (),
    margin: timedelta = timedelta(hours=1),
    api_url: str | None = None,
    max_heartbeat_age: timedelta = timedelta(minutes=5),
    alert_url: str | None = None,
) -> list[Alarm]:
    """Every alarm at ``now``; each is logged, and POSTed as JSON to ``alert_url`` if given."""
    statuses = read_statuses(out_dir, list(sources))
    alarms = [a for s, st in statuses.items() if (a := overdue(s, st, now, margin))]
    if not statuses:
        alarms.append(Alarm("pipeline", f"no source has published into {out_dir} at all"))
    if api_url:
        try:
            response = httpx.get(f"{api_url.rstrip('/')}/api/v2/monitor/health", timeout=10.0)
            response.raise_for_status()
            alarm = scheduler_problem(response.json(), now, max_heartbeat_age)
        except (httpx.HTTPError, ValueError) as exc:
            alarm = Alarm("scheduler", f"Airflow's API server at {api_url} does not answer: {exc}")
        if alarm:
            alarms.append(alarm)
    send_alarms(alert_url, alarms, now)  # the exit status raises the alarm even if unsent
    return alarms

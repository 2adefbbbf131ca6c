"""Catch-up of missed model runs, the sensor riding out a provider's errors, and priorities."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from pipeline.assessment.consultation import EventPolicy
from pipeline.orchestration.catchup import missed_runs, runs_to_catch_up
from pipeline.settings import Settings

HOURLY = {"cycle_hours": 1, "grace": timedelta(hours=5), "horizon": timedelta(hours=24)}


def test_missed_runs_at_the_edges_of_the_grace_and_the_horizon():
    # Run 2026011512 is being processed: 07 UTC is exactly its grace (5 h) old, 08 is younger
    # (its own DAG run may still wait for it); 2026011412 is exactly 24 h old, 11 is older.
    listed = ["2026011411", "2026011412", "2026011500", "2026011507", "2026011508", "2026011512"]
    assert missed_runs(listed, set(), current="2026011512", **HOURLY) == [
        "2026011412", "2026011500", "2026011507",
    ]  # fmt: skip
    # A decided run (processed or superseded) is never caught up.
    decided = {"2026011500"}
    assert missed_runs(listed, decided, current="2026011512", **HOURLY) == [
        "2026011412", "2026011507",
    ]  # fmt: skip


def test_missed_runs_are_oldest_first_and_unique():
    listed = ["2026011506", "2026011500", "2026011503", "2026011500"]
    missed = missed_runs(
        listed, set(), current="2026011515", cycle_hours=3, grace=timedelta(hours=5)
    )
    assert missed == ["2026011500", "2026011503", "2026011506"]


def test_runs_to_catch_up_asks_the_provider_and_the_ledger(scenario_mirror, tmp_path):
    settings = Settings(
        dwd_base_url=f"file://{scenario_mirror}",
        work_dir=tmp_path / "work",
        archive_dir=tmp_path / "archive",
        out_dir=tmp_path / "out",
    )
    with settings.ledger() as ledger:
        ledger.migrate()
    # The mirror lists run 2026011500. Twelve hours later it was missed (ICON-D2 waits 4 h).
    assert runs_to_catch_up("dwd-icon-d2", "2026011512", settings, wait_hours=4) == ["2026011500"]
    # Four hours later its own DAG run may still be waiting: not yet.
    assert runs_to_catch_up("dwd-icon-d2", "2026011503", settings, wait_hours=4) == []
    # Once the ledger has decided it, it is not missed.
    with settings.ledger() as ledger:
        when = datetime(2026, 1, 15, tzinfo=UTC)
        ledger.record_run(
            "dwd-icon-d2", "2026011500", reference_time=when, sent=when, events=[],
            triggers=[], policy=EventPolicy(),
        )  # fmt: skip
    assert runs_to_catch_up("dwd-icon-d2", "2026011512", settings, wait_hours=4) == []


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def icon_d2_dag():
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import ROOT

    return DagBag(dag_folder=str(ROOT / "dags" / "dwd_icon_d2.py")).dags["crosswarn_dwd_icon_d2"]


def test_an_unreachable_provider_catches_up_nothing_and_the_sensor_pokes_again(
    icon_d2_dag, monkeypatch, caplog
):
    monkeypatch.setenv("CROSSWARN_DWD_BASE_URL", _closed_port_url())
    settings = Settings()
    assert runs_to_catch_up("dwd-icon-d2", "2026011512", settings, wait_hours=4) == []
    assert "no catch-up this time" in caplog.text
    # The sensor: a connection refused is not a failure, only "not yet".
    sensor = icon_d2_dag.get_task("wait_for_run")
    poked = sensor.python_callable(run="2026011500")
    assert poked.is_done is False


def test_only_scheduled_runs_catch_up_and_each_missed_run_gets_one_trigger(
    icon_d2_dag, scenario_mirror, monkeypatch
):
    monkeypatch.setenv("CROSSWARN_DWD_BASE_URL", f"file://{scenario_mirror}")
    with Settings().ledger() as ledger:
        ledger.migrate()  # the DAG's migrate_ledger task runs first
    missed = icon_d2_dag.get_task("missed_runs").python_callable
    scheduled = SimpleNamespace(run_type="scheduled")
    assert missed(run="2026011512", dag_run=scheduled) == [
        {"trigger_run_id": "catchup__2026011500", "conf": {"run": "2026011500"}}
    ]
    assert missed(run="2026011512", dag_run=SimpleNamespace(run_type="manual")) == []
    trigger = icon_d2_dag.get_task("catch_up")
    assert trigger.partial_kwargs["trigger_dag_id"] == "crosswarn_dwd_icon_d2"
    assert trigger.partial_kwargs["skip_when_already_exists"] is True
    assert {t.task_id for t in trigger.upstream_list} == {"missed_runs"}
    assert "migrate_ledger" in icon_d2_dag.get_task("missed_runs").upstream_task_ids


def test_short_range_models_go_first():
    """Independent order: the shorter a model's range, the higher its tasks' priority; an
    ensemble after its deterministic sibling; the consultation before every model."""
    from airflow.dag_processing.dagbag import DagBag

    from pipeline.orchestration.dag import CONSULTATION_PRIORITY
    from pipeline.sources import SOURCES
    from tests.conftest import ROOT

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    weight = {}
    for source_id in SOURCES:
        dag = bag.dags["crosswarn_" + source_id.replace("-", "_")]
        weights = {t.priority_weight for t in dag.tasks}
        assert len(weights) == 1 and {t.weight_rule for t in dag.tasks} == {"absolute"}
        weight[source_id] = weights.pop()
    lead = {s: SOURCES[s].max_lead_hours for s in SOURCES}
    deterministic = [s for s in SOURCES if getattr(SOURCES[s], "members", 1) == 1]
    assert len(deterministic) == 5
    for a in deterministic:
        for b in deterministic:
            if lead[a] < lead[b]:
                assert weight[a] > weight[b], (a, b)
    assert weight["dwd-icon-d2"] > weight["dwd-icon-d2-eps"]
    assert weight["dwd-icon-eu"] > weight["dwd-icon-eu-eps"]
    assert weight["ecmwf-ifs"] > weight["ecmwf-ens"]
    consultation = bag.dags["crosswarn_consultation"]
    assert {t.priority_weight for t in consultation.tasks} == {CONSULTATION_PRIORITY}
    assert max(weight.values()) < CONSULTATION_PRIORITY

"""The DAG folder: no import errors, the expected DAGs and task graphs, light to parse."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

DAG_IDS = [
    "crosswarn_dwd_icon_d2",
    "crosswarn_dwd_icon_d2_ruc",
    "crosswarn_dwd_icon_d2_eps",
    "crosswarn_dwd_icon_eu",
    "crosswarn_dwd_icon_eu_eps",
    "crosswarn_knmi_harmonie",
    "crosswarn_ecmwf_ifs",
    "crosswarn_ecmwf_ens",
]


def _bag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])


def test_dags_import_without_errors_and_have_the_expected_graph():
    bag = _bag()
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == sorted(
        [*DAG_IDS, "crosswarn_consultation", "crosswarn_housekeeping", "crosswarn_verification"]
    )
    verification = bag.dags["crosswarn_verification"]
    assert {t.task_id: sorted(t.downstream_task_ids) for t in verification.tasks} == {
        "migrate_ledger": ["verify"],
        "verify": [],
    }
    consultation = bag.dags["crosswarn_consultation"]
    assert {t.task_id: sorted(t.downstream_task_ids) for t in consultation.tasks} == {
        "migrate_ledger": ["consult"],
        "consult": ["bulletins", "deliver"],
        "deliver": [],
        "bulletins": ["deliver_bulletins"],
        "deliver_bulletins": [],
    }
    assert {a.uri for a in consultation.timetable.asset_condition.objects} == {
        f"crosswarn://warnings/{d.removeprefix('crosswarn_').replace('_', '-')}" for d in DAG_IDS
    }
    housekeeping = bag.dags["crosswarn_housekeeping"]
    assert {t.task_id: sorted(t.downstream_task_ids) for t in housekeeping.tasks} == {
        "migrate_ledger": ["prune"],
        "prune": [],
    }
    for dag_id in DAG_IDS:
        dag = bag.dags[dag_id]
        assert dag.max_active_runs == 2
        downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
        assert downstream == {
            "migrate_ledger": ["missed_runs", "wait_for_run"],
            "variables": ["statistics"],
            "fetch_variables": ["fetch"],
            "model_run": ["missed_runs", "wait_for_run"],
            "missed_runs": ["catch_up"],
            "catch_up": [],
            "wait_for_run": ["archive", "fetch"],
            "fetch": ["archive"],
            "archive": ["merge_statistics", "statistics"],
            "statistics": ["merge_statistics"],
            "merge_statistics": ["assess"],
            "assess": ["publish"],
            "publish": ["bulletins", "deliver"],  # the CAP webhooks never wait for a map
            "deliver": [],
            "bulletins": ["deliver_bulletins"],
            "deliver_bulletins": [],
        }
        source = dag_id.removeprefix("crosswarn_").replace("_", "-")
        assert [o.uri for o in dag.get_task("publish").outlets] == [
            f"crosswarn://warnings/{source}"
        ]
        sensor = dag.get_task("wait_for_run")
        assert sensor.mode == "reschedule" and sensor.timeout > 0
        # The sensor's own timeout decides; deliveries get more tries than the other tasks.
        retries = {t.task_id: t.retries for t in dag.tasks}
        assert retries.pop("wait_for_run") == 0
        assert retries.pop("deliver") == retries.pop("deliver_bulletins") == 5
        assert set(retries.values()) == {3}
        assert all(t.execution_timeout for t in dag.tasks)
    # Every task's final failure is an alarm to the operators.
    for dag in bag.dags.values():
        for task in dag.tasks:
            assert task.on_failure_callback, (dag.dag_id, task.task_id)


def test_schedules_follow_each_models_cycle_and_publication_delay():
    from datetime import datetime

    from pipeline.sources import get_source
    from pipeline.sources.base import run_for

    bag = _bag()
    # cron, its first firing on 15 Jan 2026, and the model run that firing processes
    expected = {
        "crosswarn_dwd_icon_d2": ("30 1-22/3 * * *", "2026-01-15T01:30+00:00", "2026011500"),
        "crosswarn_dwd_icon_d2_ruc": ("45 * * * *", "2026-01-15T00:45+00:00", "2026011500"),
        "crosswarn_dwd_icon_d2_eps": ("0 2-23/3 * * *", "2026-01-15T02:00+00:00", "2026011500"),
        "crosswarn_dwd_icon_eu": ("0 4,10,16,22 * * *", "2026-01-15T04:00+00:00", "2026011500"),
        "crosswarn_dwd_icon_eu_eps": ("0 5,11,17,23 * * *", "2026-01-15T05:00+00:00", "2026011500"),
        "crosswarn_knmi_harmonie": ("30 2-23/3 * * *", "2026-01-15T02:30+00:00", "2026011500"),
        "crosswarn_ecmwf_ifs": ("0 2,8,14,20 * * *", "2026-01-15T08:00+00:00", "2026011500"),
        "crosswarn_ecmwf_ens": ("30 2,8,14,20 * * *", "2026-01-15T08:30+00:00", "2026011500"),
    }
    for dag_id, (cron, first, run) in expected.items():
        assert bag.dags[dag_id].timetable.expression == cron
        source = get_source(dag_id.removeprefix("crosswarn_").replace("_", "-"))
        assert run_for(source, datetime.fromisoformat(first)) == run
        # An hour earlier, the same run is not yet published: the previous one is processed.
        earlier = datetime.fromisoformat(first) - timedelta(hours=1)
        assert run_for(source, earlier) < run


def test_dag_files_import_nothing_heavy_at_parse_time():
    """DAG files are wiring: no xarray, dask, eccodes, geopandas or stages at parse time."""
    code = (
        "import importlib.util, sys\n"
        "for path in sys.argv[1:]:\n"
        "    spec = importlib.util.spec_from_file_location('d', path)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "heavy = [m for m in ('xarray', 'dask', 'eccodes', 'geopandas',\n"
        "                     'pipeline.orchestration.stages')\n"
        "         if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    paths = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".py"))
    done = subprocess.run(
        [sys.executable, "-c", code, *paths], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "HEAVY:"

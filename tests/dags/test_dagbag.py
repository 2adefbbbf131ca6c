from __future__ import annotations

import os


def test_dags_import_without_errors_and_have_the_expected_graph():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["crosswarn_dwd_icon_d2"]
    dag = bag.dags["crosswarn_dwd_icon_d2"]
    assert dag.max_active_runs == 2
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream == {
        "model_run": ["fetch"],
        "fetch": ["statistics"],
        "statistics": ["assess"],
        "assess": ["publish"],
        "publish": ["deliver"],
        "deliver": [],
    }
    assert [o.uri for o in dag.get_task("publish").outlets] == ["crosswarn://warnings/dwd-icon-d2"]

"""dag.test() of the KNMI HARMONIE and ECMWF IFS DAGs on loopback servers mimicking their
APIs, then the consultation DAG combining both models (the rule of
pipeline/assessment/combine.py)."""

from __future__ import annotations

import json
import os
from datetime import datetime

import xarray as xr

from pipeline.sources.ecmwf import EcmwfIfs
from tests.data import SYNTHETIC_LIMITS
from tests.sources import ecmwf_tree, knmi_api

RUN = "2026011500"


def test_knmi_and_ecmwf_dags_then_the_consultation(airflow_db, loopback, tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    steps = range(61)
    knmi_base = knmi_api.serve(loopback, {RUN: knmi_api.run_tar(RUN, steps, gradient=False)})
    ecmwf_base = loopback.url + "/forecasts"
    ifs = EcmwfIfs(ecmwf_base)
    ecmwf_tree.write_run(loopback.root / "forecasts", ifs, RUN)
    for name in ("ARCHIVE", "WORK", "OUT", "CACHE"):
        monkeypatch.setenv(f"CROSSWARN_{name}_DIR", str(tmp_path / name.lower()))
    monkeypatch.setenv("CROSSWARN_KNMI_BASE_URL", knmi_base)
    # The synthetic trees ramp past physical limits over these long runs (see the file).
    monkeypatch.setenv("CROSSWARN_PLAUSIBILITY_LIMITS", str(SYNTHETIC_LIMITS))
    monkeypatch.setenv("CROSSWARN_ECMWF_BASE_URL", ecmwf_base)
    connection = {"conn_type": "http", "password": knmi_api.API_KEY}
    monkeypatch.setenv("AIRFLOW_CONN_KNMI_OPEN_DATA", json.dumps(connection))
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    for dag_id, logical_date in (
        ("crosswarn_knmi_harmonie", "2026-01-15T02:30:00+00:00"),
        ("crosswarn_ecmwf_ifs", "2026-01-15T08:00:00+00:00"),
        ("crosswarn_consultation", "2026-01-15T08:05:00+00:00"),
    ):
        dag = bag.dags[dag_id]
        for task in dag.tasks:
            task.retries = 0
        assert dag.test(logical_date=datetime.fromisoformat(logical_date)).state == (
            DagRunState.SUCCESS
        ), dag_id

    # KNMI: one download of the tar for all variables; gusts of |(12 + s, 16)| m/s exceed
    # KNMI's 75 km/h from +2 h: warnings. Its grid ends at 49° N: the south is not assessed.
    tar_downloads = [p for p in loopback.requests if p.startswith("/s3/")]
    assert len(tar_downloads) == 1
    out = tmp_path / "out"
    knmi = json.loads((out / "knmi-harmonie" / RUN / "summary.json").read_text())
    assert knmi["events"] > 0
    assessment = json.loads(
        (tmp_path / "work" / "knmi-harmonie" / RUN / "assessment.json").read_text()
    )
    with xr.open_dataset(out / "knmi-harmonie" / RUN / "statistics.nc") as stats:
        coverage = stats.region_coverage.to_series()
    assert set(assessment["not_covered"]) == set(coverage[coverage < 0.9].index)
    assert assessment["not_covered"] and coverage.max() > 0.99
    # ECMWF HRES: gusts of 15 + s / 3 m/s; CAP files carry ECMWF's CC BY 4.0 attribution.
    caps = sorted((out / "ecmwf-ifs" / RUN / "cap").glob("*.xml"))
    assert caps and all("CC BY 4.0" in p.read_text() for p in caps)

    # The consultation combined the newest run of both models; events name each model.
    combined = json.loads(
        (tmp_path / "work" / "consultation" / RUN / "assessment.json").read_text()
    )
    assert combined["inputs"] == {"ecmwf-ifs": RUN, "knmi-harmonie": RUN}
    assert combined["ignored_inputs"] == {}
    summary = json.loads((out / "consultation" / RUN / "summary.json").read_text())
    assert summary["inputs"] == combined["inputs"] and summary["ignored_inputs"] == {}
    models = {m for e in combined["events"] for m in e["models"]}
    assert models == {"KNMI HARMONIE-AROME", "ECMWF IFS HRES"}
    both = [e for e in combined["events"] if len(e["models"]) == 2]
    assert both and all(e["peak_level"] == max(e["models"].values()) for e in both)

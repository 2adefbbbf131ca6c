"""The daily verification DAG on the demo run: observations from a DWD CDC mirror (the storm's
station values written in DWD's layout), the other observation sources unreachable (left out,
never fatal), the report written under ``{out}/verification/{day}/``."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pandas as pd


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/ows"


def test_the_verification_dag_pairs_the_demo_run_with_cdc_observations(
    demo_run, tmp_path, monkeypatch
):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.state import DagRunState

    from pipeline.sources.observations.dwd_cdc import write_cdc_mirror
    from pipeline.tools.scenario_obs import scenario_observations
    from tests.conftest import ROOT

    base = demo_run.parents[2]  # {base}/out/dwd-icon-d2/2026011500
    obs = scenario_observations()
    stations = obs.drop_duplicates("station")[["station", "name", "lat", "lon"]]
    mirror = write_cdc_mirror(tmp_path / "cdc", stations, obs)
    monkeypatch.setenv("CROSSWARN_WORK_DIR", str(base / "work"))
    monkeypatch.setenv("CROSSWARN_OUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("CROSSWARN_ARCHIVE_DIR", str(tmp_path / "archive"))
    monkeypatch.setenv("CROSSWARN_DWD_CDC_BASE_URL", f"file://{mirror}")
    monkeypatch.setenv("CROSSWARN_KMI_AWS_BASE_URL", _closed_port_url())
    monkeypatch.delenv("CROSSWARN_KNMI_API_KEY", raising=False)
    dag = DagBag(dag_folder=str(ROOT / "dags" / "verification.py")).dags["crosswarn_verification"]
    for task in dag.tasks:
        task.retries = 0
    run = dag.test(logical_date=datetime(2026, 1, 17, 6, 45, tzinfo=UTC))
    assert run.state == DagRunState.SUCCESS
    report = tmp_path / "out" / "verification" / "2026-01-17"
    assert (report / "index.html").exists() and (report / "map.png").exists()
    pairs = pd.read_csv(report / "pairs.csv", dtype={"run": str})
    assert set(pairs["run"]) == {"2026011500"}
    # De Bilt (Utrecht, NL015) observes the storm's gusts at about 132 km/h on 15 January
    # (0.92 of the scenario's, an hour late): at least KNMI orange (>= 100 km/h), and the run
    # forecast orange there.
    utrecht = pairs[(pairs["region"] == "NL015") & (pairs["hazard"] == "wind")]
    first_day = utrecht[utrecht["date"] == "2026-01-15"].iloc[0]
    assert first_day["observed_level"] >= 2 and first_day["forecast_level"] >= 2

"""crosswarn main job for KNMI HARMONIE-AROME Cy43 P1 (hourly runs, +60 h), every 3 h, run + 2.5 h.

Wiring only: see pipeline/orchestration/dag.py for the tasks. KNMI publishes a run as one tar,
so one fetch task streams it for every variable. The API key comes from the Airflow Connection
`knmi_open_data` (password) or CROSSWARN_KNMI_API_KEY. Runs 00, 03, ... 21 UTC are processed;
a run can be pinned with the `run` param (YYYYMMDDHH).
"""

from __future__ import annotations

from pipeline.orchestration.dag import model_dag

model_dag(
    "knmi-harmonie",
    schedule="30 2-23/3 * * *",
    doc=__doc__,
)

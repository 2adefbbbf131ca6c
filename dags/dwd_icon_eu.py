"""crosswarn main job for DWD ICON-EU main runs (00/06/12/18 UTC, +120 h), 4 h after each start.

Wiring only: see pipeline/orchestration/dag.py for the tasks. A run can be pinned with the `run`
param (YYYYMMDDHH). Settings come from CROSSWARN_* variables and the Airflow Variable
`crosswarn` (JSON).
"""

from __future__ import annotations

from pipeline.orchestration.dag import model_dag

model_dag(
    "dwd-icon-eu",
    schedule="0 4,10,16,22 * * *",
    doc=__doc__,
)

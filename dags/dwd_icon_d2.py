"""crosswarn main job for DWD ICON-D2 (every 3 h, +48 h), 90 min after each run starts.

Wiring only: see pipeline/orchestration/dag.py for the tasks. A run can be pinned with the `run`
param (YYYYMMDDHH). Settings come from CROSSWARN_* variables and the Airflow Variable
`crosswarn` (JSON).
"""

from __future__ import annotations

from pipeline.orchestration.dag import model_dag

model_dag(
    "dwd-icon-d2",
    schedule="30 1-22/3 * * *",
    doc=__doc__,
)

"""crosswarn main job for DWD ICON-D2-EPS (20 members, every 3 h, +48 h), 2 h after each run starts.

Wiring only: see pipeline/orchestration/dag.py for the tasks. A run can be pinned with the `run`
param (YYYYMMDDHH). Settings come from CROSSWARN_* variables and the Airflow Variable
`crosswarn` (JSON).
"""

from __future__ import annotations

from pipeline.orchestration.dag import model_dag

model_dag(
    "dwd-icon-d2-eps",
    schedule="0 2-23/3 * * *",
    doc=__doc__,
)

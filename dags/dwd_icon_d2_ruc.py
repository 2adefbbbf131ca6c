"""crosswarn main job for DWD ICON-D2-RUC (rapid update cycle, hourly, +14 h), 45 min after each
run starts: the freshest guidance for thunderstorms and short-lead warnings.

Wiring only: see pipeline/orchestration/dag.py for the tasks. A run can be pinned with the `run`
param (YYYYMMDDHH). Settings come from CROSSWARN_* variables and the Airflow Variable
`crosswarn` (JSON).
"""

from __future__ import annotations

from pipeline.orchestration.dag import model_dag

model_dag(
    "dwd-icon-d2-ruc",
    schedule="45 * * * *",
    wait_hours=1,
    doc=__doc__,
)

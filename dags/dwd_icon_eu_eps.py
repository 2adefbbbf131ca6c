"""crosswarn main job for DWD ICON-EU-EPS (40 members, 00/06/12/18 UTC, +120 h), run + 5 h.

Wiring only: see pipeline/orchestration/dag.py for the tasks. A run can be pinned with the `run`
param (YYYYMMDDHH). Settings come from CROSSWARN_* variables and the Airflow Variable
`crosswarn` (JSON).
"""

from __future__ import annotations

from pipeline.orchestration.dag import model_dag

model_dag(
    "dwd-icon-eu-eps",
    schedule="0 5,11,17,23 * * *",
    doc=__doc__,
)

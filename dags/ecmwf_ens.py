"""crosswarn main job for the ECMWF ENS open data (50 + 1 members, 00/06/12/18 UTC, to +144 h),
run + 8.5 h.

Wiring only: see pipeline/orchestration/dag.py for the tasks. Only the needed messages of every
member are downloaded (the `.index` files and HTTP Range requests). Data: CC BY 4.0, © ECMWF.
A run can be pinned with the `run` param (YYYYMMDDHH). Settings: CROSSWARN_* variables and
the Airflow Variable `crosswarn` (JSON).
"""

from __future__ import annotations

from pipeline.orchestration.dag import model_dag

model_dag(
    "ecmwf-ens",
    schedule="30 2,8,14,20 * * *",
    wait_hours=6,
    doc=__doc__,
)

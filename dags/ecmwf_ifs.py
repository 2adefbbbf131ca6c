"""crosswarn main job for ECMWF IFS HRES open data (00/06/12/18 UTC, to +240 h), run + 8 h.

Wiring only: see pipeline/orchestration/dag.py for the tasks. Only the needed messages are
downloaded (the `.index` files and HTTP Range requests). Data: CC BY 4.0, © ECMWF. A run can be
pinned with the `run` param (YYYYMMDDHH). Settings: CROSSWARN_* variables and the Airflow
Variable `crosswarn` (JSON).
"""

from __future__ import annotations

from pipeline.orchestration.dag import model_dag

model_dag(
    "ecmwf-ifs",
    schedule="0 2,8,14,20 * * *",
    doc=__doc__,
)

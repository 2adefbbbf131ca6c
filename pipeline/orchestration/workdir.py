"""Where stages hand work to each other: ``{work}/{source}/{run}/``.

Files are written here only where Airflow may hand work to another worker (statistics parts,
``statistics.nc``, ``assessment.json``), atomically, and read once by the next stage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import netCDF4  # noqa: F401  (write_netcdf's engine: loaded here, not at the first write)
import xarray as xr

from pipeline.errors import DataNotYetAvailable
from pipeline.files import atomic_path, json_by_line, write_bytes_atomic
from pipeline.one_process import imports_refused
from pipeline.settings import Settings

#: The pseudo-source of the cross-model consultation (its outputs, work and ledger entries).
CONSULTATION = "consultation"


def work_dir(settings: Settings, source_id: str, run: str) -> Path:
    return settings.work_dir / source_id / run


def write_netcdf(data: xr.Dataset, target: Path) -> None:
    with atomic_path(target, keep_suffix=True) as tmp, _no_cluster_probe():
        data.to_netcdf(tmp, engine="netcdf4")
    if all(variable.chunks is None for variable in data.variables.values()):  # in memory
        _WRITTEN[target] = (_signature(target), data.copy(deep=False))


#: The handoff files this process wrote, with the data written: the next stage of the same
#: process (``crosswarn run``, ``airflow dags test``) takes the data, once, instead of reading
#: the file back (statistics.nc: 0.05 s); a file replaced since (another signature) is read.
_WRITTEN: dict[Path, tuple[tuple[int, int, int], xr.Dataset]] = {}


def _signature(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


#: The modules xarray and dask import to look for a dask.distributed client.
_DISTRIBUTED = ("distributed", "dask.distributed")


@contextmanager
def _no_cluster_probe() -> Iterator[None]:
    """While writing: xarray (and dask, asked for its scheduler) look for a dask.distributed
    client by importing distributed (a third of a second, once per process), even for data in
    memory. A process that has not imported distributed has no client: then the import is
    refused at once (both take that as "no cluster") instead of paid for."""
    if any(name in sys.modules for name in _DISTRIBUTED):
        yield
        return
    with imports_refused(_DISTRIBUTED):
        yield


def read_netcdf(path: Path) -> xr.Dataset:
    """A NetCDF handoff file, loaded whole (they are small) and closed; the data itself (a
    shallow copy of it) the first time this process reads what it wrote, if the file is
    still the one written."""
    if not path.exists():
        raise DataNotYetAvailable(f"{path}: not written yet; run the stage before this one")
    written = _WRITTEN.pop(path, None)  # taken once: a long-lived process holds no old runs
    if written is not None and written[0] == _signature(path):
        return written[1]
    with xr.open_dataset(path, engine="netcdf4") as data:
        return data.load()


def write_assessment(settings: Settings, source_id: str, run: str, assessment: dict) -> Path:
    target = work_dir(settings, source_id, run) / "assessment.json"
    write_bytes_atomic(target, json_by_line(assessment).encode())
    return target


def read_assessment(settings: Settings, source_id: str, run: str) -> dict:
    path = work_dir(settings, source_id, run) / "assessment.json"
    if not path.exists():
        raise DataNotYetAvailable(f"{path}: not written yet; assess {source_id} {run} first")
    return json.loads(path.read_text())

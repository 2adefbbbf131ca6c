"""Stage ``statistics``: region statistics of a run's canonical variables.

In Airflow each statistics part (a provider variable, or the few a derived variable needs
together, e.g. ``vmax_10m+ww`` for thunderstorm gusts) is a mapped task writing
``parts/{part}.nc``, merged by
:func:`merge_statistics` into ``statistics.nc``; in one process (:func:`statistics` without
``param``) every variable is computed and merged in memory and written once, and with
:func:`fetch_and_statistics` (``crosswarn run``) the files are fetched by the tasks that decode
them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import dask
import dask.threaded
import numpy as np
import xarray as xr
from dask.callbacks import Callback

from pipeline.assessment.criteria import thresholds_for
from pipeline.errors import DataNotYetAvailable, InvalidDataError, RetryableError
from pipeline.geo.grids import RegularGrid
from pipeline.geo.weights import cached_weights, region_coverage
from pipeline.metrics import Metrics
from pipeline.orchestration.config import load_config
from pipeline.orchestration.fetch import fetch
from pipeline.orchestration.workdir import read_netcdf, work_dir, write_netcdf
from pipeline.settings import Settings
from pipeline.sources import make_source
from pipeline.sources.grib import read_bytes
from pipeline.sources.streamed import StreamedFetch, streams
from pipeline.statistics.derived import statistics_groups
from pipeline.statistics.forecast import STATISTIC_VARIABLES, statistics_tasks
from pipeline.statistics.plausibility import implausible, load_limits

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)


def statistics(source_id: str, run: str, settings: Settings, param: str | None = None) -> str:
    """Region statistics of the canonical variables, written as NetCDF.

    With ``param``, only the variables derived from that provider variable, into
    ``parts/{param}.nc`` (a mapped Airflow task, followed by :func:`merge_statistics`);
    without, every default variable, into ``statistics.nc``.
    """
    source = make_source(source_id, settings)
    if param:
        target = work_dir(settings, source_id, run) / "parts" / f"{param}.nc"
        write_netcdf(_parts(source, run, settings, [param.split(GROUP_JOIN)])[0], target)
        return str(target)
    parts = _parts(source, run, settings, [list(g) for g in groups(source)])
    return str(_write_merged(parts, source_id, run, settings))


def fetch_and_statistics(
    source_id: str, run: str, settings: Settings, fetching: StreamedFetch | None = None
) -> str:
    """Stages fetch and statistics in one pass, for a run in one process (``crosswarn run``):
    each file is fetched by the statistics task that reads it and decoded from memory
    (:mod:`pipeline.sources.streamed`; ``fetching``, when given, may have started on the first
    files already), then the fetch stage completes the archive (the files no statistic reads)
    and writes its manifest. Sources whose files cannot be fetched one by one fetch first.
    Return the path of ``statistics.nc``.
    """
    source = make_source(source_id, settings)
    if not streams(source) or settings.dask_scheduler:  # a cluster's workers fetch nothing
        fetch(source_id, run, settings)
        return statistics(source_id, run, settings)
    try:
        with fetching or StreamedFetch(source, run, settings.archive_dir) as streamed:
            parts = _parts(source, run, settings, [list(g) for g in groups(source)], streamed)
    except DataNotYetAvailable:
        # The fetch stage gives the whole account (how many files are missing, or that the run
        # was removed upstream), or fetches them if they came in the meantime.
        fetch(source_id, run, settings)
        return statistics(source_id, run, settings)
    # The archive completed with the files no statistic reads; those read are not hashed again.
    source.fetch(
        run, settings.archive_dir, workers=settings.download_workers, known=streamed.records
    )
    return str(_write_merged(parts, source_id, run, settings))


def _parts(
    source,
    run: str,
    settings: Settings,
    parts: list[list[str]],
    streamed: StreamedFetch | None = None,
) -> list[xr.Dataset]:
    """The checked statistics of each part (a list of provider variables), every part's tasks
    in one computation: no worker idles while another part's last valid times are reduced.
    With ``streamed``, the tasks fetch the files they read."""
    read = read_bytes if streamed is None else streamed.read
    on_grid: dict = {}  # the regions' weights per grid, loaded once for every part
    plans = [_statistics_tasks(source, run, settings, params, read, on_grid) for params in parts]
    # The workers take over from the threads fetching ahead once their first tasks start (the
    # graph is ordered first: 60 ms for ICON-D2, when a stopped fetch would leave a core idle).
    started = streamed.stop_ahead if streamed is not None else None
    results = compute([task for tasks, _ in plans for task in tasks], settings, started=started)
    stats, start = [], 0
    for params, (tasks, assemble) in zip(parts, plans, strict=True):
        stats.append(
            _checked(assemble(results[start : start + len(tasks)]), source, run, settings, params)
        )
        start += len(tasks)
    return stats


#: Joins the provider variables of one statistics part in its name ("vmax_10m+ww").
GROUP_JOIN = "+"


def groups(source) -> list[tuple[str, ...]]:
    """The source's default variables in statistics parts: those a derived variable needs
    together (gust and ww for thunderstorm gusts) in one part, the others alone."""
    return statistics_groups({p: source.table[p].canonical for p in source.default_params})


def group_names(source) -> list[str]:
    """The names of the statistics parts (the mapped statistics tasks' variables)."""
    return [GROUP_JOIN.join(g) for g in groups(source)]


def merge_statistics(source_id: str, run: str, settings: Settings) -> str:
    """Merge the parts of the source's default variables into statistics.nc."""
    source = make_source(source_id, settings)
    folder = work_dir(settings, source_id, run) / "parts"
    paths = [folder / f"{name}.nc" for name in group_names(source)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InvalidDataError(f"{source_id} {run}: statistics parts missing: {missing}")
    return str(_write_merged([read_netcdf(p) for p in paths], source_id, run, settings))


def compute(tasks: list, settings: Settings, started: Callable[[], None] | None = None) -> list:
    """Compute ``tasks`` on the Dask cluster of ``CROSSWARN_DASK_SCHEDULER`` if set, else in
    ``decode_workers`` threads; ``started`` is called as the first tasks start (locally) or
    before they are sent (to a cluster).

    When the scheduler cannot be reached within ``dask_connect_timeout_s``, ``dask_fallback``
    decides: ``"local"`` logs a warning and computes in threads, ``"fail"`` raises
    :class:`~pipeline.errors.RetryableError`. Only reaching the scheduler falls back: an error
    of a task on a reachable cluster is raised as it is.
    """
    client = _client(settings) if settings.dask_scheduler else None
    if client is None:
        # The threaded scheduler itself: named by a string, dask imports distributed (a
        # quarter of a second) to look for a default client first.
        local = dask.threaded.get
        with Callback(start_state=lambda dsk, state: started()) if started else nullcontext():
            return list(dask.compute(*tasks, scheduler=local, num_workers=settings.decode_workers))
    if started is not None:
        started()
    with client:
        log.info("computing on the Dask cluster at %s", client.scheduler.address)
        return list(dask.compute(*tasks, scheduler=client))


def _client(settings: Settings) -> Client | None:
    """A client of the settings' Dask scheduler, or None when it cannot be reached and
    ``dask_fallback`` is ``"local"``."""
    from distributed import Client

    address = settings.dask_scheduler
    try:
        return Client(address, timeout=settings.dask_connect_timeout_s, set_as_default=False)
    except OSError as exc:  # refused, unreachable, or no answer in time (TimeoutError)
        if settings.dask_fallback == "fail":
            raise RetryableError(
                f"the Dask scheduler at {address} cannot be reached ({exc}); the task is "
                "retried: start the scheduler, or set CROSSWARN_DASK_FALLBACK=local to compute "
                "in the task's own process while it is away"
            ) from exc
        log.warning(
            "the Dask scheduler at %s cannot be reached (%s): computing locally in %d threads",
            address,
            exc,
            settings.decode_workers,
        )
        Metrics.from_settings(settings).increment("dask.fallback")
        return None


#: Degrees kept around the regions' extent: more than half the coarsest grid's spacing (ECMWF
#: 0.25°), so every cell that overlaps a region is kept.
MARGIN_DEG = 0.5


def regions_bounds(regions) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) of the regions plus :data:`MARGIN_DEG`."""
    lon_min, lat_min, lon_max, lat_max = regions.total_bounds
    return (
        lat_min - MARGIN_DEG,
        lat_max + MARGIN_DEG,
        lon_min - MARGIN_DEG,
        lon_max + MARGIN_DEG,
    )


def _statistics_tasks(
    source,
    run: str,
    settings: Settings,
    params: list[str],
    read: Callable[[Path], bytes],
    on_grid: dict | None = None,
):
    """The tasks of the statistics of ``params`` and the function assembling their results
    (:func:`pipeline.statistics.forecast.statistics_tasks`); ``read`` gives each file's GRIB,
    ``on_grid`` keeps the regions' weights per grid for the run's other parts."""
    config = load_config(settings.regions_dir, settings.cache_dir)
    on_grid = {} if on_grid is None else on_grid  # by grid fingerprint (as cached on disk)
    used: list[str] = []  # the fingerprint of the grid the run's files are on (open tells)

    def covered(grid) -> np.ndarray:
        """The cells some region covers: all the statistics read of each field."""
        if grid.fingerprint not in on_grid:
            on_grid[grid.fingerprint] = cached_weights(config.regions, grid, settings.cache_dir)
        used.append(grid.fingerprint)
        return on_grid[grid.fingerprint].compressed[0]

    bounds = regions_bounds(config.regions)
    forecast = source.open(
        run, settings.archive_dir, params=params, bounds=bounds, read=read, cells=covered
    )
    weights = on_grid[used[-1]]
    # Exact on lat-lon grids; ICON's cells tile the globe, so they cover every region.
    coverage = (
        region_coverage(config.regions, weights, settings.cache_dir)
        if isinstance(weights.grid, RegularGrid)
        else None
    )
    thresholds = {
        variable: (
            thresholds_for(config.criteria, variable, "above"),
            thresholds_for(config.criteria, variable, "below"),
        )
        for variable in STATISTIC_VARIABLES
    }
    return statistics_tasks(forecast, weights, thresholds, coverage=coverage, covered_only=True)


def _checked(stats: xr.Dataset, source, run: str, settings: Settings, params: list[str]):
    """``stats``, unless a field is implausible: then nothing of the run is assessed."""
    problems = implausible(stats, load_limits(settings.plausibility_limits))
    if problems:
        first = problems[0]
        raise InvalidDataError(
            f"{_file_of(source, settings, run, params, first.step)}: {first.describe()}; "
            f"{len(problems)} implausible field(s), nothing of this run is assessed: "
            "check the provider's data, then fetch the run again"
        )
    return stats


def _file_of(source, settings: Settings, run: str, params: list[str], step: int | None) -> str:
    """The archived file of the first parameter at ``step`` (where the statistics came from)."""
    if step is None or not hasattr(source, "archive_path"):
        return f"{source.id} {run} ({', '.join(params)})"
    return str(source.archive_path(settings.archive_dir, run, params[0], step))


def _write_merged(parts: list[xr.Dataset], source_id: str, run: str, settings: Settings):
    result = xr.merge(parts, combine_attrs="override", compat="no_conflicts", join="outer")
    result.attrs["title"] = f"crosswarn region statistics, {source_id} {run}"
    target = work_dir(settings, source_id, run) / "statistics.nc"
    write_netcdf(result, target)
    return target

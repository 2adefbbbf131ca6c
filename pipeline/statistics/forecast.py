"""The region statistics of a forecast run that the criteria need: per canonical variable, the
area-weighted mean, max and min, and the fraction of each region's area above (or below) every
threshold some authority applies. Pure: xarray in, xarray out."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import dask
import numpy as np
import xarray as xr
from dask.core import flatten
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph

from pipeline.statistics.derived import derived_arrays
from pipeline.statistics.exceedance import CELL_DIMS, LONG_NAMES, SPATIAL_DIMS, reduce_fields
from pipeline.variables import PRECIPITATION_WINDOWS

if TYPE_CHECKING:
    from pipeline.geo.weights import RegionWeights

#: Variables whose statistics every run computes; thresholds come from the criteria.
STATISTIC_VARIABLES = (
    "wind_gust",
    *(f"precipitation_{n}h" for n in PRECIPITATION_WINDOWS),
    "air_temperature",
    "wind_chill",  # derived, when the forecast holds 10 m wind
    "thunderstorm",  # derived from ww: the share of the area with a thunderstorm
    "thunderstorm_gust",  # derived: gusts inside thunderstorms
    "hail_diameter",
    *(f"fresh_snow_{n}h" for n in PRECIPITATION_WINDOWS),  # derived from snowfall
    "freezing_rain",  # derived from ww or ptype: the share with freezing rain or drizzle
)
#: What a run needs of every variable besides its fractions (the criteria read fractions and
#: extremes; the mean and valid share feed the plausibility checks).
BASE_STATS = ("mean", "max", "min", "valid_share")

Thresholds = Mapping[str, tuple[list[float], list[float]]]


def streamed_statistics(
    forecast: xr.Dataset,
    weights: RegionWeights,
    thresholds: Thresholds,
    *,
    coverage: np.ndarray | None = None,
    compute: Callable[[list], list] = lambda tasks: list(dask.compute(*tasks)),
) -> xr.Dataset:
    """Statistics of every variable of :data:`STATISTIC_VARIABLES` in a lazy (Dask-backed)
    ``forecast``, named ``{variable}_{statistic}`` with a ``{variable}_threshold`` dimension for
    the fractions, one task per few valid times (:func:`valid_times_per_task`).

    ``thresholds``: per variable, the thresholds (canonical unit) whose fraction of the area
    above and below is asked for (the criteria's). ``weights`` are the region weights of the
    forecast's grid; ``coverage`` (the share of each region the grid covers) is recorded as
    ``region_coverage`` when given.

    Each task gets the decoded fields of its valid times (and the accumulations their windows
    need) as numpy arrays, derives every variable and reduces it at once: a run is a few dozen
    tasks whatever the number of variables, memory holds a few valid times, never the run, and
    nothing is written and read back. ``compute`` runs the tasks (threads, or a Dask cluster)
    and returns their results in order.
    """
    tasks, assemble = statistics_tasks(forecast, weights, thresholds, coverage=coverage)
    return assemble(compute(tasks))


def statistics_tasks(
    forecast: xr.Dataset,
    weights: RegionWeights,
    thresholds: Thresholds,
    *,
    coverage: np.ndarray | None = None,
    covered_only: bool = False,
) -> tuple[list[Delayed], Callable[[list], xr.Dataset]]:
    """:func:`streamed_statistics` in two halves: its tasks (one per few valid times), and the
    function that turns their results, in order, into the statistics. Several forecasts' tasks
    computed together keep every worker busy until the last one ends. ``covered_only``: the
    forecast holds only the cells some region covers, as ``weights.compressed`` lists them (a
    source opened with ``cells``), so nothing is gathered."""
    spatial = CELL_DIMS if "cell" in forecast.dims else SPATIAL_DIMS
    order = ("member", "valid_time", *spatial)
    names = list(forecast.data_vars)
    arrays = [forecast[name].transpose(*order).data for name in names]
    blocks = [list(flatten(a.__dask_keys__())) for a in arrays]  # one block per valid time
    times = forecast.sizes["valid_time"]
    per_task = valid_times_per_task(sum(a.nbytes // max(1, a.shape[1]) for a in arrays))
    batches = [range(k, min(k + per_task, times)) for k in range(0, times, per_task)]
    # The derived variables' names, from the derivations themselves on a cell of zeros (a
    # lazy derivation of the forecast built a Dask graph per variable for its names alone).
    derivable = derived_arrays({name: np.zeros(1, np.float32) for name in names})
    plan = _plan({*names, *derivable}, thresholds)
    reduce_step = functools.partial(
        _step_statistics,
        names=names,
        attrs={name: dict(forecast[name].attrs) for name in names},
        plan=plan,
        weights=weights,
        gather=not covered_only,
    )
    layer = f"step-statistics-{dask.base.tokenize(*arrays, plan, weights.matrix)}"
    graph, inline = _inputs(arrays)
    graph.update({
        (layer, b): (reduce_step, [[inline.get(keys[k], keys[k]) for k in batch]
                                   for keys in blocks])
        for b, batch in enumerate(batches)
    })  # fmt: skip
    tasks = [Delayed((layer, b), graph) for b in range(len(batches))]
    return tasks, functools.partial(
        _assemble, forecast=forecast, plan=plan, weights=weights, coverage=coverage
    )


def _inputs(arrays: list) -> tuple[dict, dict]:
    """The graph of ``arrays`` (Dask arrays) as the statistics tasks read it: the tasks of
    blocks computed from other blocks (a precipitation window, the difference of two decoded
    fields) are not tasks of their own but run inside the statistics task reading the block,
    on the blocks they need (ICON-D2: 864 window tasks fewer, whose scheduling held the GIL
    while the workers decoded). Return the graph without those tasks, and those tasks by key."""
    graph = HighLevelGraph.merge(*(a.dask for a in arrays))
    read = {n for deps in graph.dependencies.values() for n in deps}
    inlined = {
        a.name
        for a in arrays
        if graph.dependencies.get(a.name)  # computed from other blocks
        and a.name not in read  # by no other layer
        and graph.layers[a.name].keys() == set(flatten(a.__dask_keys__()))  # nothing else
    }
    tasks: dict = {}
    for name, layer in graph.layers.items():
        if name not in inlined:
            tasks.update(layer)
    return tasks, {key: task for name in inlined for key, task in graph.layers[name].items()}


#: Decoded input a statistics task reduces at most (unless one valid time is more): each
#: reduction's fixed cost (numpy and xarray calls, a few hundred microseconds per variable) is
#: spread over several valid times, while memory holds a few of them, never the run (ICON-D2's
#: parts take 1 to 8 valid times a task; 32 MiB took a third more peak memory for no gain).
TASK_BYTES = 4 * 2**20


def valid_times_per_task(bytes_per_valid_time: int) -> int:
    """How many valid times one statistics task reduces, given the decoded bytes (every
    variable's block) of one valid time. The statistics are the same whatever the number:
    each field is reduced on its own, in the same order of operations."""
    return max(1, TASK_BYTES // max(1, bytes_per_valid_time))


def _assemble(
    steps: list[dict],
    *,
    forecast: xr.Dataset,
    plan: dict[str, tuple[list[str], list]],
    weights: RegionWeights,
    coverage: np.ndarray | None,
) -> xr.Dataset:
    """The statistics dataset from the tasks' results (one dict per task, in order)."""
    data_vars = {}
    for variable, (stats, _) in plan.items():
        units = steps[0][variable]
        for name in stats:
            fraction = name.startswith("fraction_")
            dims = ("valid_time", "member", "region", *(["threshold"] if fraction else []))
            values = np.concatenate([s[f"{variable}_{name}"] for s in steps])
            out = xr.DataArray(values, dims=dims).transpose("region", "valid_time", "member", ...)
            if fraction:
                out = out.rename(threshold=f"{variable}_threshold")
            out.attrs = {
                "units": "1" if fraction or name == "valid_share" else units,
                "long_name": LONG_NAMES[name],
            }
            data_vars[f"{variable}_{name}"] = out
    coords = {
        "region": list(weights.regions),
        **{
            f"{v}_threshold": (f"{v}_threshold", np.asarray(levels), {"units": steps[0][v]})
            for v, (stats, levels) in plan.items()
            if any(s.startswith("fraction_") for s in stats)
        },
        **{
            c: forecast.coords[c]
            for c in forecast.coords
            if set(forecast.coords[c].dims) <= {"valid_time", "member"}
        },
    }
    result = xr.Dataset(data_vars, coords=coords)
    result.attrs = dict(forecast.attrs)
    return _with_areas(result, weights, coverage)


def _plan(variables: set[str], thresholds: Thresholds) -> dict[str, tuple[list[str], list]]:
    """Per variable of the forecast's ``variables`` (its own and those derived from them): the
    statistics to compute and their thresholds (sorted, each once)."""
    plan = {}
    for variable in STATISTIC_VARIABLES:
        if variable not in variables:
            continue
        above, below = thresholds.get(variable, ([], []))
        stats = [*BASE_STATS]
        stats += (["fraction_above"] if above else []) + (["fraction_below"] if below else [])
        plan[variable] = (stats, sorted({float(t) for t in (*above, *below)}))
    return plan


def _step_statistics(
    blocks: list[list[np.ndarray]],
    *,
    names: list[str],
    attrs: dict[str, dict],
    plan: dict[str, tuple[list[str], list]],
    weights: RegionWeights,
    gather: bool = True,
) -> dict[str, np.ndarray | str]:
    """The statistics of a few valid times (``blocks``: each variable's block per valid time,
    dims (member, valid_time, *grid)) as numpy arrays (valid_time, member, region[,
    threshold]), plus each variable's unit.

    Only the cells some region covers are kept, once per input, before anything is derived:
    the derived variables are cell by cell, so they are the same on those cells, for a
    fraction of the work. Plain numpy throughout: an xarray dataset per task cost a fifth of
    the reduction's CPU (0.17 of 0.92 s for ICON-D2's 72 tasks)."""
    used = weights.compressed[0] if gather else None
    fields = {
        name: _covered(parts, used) for name, parts in zip(names, blocks, strict=True)
    }  # each (valid_time, member, cell)
    units = {name: attrs[name].get("units", "") for name in names}
    for name, (array, derived_attrs, _) in derived_arrays(fields).items():
        fields[name] = array
        units[name] = derived_attrs.get("units", "")
    result: dict[str, np.ndarray | str] = {}
    for variable, (stats, levels) in plan.items():
        reduced = reduce_fields(
            fields[variable], weights, np.asarray(levels), stats, 1, covered=True
        )
        result.update({f"{variable}_{name}": reduced[name] for name in stats})
        result[variable] = units[variable]
    return result


def _covered(parts: list[np.ndarray], used: np.ndarray | None) -> np.ndarray:
    """The ``used`` cells (of the flattened grid; None: every cell) of consecutive valid
    times' blocks (member, valid_time, *grid), as one array (valid_time, member, cell)."""
    members = parts[0].shape[0]
    cells = used.size if used is not None else parts[0][0, 0].size
    out = np.empty((sum(p.shape[1] for p in parts), members, cells), parts[0].dtype)
    start = 0
    for part in parts:
        times = part.shape[1]
        flat = part.reshape(members, times, -1).transpose(1, 0, 2)
        if used is None:
            out[start : start + times] = flat
        else:
            np.take(flat, used, axis=2, out=out[start : start + times])
        start += times
    return out


def _with_areas(
    result: xr.Dataset, weights: RegionWeights, coverage: np.ndarray | None
) -> xr.Dataset:
    result["region_area_km2"] = ("region", weights.region_area_km2.astype(np.float32))
    if coverage is not None:
        result["region_coverage"] = ("region", coverage.astype(np.float32))
        result["region_coverage"].attrs["long_name"] = "share of the region's area the grid covers"
    return result

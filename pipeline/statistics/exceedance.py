"""Region statistics of a forecast field: area-weighted mean, extremes, percentile, exceedance.

Pure functions on xarray objects. Dask-backed input stays lazy: each chunk over ``valid_time``
or ``member`` is reduced independently (numpy in, numpy out, no Python loop over cells), so a
whole run never needs to be in memory and the result is the same for numpy input, dask input
and a ``dask.distributed`` cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
import xarray as xr

if TYPE_CHECKING:
    from pipeline.geo.weights import RegionWeights


SPATIAL_DIMS = ("latitude", "longitude")
CELL_DIMS = ("cell",)

#: Statistics :func:`region_statistics` can compute.
STATS = ("mean", "max", "min", "p90", "fraction_above", "fraction_below", "valid_share")
DEFAULT_STATS = ("mean", "max", "min", "fraction_above")
_THRESHOLD_STATS = ("fraction_above", "fraction_below")
LONG_NAMES = {
    "mean": "area-weighted regional mean",
    "max": "regional maximum (any cell overlapping the region)",
    "min": "regional minimum (any cell overlapping the region)",
    "p90": "area-weighted regional 90th percentile",
    "fraction_above": "fraction of the region's area where the value is >= threshold",
    "fraction_below": "fraction of the region's area where the value is <= threshold",
    "valid_share": "share of the region's covered area with a value (not masked or missing)",
}
#: Work on at most this many bytes of gathered values at once (bounds memory for big cubes).
BATCH_BYTES = 32 * 2**20


def region_statistics(
    field: xr.DataArray,
    weights: RegionWeights,
    thresholds: Sequence[float] = (),
    *,
    stats: Sequence[str] = DEFAULT_STATS,
) -> xr.Dataset:
    """Reduce ``field`` over each region.

    Parameters
    ----------
    field
        Values on ``weights.grid`` with dims (..., latitude, longitude) on lat-lon grids or
        (..., cell) on unstructured ones, typically (member, valid_time, latitude, longitude).
        NaN cells (masked by the provider) are left out of every statistic and out of the area
        they are divided by.
    weights
        Region weights on the same grid (km² of each cell inside each region).
    thresholds
        Values for ``fraction_above`` (share of the region's valid area where the field is >= the
        threshold) and ``fraction_below`` (<=, for cold).
    stats
        Which of :data:`STATS` to compute. ``p90`` is the smallest value v such that at least
        90 % of the region's valid area has values <= v.

    Returns
    -------
    xr.Dataset
        One variable per statistic with dims (region, valid_time, member, ...), plus
        ``threshold`` for the fractions; region ids and thresholds as coordinates.

    Examples
    --------
    A 2 x 2 grid of 1° cells (50-52° N, 4-6° E) and a region over its western column: the
    northern cell (51-52° N) is the smaller on the sphere, (sin 52° - sin 51°) / (sin 52° -
    sin 50°) = 0.4946 of the region.

    >>> import geopandas as gpd, shapely
    >>> from pipeline.geo.grids import RegularGrid
    >>> from pipeline.geo.weights import build_weights
    >>> grid = RegularGrid(lat0=50.5, lon0=4.5, dlat=1.0, dlon=1.0, nlat=2, nlon=2)
    >>> west = gpd.GeoDataFrame(
    ...     geometry=[shapely.box(4.0, 50.0, 5.0, 52.0)], index=["west"], crs="EPSG:4326"
    ... )
    >>> field = xr.DataArray([[10.0, 30.0], [20.0, 40.0]], dims=("latitude", "longitude"))
    >>> weights = build_weights(west, grid)
    >>> stats = region_statistics(field, weights, [15.0], stats=("max", "fraction_above"))
    >>> float(stats["max"].sel(region="west"))
    20.0
    >>> round(float(stats["fraction_above"].sel(region="west", threshold=15.0)), 4)
    0.4946
    """
    unknown = sorted(set(stats) - set(STATS))
    if unknown:
        raise ValueError(f"unknown statistics {unknown}; choose from {STATS}")
    stats = tuple(s for s in STATS if s in stats)
    spatial = CELL_DIMS if field.dims[-1] == "cell" else SPATIAL_DIMS
    if tuple(field.dims[-len(spatial) :]) != spatial:
        raise ValueError(f"field dims {field.dims} must end with {SPATIAL_DIMS} or {CELL_DIMS}")
    if field.shape[-len(spatial) :] != weights.grid.shape:
        raise ValueError(
            f"field grid {field.shape[-len(spatial) :]} differs from the weights' grid "
            f"{weights.grid.shape}"
        )
    thresholds = np.asarray(sorted({float(t) for t in thresholds}), dtype=np.float64)
    if any(s in _THRESHOLD_STATS for s in stats) and not thresholds.size:
        raise ValueError("fraction statistics need at least one threshold")
    # Only cells that some region covers matter: compress the matrix to those columns once.
    used, matrix = weights.compressed
    n_regions = matrix.shape[0]
    core = [["region", "threshold"] if s in _THRESHOLD_STATS else ["region"] for s in stats]
    outputs = xr.apply_ufunc(
        _reduce_block if len(stats) > 1 else _reduce_block_one,
        field,
        kwargs={
            "matrix": matrix,
            "used": used,
            "thresholds": thresholds,
            "spatial_ndim": len(spatial),
            "stats": stats,
        },
        input_core_dims=[list(spatial)],
        output_core_dims=core,
        dask="parallelized",
        output_dtypes=[np.float32] * len(stats),
        dask_gufunc_kwargs={
            "output_sizes": {"region": n_regions}
            | ({"threshold": thresholds.size} if any(s in _THRESHOLD_STATS for s in stats) else {})
        },
    )
    if len(stats) == 1:
        outputs = (outputs,)
    lead = [d for d in field.dims if d not in spatial]
    order = [d for d in ("valid_time", "member") if d in lead]
    order += [d for d in lead if d not in order]
    data_vars = {}
    units = field.attrs.get("units", "")
    for name, out in zip(stats, outputs, strict=True):
        dims = ("region", *order, "threshold") if name in _THRESHOLD_STATS else ("region", *order)
        out = out.transpose(*dims)
        out.attrs = {
            "units": "1" if name in (*_THRESHOLD_STATS, "valid_share") else units,
            "long_name": LONG_NAMES[name],
        }
        data_vars[name] = out
    coords = {"region": list(weights.regions)}
    if thresholds.size:
        coords["threshold"] = ("threshold", thresholds, {"units": units})
    return xr.Dataset(data_vars, coords=coords)


def _reduce_block(
    block: np.ndarray,
    *,
    matrix: sp.csr_matrix,
    used: np.ndarray | None,
    thresholds: np.ndarray,
    spatial_ndim: int,
    stats: tuple[str, ...],
) -> tuple[np.ndarray, ...]:
    """The statistics of ``block`` (..., *spatial), of its ``used`` cells (None: it holds only
    those)."""
    lead_shape = block.shape[: block.ndim - spatial_ndim]
    flat = block.reshape(int(np.prod(lead_shape)), -1)
    n_fields, n_regions = flat.shape[0], matrix.shape[0]
    out = {
        name: np.full(
            (n_fields, n_regions, thresholds.size)
            if name in _THRESHOLD_STATS
            else (n_fields, n_regions),
            np.nan,
            dtype=np.float32,
        )
        for name in stats
    }
    cells = flat.shape[1] if used is None else used.size
    batch = max(1, BATCH_BYTES // max(1, cells * 8))
    for start in range(0, n_fields, batch):
        rows = slice(start, min(start + batch, n_fields))
        # The covered cells only, as (cells, fields) rows: the layout the sparse products read
        # (``[:, used]`` usually gives it without a copy; ``ascontiguousarray`` makes sure).
        covered = flat[rows] if used is None else flat[rows][:, used]
        columns = np.ascontiguousarray(covered.T)
        for name, value in _reduce_values(columns.T, matrix, thresholds, stats).items():
            out[name][rows] = value
    return tuple(out[name].reshape(*lead_shape, *out[name].shape[1:]) for name in stats)


def reduce_fields(
    values: np.ndarray,
    weights: RegionWeights,
    thresholds: np.ndarray,
    stats: Sequence[str],
    spatial_ndim: int,
    *,
    covered: bool = False,
) -> dict[str, np.ndarray]:
    """The statistics of in-memory fields (..., *spatial) per region: arrays shaped
    (..., region) or (..., region, threshold); ``thresholds`` sorted and unique. With
    ``covered``, ``values`` (..., cell) hold only the cells some region covers, in the order of
    ``weights.compressed``'s cells."""
    used, matrix = weights.compressed
    reduced = _reduce_block(
        values,
        matrix=matrix,
        used=None if covered else used,
        thresholds=np.asarray(thresholds, dtype=np.float64),
        spatial_ndim=spatial_ndim,
        stats=tuple(stats),
    )
    return dict(zip(stats, reduced, strict=True))


def _reduce_block_one(block: np.ndarray, **kwargs) -> np.ndarray:
    return _reduce_block(block, **kwargs)[0]


def _reduce_values(
    values: np.ndarray, matrix: sp.csr_matrix, thresholds: np.ndarray, stats: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """The statistics of ``values`` (fields, cells), each shaped (fields, regions) or
    (fields, regions, thresholds)."""
    result = {}
    # One row per cell, as the sparse products below read their dense operand.
    columns = np.ascontiguousarray(values.T)
    invalid = np.isnan(columns)
    masked = bool(invalid.any())
    area = np.asarray(matrix.sum(axis=1)).ravel()
    # Each sparse product reads float64 values of every cell: one buffer, written in place for
    # each (a fresh array of this size per product costs more than the product).
    work = np.empty(columns.shape)
    if masked:
        np.logical_not(invalid, out=work, casting="unsafe")
        valid_area = (matrix @ work).T  # (fields, regions)
    else:  # the common case: no masked cell, every region's whole area is valid
        valid_area = np.broadcast_to(area, (columns.shape[1], area.size))
    with np.errstate(invalid="ignore", divide="ignore"):
        if "valid_share" in stats:
            result["valid_share"] = valid_area / area
        if "mean" in stats:
            np.copyto(work, columns)
            if masked:
                work[invalid] = 0.0
            result["mean"] = (matrix @ work).T / valid_area
        for name, side in (("fraction_above", "right"), ("fraction_below", "left")):
            if name in stats and thresholds.size <= FEW_THRESHOLDS:
                compare = np.greater_equal if side == "right" else np.less_equal
                frac = np.empty((*valid_area.shape, thresholds.size))
                for k, t in enumerate(thresholds):  # NaN compares False: no area
                    compare(columns, t, out=work, casting="unsafe")
                    frac[..., k] = (matrix @ work).T
                result[name] = frac / valid_area[..., None]
    if not {"max", "min", "p90", *_THRESHOLD_STATS} & set(stats):
        return result
    # Per-region reductions over each region's cells: gather in CSR order, reduce each segment.
    extremes = [(n, u) for n, u in (("max", np.fmax), ("min", np.fmin)) if n in stats]
    if columns.shape[1] >= MANY_FIELDS:  # one block of rows per region
        rows = np.take(columns, matrix.indices, axis=0)  # (nnz, fields)
        for name, ufunc in extremes:
            result[name] = _segments(ufunc, rows, matrix.indptr).T
        extremes = []
    histogram = thresholds.size > FEW_THRESHOLDS and bool(set(_THRESHOLD_STATS) & set(stats))
    if not (extremes or histogram or "p90" in stats):
        return result
    gathered = np.take(values, matrix.indices, axis=1)  # (fields, nnz), C order
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, side in (("fraction_above", "right"), ("fraction_below", "left")):
            if name in stats and thresholds.size > FEW_THRESHOLDS:
                result[name] = (
                    _fractions(gathered, matrix, thresholds, side) / valid_area[..., None]
                )
    empty = np.diff(matrix.indptr) == 0
    starts = np.minimum(matrix.indptr[:-1], max(gathered.shape[1] - 1, 0))
    with np.errstate(invalid="ignore"):
        for name, ufunc in extremes:  # few fields: one reduceat along each field's row
            if gathered.size:
                reduced = ufunc.reduceat(gathered, starts, axis=1)
            else:
                reduced = np.full(valid_area.shape, np.nan)
            reduced[:, empty] = np.nan
            result[name] = reduced
    if "p90" in stats:
        result["p90"] = _weighted_quantile(gathered, matrix.data, matrix.indptr, 0.9)
    return result


#: From this many fields on, the extremes are reduced per region over a block of rows (a
#: Python loop over regions, each step vectorised over the fields); with fewer, ``reduceat``
#: along each field's row is faster. Both give the same values (an extreme is exact).
MANY_FIELDS = 32


def _segments(ufunc: np.ufunc, rows: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """``ufunc`` reduced over each region's block of ``rows`` (nnz, fields): (regions, fields),
    NaN for a region without cells."""
    out = np.full((indptr.size - 1, rows.shape[1]), np.nan, dtype=rows.dtype)
    for region, (a, b) in enumerate(pairwise(indptr)):
        if a < b:
            ufunc.reduce(rows[a:b], axis=0, out=out[region])
    return out


def _fractions(
    gathered: np.ndarray, matrix: sp.csr_matrix, thresholds: np.ndarray, side: str
) -> np.ndarray:
    """Per field, region and threshold: the area at or above (``side="right"``) or at or below
    (``"left"``) each threshold, in one pass over the region's cells for every threshold (for
    more than :data:`FEW_THRESHOLDS`; fewer take one sparse product each).

    Each cell falls in the bin of how many thresholds lie below its value; a weighted histogram
    of the bins per region, summed from the top (above) or the bottom (below), gives every
    threshold's area. NaN cells weigh nothing.
    """
    n_fields, n_regions, n_bins = gathered.shape[0], matrix.shape[0], thresholds.size + 1
    bins = np.searchsorted(thresholds, gathered, side=side)  # (fields, nnz), NaN -> last bin
    region = np.repeat(np.arange(n_regions), np.diff(matrix.indptr))
    index = (np.arange(n_fields)[:, None] * n_regions + region) * n_bins + bins
    weight = np.where(np.isnan(gathered), 0.0, matrix.data)
    histogram = np.bincount(
        index.ravel(), weight.ravel(), minlength=n_fields * n_regions * n_bins
    ).reshape(n_fields, n_regions, n_bins)
    if side == "right":  # value >= t_j  <=>  more than j thresholds <= value
        return np.cumsum(histogram[..., ::-1], axis=-1)[..., ::-1][..., 1:]
    return np.cumsum(histogram, axis=-1)[..., :-1]  # value <= t_j <=> at most j thresholds < value


#: Up to this many thresholds, one sparse product per threshold beats one histogram of all.
FEW_THRESHOLDS = 10


def _weighted_quantile(
    gathered: np.ndarray, weights: np.ndarray, indptr: np.ndarray, q: float
) -> np.ndarray:
    """Per region: the smallest value v with at least ``q`` of the valid weight at values <= v."""
    n_fields, n_regions = gathered.shape[0], indptr.size - 1
    out = np.full((n_fields, n_regions), np.nan)
    every = np.arange(n_fields)
    for r in range(n_regions):
        a, b = indptr[r], indptr[r + 1]
        if a == b:
            continue
        vals = gathered[:, a:b]
        order = np.argsort(vals, axis=1)  # NaN sorts last
        sorted_vals = np.take_along_axis(vals, order, axis=1)
        w = np.where(np.isnan(sorted_vals), 0.0, weights[a:b][order])
        cum = np.cumsum(w, axis=1)
        total = cum[:, -1]
        k = np.sum(cum < q * total[:, None] * (1 - 1e-12), axis=1)
        k = np.minimum(k, b - a - 1)
        out[:, r] = np.where(total > 0, sorted_vals[every, k], np.nan)
    return out

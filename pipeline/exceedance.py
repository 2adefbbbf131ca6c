"""Region statistics of a forecast field: area-weighted mean, extremes, fraction above thresholds.

Pure functions on xarray objects. Dask-backed input stays lazy: each chunk over ``valid_time``
or ``member`` is reduced independently, so a whole run never needs to be in memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
import xarray as xr

from pipeline.weights import RegionWeights

SPATIAL_DIMS = ("latitude", "longitude")
CELL_DIMS = ("cell",)


def region_statistics(
    field: xr.DataArray,
    weights: RegionWeights,
    thresholds: Sequence[float],
) -> xr.Dataset:
    """Reduce ``field`` over each region.

    Parameters
    ----------
    field
        Values on ``weights.grid`` with dims (..., latitude, longitude) on lat-lon grids or
        (..., cell) on unstructured ones, typically (member, valid_time, latitude, longitude).
        NaN cells (masked by the provider) are left out
        of every statistic and out of the area they are divided by.
    weights
        Exact region weights on the same grid.
    thresholds
        Values for ``fraction_above``: the share of the region's (valid) area where the field is
        greater than or equal to the threshold.

    Returns
    -------
    xr.Dataset
        ``mean``, ``max``, ``min`` with dims (region, ...) and ``fraction_above`` with dims
        (region, ..., threshold); region ids and thresholds as coordinates.
    """
    spatial = CELL_DIMS if field.dims[-1] == "cell" else SPATIAL_DIMS
    if tuple(field.dims[-len(spatial) :]) != spatial:
        raise ValueError(f"field dims {field.dims} must end with {SPATIAL_DIMS} or {CELL_DIMS}")
    if field.shape[-len(spatial) :] != weights.grid.shape:
        raise ValueError(
            f"field grid {field.shape[-len(spatial) :]} differs from the weights' grid "
            f"{weights.grid.shape}"
        )
    thresholds = np.asarray(sorted(set(float(t) for t in thresholds)), dtype=np.float64)
    # Only cells that some region covers matter: compress the matrix to those columns once.
    used = np.unique(weights.matrix.indices)
    matrix = weights.matrix[:, used].tocsr()
    n_regions = matrix.shape[0]
    mean, vmax, vmin, frac = xr.apply_ufunc(
        _reduce_block,
        field,
        kwargs={
            "matrix": matrix,
            "used": used,
            "thresholds": thresholds,
            "spatial_ndim": len(spatial),
        },
        input_core_dims=[list(spatial)],
        output_core_dims=[["region"], ["region"], ["region"], ["region", "threshold"]],
        dask="parallelized",
        output_dtypes=[np.float32] * 4,
        dask_gufunc_kwargs={
            "output_sizes": {"region": n_regions, "threshold": thresholds.size},
        },
    )
    lead = [d for d in field.dims if d not in spatial]
    result = xr.Dataset(
        {
            "mean": mean.transpose("region", *lead),
            "max": vmax.transpose("region", *lead),
            "min": vmin.transpose("region", *lead),
            "fraction_above": frac.transpose("region", *lead, "threshold"),
        },
        coords={"region": list(weights.regions), "threshold": thresholds},
    )
    units = field.attrs.get("units", "")
    for name in ("mean", "max", "min"):
        result[name].attrs = {"units": units, "long_name": f"area-weighted regional {name}"}
    result["fraction_above"].attrs = {
        "units": "1",
        "long_name": "fraction of the region's area where the value is >= threshold",
    }
    result["threshold"].attrs = {"units": units}
    return result


def _reduce_block(
    block: np.ndarray,
    *,
    matrix: sp.csr_matrix,
    used: np.ndarray,
    thresholds: np.ndarray,
    spatial_ndim: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    lead_shape = block.shape[: block.ndim - spatial_ndim]
    values = block.reshape(int(np.prod(lead_shape)), -1)[:, used]  # (fields, cells)
    valid = ~np.isnan(values)
    filled = np.where(valid, values, 0.0)
    valid_area = (matrix @ valid.T.astype(np.float64)).T  # (fields, regions)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (matrix @ filled.T.astype(np.float64)).T / valid_area
        frac = np.empty((*valid_area.shape, thresholds.size))
        for k, t in enumerate(thresholds):
            frac[..., k] = (matrix @ (values >= t).T.astype(np.float64)).T / valid_area
    # Extremes over each region's cells: gather in CSR order, then reduce each row's segment.
    gathered = values[:, matrix.indices]
    starts = matrix.indptr[:-1]
    empty = np.diff(matrix.indptr) == 0
    safe_starts = np.minimum(starts, max(gathered.shape[1] - 1, 0))
    with np.errstate(invalid="ignore"):
        vmax = np.fmax.reduceat(gathered, safe_starts, axis=1) if gathered.size else None
        vmin = np.fmin.reduceat(gathered, safe_starts, axis=1) if gathered.size else None
    if vmax is None:
        vmax = vmin = np.full(valid_area.shape, np.nan)
    vmax[:, empty] = np.nan
    vmin[:, empty] = np.nan
    n_regions = matrix.shape[0]
    return (
        mean.reshape(*lead_shape, n_regions).astype(np.float32),
        vmax.reshape(*lead_shape, n_regions).astype(np.float32),
        vmin.reshape(*lead_shape, n_regions).astype(np.float32),
        frac.reshape(*lead_shape, n_regions, thresholds.size).astype(np.float32),
    )

"""Region statistics of any GRIB or NetCDF file, for analysts: ``crosswarn aggregate`` and its
Python API.

:func:`aggregate` reads a variable (:mod:`pipeline.analysis.fields`), converts thresholds to its
units (:mod:`pipeline.analysis.thresholds`), weights a region set on its grid
(:mod:`pipeline.analysis.region_sets`, :mod:`pipeline.geo.weights`), reduces it with
:func:`~pipeline.statistics.exceedance.region_statistics` and writes CSV or CF NetCDF
(:mod:`pipeline.analysis.output`). :func:`summarise` is the same for a field and regions already
in hand.

Each region's coverage is the share of its area (on the sphere; outlines' edges straight in
longitude-latitude) that the grid's cells cover. A region covered less than ``min_coverage``
gets NaN statistics, named in a warning: a mean over the 4 % of a region the grid reaches is not
the region's mean. When no region reaches it, nothing is written and the error says where the
grid lies. Fractions are of the covered area with a value.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import xarray as xr

from pipeline.analysis.fields import Field, Selection, open_field
from pipeline.analysis.output import check_output, write_result
from pipeline.analysis.region_sets import load_region_set
from pipeline.analysis.thresholds import Threshold, thresholds_in
from pipeline.errors import ConfigError
from pipeline.geo.grids import RegularGrid
from pipeline.geo.spherical import lonlat_areas_km2
from pipeline.geo.weights import RegionWeights, cached_weights
from pipeline.settings import Settings
from pipeline.statistics.exceedance import STATS, region_statistics

log = logging.getLogger(__name__)

#: Regions covered less than this share of their area get no statistics (``--min-coverage``).
MIN_COVERAGE = 0.9
#: Coverage is kept to this many decimals (what the output shows is what ``--min-coverage``
#: compares): weights take each cell's share of a region in longitude-latitude, off by about
#: 1e-5 of the region's area on the sphere on 0.1° cells, so a region such a grid covers
#: wholly reads 1.
COVERAGE_DECIMALS = 4
_FRACTIONS = ("fraction_above", "fraction_below")


def aggregate(
    paths: Sequence[Path | str],
    variable: str,
    thresholds: Sequence[str] = (),
    *,
    regions: str | Path | gpd.GeoDataFrame = "emma",
    out: Path | None = None,
    settings: Settings | None = None,
    nuts_version: int = 2024,
    id_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
    selection: Selection | None = None,
    grid_file: Path | None = None,
    min_coverage: float = MIN_COVERAGE,
    history: str = "",
) -> xr.Dataset:
    """Region statistics of ``variable`` in the GRIB or NetCDF files ``paths``.

    Parameters
    ----------
    paths
        GRIB (optionally bz2-compressed) or NetCDF files, of one model run.
    variable
        eccodes short name (``2t``), cfgrib name (``t2m``), DWD name (``T_2M``), CF standard
        name (``air_temperature``), or ``wind_speed`` (derived from u and v if needed).
    thresholds
        For the fractions of area at or above / below: ``"25degC"``, ``"90km/h"``, ``"50mm"``,
        or bare numbers in the data's units.
    regions
        ``"emma"``, ``"nuts0"`` ... ``"nuts3"`` (of ``nuts_version``), a polygon file (with
        ``id_field``, optional ``name_field`` and ``layer``), or a GeoDataFrame indexed by
        region id with a ``name`` column (EPSG:4326).
    out
        ``.csv`` or ``.nc`` to write (nothing is written without it).
    selection
        Model run, valid times and levels to keep (default: all of the only run).
    grid_file
        DWD's ICON grid file, for data on ICON's icosahedral grid.
    min_coverage
        Regions covered less than this share of their area get NaN statistics.
    history
        The command that made the output, recorded in its ``history`` attribute.

    Returns
    -------
    xr.Dataset
        Statistics (mean, max, min, p90, fraction_above, fraction_below, valid_share) with
        dims (region, valid_time, member[, level][, threshold]), ``region_name`` and
        ``region_coverage``; the data's units on the statistics and the threshold coordinate.

    Examples
    --------
    See "Region statistics for analysts" in the README (the tests run its example).
    """
    settings = settings or Settings()
    if out is not None:
        check_output(Path(out))
    if not 0.0 <= min_coverage <= 1.0:
        raise ConfigError(f"--min-coverage {min_coverage}: give a share from 0 to 1, e.g. 0.9")
    field = open_field(paths, variable, selection=selection, grid_file=grid_file)
    converted = thresholds_in(list(thresholds), field.units, what=f"{variable} in {field.where}")
    if not isinstance(regions, gpd.GeoDataFrame):
        regions = load_region_set(
            regions,
            settings=settings,
            nuts_version=nuts_version,
            id_field=id_field,
            name_field=name_field,
            layer=layer,
        )
    result = summarise(
        field, regions, converted, min_coverage=min_coverage, cache_dir=settings.cache_dir
    )
    result.attrs["history"] = history or f"crosswarn aggregate of {variable}"
    if out is not None:
        write_result(result, Path(out))
    return result


def summarise(
    field: Field,
    regions: gpd.GeoDataFrame,
    thresholds: Sequence[Threshold] = (),
    *,
    min_coverage: float = MIN_COVERAGE,
    cache_dir: Path | None = None,
    stats: Sequence[str] = STATS,
) -> xr.Dataset:
    """Region statistics of ``field`` over ``regions`` (see the module docstring)."""
    with _without(logging.getLogger("pipeline.geo.weights"), "regions outside the grid"):
        weights = cached_weights(regions, field.grid, cache_dir)  # said below, with coverage
    coverage = region_coverage(regions, weights)
    covered = coverage >= min_coverage
    set_name = regions.attrs.get("region_set", "the regions")
    if not covered.any():
        raise ConfigError(_nothing_covered(field, regions, coverage, min_coverage, set_name))
    low = [
        f"{region} ({share:.1%})"
        for region, share, ok in zip(regions.index, coverage, covered, strict=True)
        if not ok
    ]
    if low:
        shown = ", ".join(low[:10]) + (f" and {len(low) - 10} more" if len(low) > 10 else "")
        log.warning(
            "%d of %d regions are covered less than %g by the grid of %s: their statistics are "
            "NaN: %s",
            len(low),
            len(regions),
            min_coverage,
            field.where,
            shown,
        )
    if not thresholds:
        stats = [s for s in stats if s not in _FRACTIONS]
    result = region_statistics(
        field.data, weights, [t.value for t in thresholds], stats=stats
    ).compute()
    result = result.where(xr.DataArray(covered, dims="region"))
    result["region_name"] = ("region", regions["name"].astype(str).to_numpy())
    result["region_coverage"] = (
        "region",
        coverage,
        {"units": "1", "long_name": "share of the region's area covered by the grid"},
    )
    result = result.set_coords("region_name")
    if thresholds:
        result = result.assign_coords(threshold_given=("threshold", _given(thresholds, result)))
    _describe(result, field, stats, set_name, min_coverage)
    return result


@contextmanager
def _without(logger: logging.Logger, start: str):
    """Drop ``logger``'s messages beginning with ``start`` for the duration."""

    def keep(record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(start)

    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def region_coverage(regions: gpd.GeoDataFrame, weights: RegionWeights) -> np.ndarray:
    """Share of each region's area the grid's cells cover, from 0 to 1.

    On a regular grid, the part of each region inside the grid's outer cell edges, measured
    exactly on the sphere; on other grids, the area the weights give each region (their cells
    clipped to it) over its area.
    """
    shapes = regions.geometry.to_numpy()
    area = lonlat_areas_km2(shapes)
    grid = weights.grid
    if isinstance(grid, RegularGrid):
        covered = lonlat_areas_km2(shapely.intersection(shapes, _outline(grid)))
    else:
        covered = weights.region_area_km2
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(area > 0, covered / area, 0.0)
    return np.round(np.clip(share, 0.0, 1.0), COVERAGE_DECIMALS)


def _outline(grid: RegularGrid) -> shapely.Geometry:
    """The outer edges of a regular grid's cells (all longitudes for a global one)."""
    south = max(grid.lat0 - grid.dlat / 2, -90.0)
    north = min(grid.lat0 + grid.dlat * (grid.nlat - 0.5), 90.0)
    if grid.nlon * grid.dlon >= 360.0 - 1e-6:
        return shapely.box(-180.0, south, 180.0, north)
    west = grid.lon0 - grid.dlon / 2
    return shapely.box(west, south, west + grid.dlon * grid.nlon, north)


def _nothing_covered(field, regions, coverage, min_coverage, set_name) -> str:
    lat, lon = field.data["latitude"].values, field.data["longitude"].values
    extent = (
        f"lat {np.nanmin(lat):.2f}..{np.nanmax(lat):.2f}, lon {np.nanmin(lon):.2f}.."
        f"{np.nanmax(lon):.2f}"
    )
    best = int(np.argmax(coverage))
    if coverage[best] <= 0:
        return (
            f"{field.where}: the grid ({extent}) covers none of the {len(regions)} regions of "
            f"{set_name}; choose regions inside it (--regions)"
        )
    return (
        f"{field.where}: the grid ({extent}) covers no region of {set_name} to "
        f"--min-coverage {min_coverage:g} (best: {regions.index[best]}, {coverage[best]:.1%}); "
        "choose regions inside the grid, or lower --min-coverage"
    )


def _given(thresholds: Sequence[Threshold], result: xr.Dataset) -> np.ndarray:
    """What the user wrote for each (sorted, unique) threshold value."""
    texts = []
    for value in result["threshold"].values:
        same = [t.text for t in thresholds if np.isclose(t.value, value, rtol=1e-12, atol=0)]
        texts.append(" = ".join(dict.fromkeys(same)))
    return np.asarray(texts, dtype=object)


def _describe(
    result: xr.Dataset, field: Field, stats: Sequence[str], set_name: str, min_coverage: float
) -> None:
    """CF attributes: the data's names and units on the statistics, what each one reduces."""
    attrs = field.data.attrs
    units = attrs.get("units")
    time_method = attrs.get("cell_methods", "")
    methods = {"mean": "area: mean", "max": "area: maximum", "min": "area: minimum"}
    for name in stats:
        var = result[name].attrs
        if name in ("mean", "max", "min", "p90"):
            var.pop("units", None)
            if units:
                var["units"] = units
            if attrs.get("standard_name"):
                var["standard_name"] = attrs["standard_name"]
            method = methods.get(name, "")
            cell = " ".join(m for m in (time_method, method) if m)
            if cell:
                var["cell_methods"] = cell
            var["long_name"] = f"{var['long_name']} of {attrs.get('long_name', field.data.name)}"
        else:
            var["units"] = "1"
    if "threshold" in result.coords:
        coord = result["threshold"].attrs
        coord.clear()
        coord["long_name"] = f"threshold of {attrs.get('long_name', field.data.name)}"
        if units:
            coord["units"] = units
        if attrs.get("standard_name"):
            coord["standard_name"] = attrs["standard_name"]
        result["threshold_given"].attrs["long_name"] = "threshold as given"
    result["region_name"].attrs["long_name"] = "region name"
    result.attrs.update(
        {
            "title": f"crosswarn region statistics of {field.data.name} over {set_name}",
            "source": f"{', '.join(p.name for p in field.files)}: {field.source}",
            "variable": str(field.data.name),
            **({"units": units} if units else {}),
            "region_set": set_name,
            "min_coverage": min_coverage,
            "comment": " ".join(
                (
                    "Area-weighted statistics per region computed by crosswarn (cell areas "
                    "on the sphere); regions covered less than min_coverage have none.",
                    *field.notes,
                    "Not a warning of any weather service.",
                )
            ),
        }
    )

"""The canonical schema of a GRIB source's dataset: its coordinates on either grid kind and
the attributes of its variables (CF units and standard names, where each came from in GRIB)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pipeline.geo.grids import RegularGrid
from pipeline.geo.icon_grid import UnstructuredGrid
from pipeline.sources.base import Variable
from pipeline.variables import CANONICAL_UNITS, CF_STANDARD_NAMES


def parameter_attrs(var: Variable) -> dict:
    """Where a variable comes from in GRIB (its parameter and keys), as attributes."""
    attrs: dict = {}
    if var.grib is not None:
        attrs["grib_parameter"] = list(var.grib)
    for i, part in enumerate(var.parts):
        text = ", ".join(f"{k}={v}" for k, v in part)
        if text:
            attrs[f"grib_keys{i or ''}"] = text
    if var.components:
        attrs["comment"] = "speed: magnitude of the two vector components"
    return attrs


def canonical_attrs(canonical: str, extra: dict) -> dict:
    """A canonical variable's CF attributes (units, standard name) and ``extra``."""
    standard = CF_STANDARD_NAMES.get(canonical)
    named = {"standard_name": standard} if standard else {}
    return {"units": CANONICAL_UNITS[canonical], **named, **extra}


def regular_coords(grid: RegularGrid) -> tuple[dict, dict]:
    """The spatial dims and coordinates of a field on a regular grid."""
    spatial = {
        "latitude": ("latitude", grid.latitudes, {"units": "degrees_north"}),
        "longitude": ("longitude", grid.longitudes, {"units": "degrees_east"}),
    }
    return spatial, spatial


def cell_coords(grid: UnstructuredGrid) -> tuple[dict, dict]:
    """The spatial dims and coordinates of a field on ICON cells, with the grid's identity."""
    cells = np.arange(grid.shape[0])
    spatial = {"cell": ("cell", cells)}
    coords = {
        **spatial,
        "latitude": ("cell", grid.latitudes, {"units": "degrees_north"}),
        "longitude": ("cell", grid.longitudes, {"units": "degrees_east"}),
        "cell_area": ("cell", grid.areas, {"units": "km2"}),
    }
    return spatial, coords | {
        "grid_name": ((), grid.name),
        "grid_number": ((), grid.number),
        "grid_uuid": ((), grid.uuid),
    }


def selected_cells(
    grid: RegularGrid | UnstructuredGrid, cut: tuple, chosen: Callable[..., np.ndarray]
) -> tuple[tuple, dict, dict]:
    """Only the cells ``chosen(grid)`` names (flat indices into ``grid``, the part of a field
    ``cut`` keeps), along one ``cell`` dim: the cut taking them from a decoded field, and the
    dataset's spatial dims and coordinates."""
    picked = np.asarray(chosen(grid))
    if isinstance(grid, RegularGrid):
        rows, cols = np.divmod(picked, grid.nlon)
        first_row, first_col = (cut[1].start, cut[2].start) if len(cut) == 3 else (0, 0)
        cut = (Ellipsis, rows + first_row, cols + first_col)
        lat, lon, extra = grid.latitudes[rows], grid.longitudes[cols], {}
    else:
        cut = (Ellipsis, cut[1][picked] if len(cut) == 2 else picked)
        lat, lon = grid.latitudes[picked], grid.longitudes[picked]
        extra = {
            "cell_area": ("cell", grid.areas[picked], {"units": "km2"}),
            **{k: v for k, v in cell_coords(grid)[1].items() if k.startswith("grid_")},
        }
    spatial = {"cell": ("cell", np.arange(picked.size))}
    coords = {
        **spatial,
        "latitude": ("cell", lat, {"units": "degrees_north"}),
        "longitude": ("cell", lon, {"units": "degrees_east"}),
        **extra,
    }
    return cut, spatial, coords


#: The period an extreme covers, as its CF ``cell_methods`` say it: the output interval, a
#: period within it (ECMWF's gust since the previous post-processing), or the run so far.
WINDOW_TEXTS = {
    "interval": "over the output interval ending at valid_time (see interval_hours)",
    "within": "over a period ending at valid_time, within the output interval",
    "run_start": "over the run so far: from the reference time to valid_time",
}


def window_attrs(kind: str, window: str) -> dict:
    """The attributes of a variable of ``kind``; for an extreme (``interval_max`` or
    ``interval_min``), which period it covers (``window``, a key of :data:`WINDOW_TEXTS`)."""
    if not kind.startswith("interval"):
        return {"statistic": kind}
    return {
        "statistic": kind,
        "window": "run_start" if window == "run_start" else "interval",
        "cell_methods": f"time: {kind[9:]}imum {WINDOW_TEXTS[window]}",
    }

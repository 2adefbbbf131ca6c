"""An ICON grid file an analyst names (``--grid-file``), checked against the data it is for.

The operational sources download and cache their grid files themselves
(:mod:`pipeline.sources.grid_files`); this is the analyst's way in, which also reads the triangles'
vertices (``vertex_of_cell``, ``vlon``, ``vlat``) for exact weights.
"""

from __future__ import annotations

import bz2
import logging
from pathlib import Path

import netCDF4
import numpy as np

from pipeline.errors import ConfigError, InvalidDataError, InvalidGridError
from pipeline.geo.cell_grids import IconTriangleGrid
from pipeline.geo.grids import UnstructuredRef
from pipeline.geo.icon_grid import UnstructuredGrid, _degrees, read_grid_file

log = logging.getLogger(__name__)

VERTEX_VARIABLES = ("vertex_of_cell", "vlon", "vlat")


def icon_grid(
    path: Path, *, npoints: int, number: int = 0, uuid: str = "", exact: bool = True
) -> UnstructuredGrid | IconTriangleGrid:
    """The ICON grid in ``path`` for data of ``npoints`` cells naming grid ``number`` and
    ``uuid`` (0 and "" when the data names none).

    With ``exact``, the triangles with their vertices (a grid file without vertices falls back
    to centre-in-region weights, with a warning); else the cells as the operational sources
    weight them.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"--grid-file {path}: no such file")
    name = path.name.removesuffix(".bz2").removesuffix(".nc")
    cells = read_grid_file(path, name=name, number=number)
    if cells.ref.mismatch(UnstructuredRef(npoints=npoints, number=number, uuid=uuid)):
        raise InvalidGridError(
            f"--grid-file {path} is not the data's grid: the data has {npoints} cells"
            f"{f', grid no. {number}' if number else ''}{f', uuid {uuid}' if uuid else ''}; "
            f"the file holds {cells.describe()}"
        )
    if not exact:
        return cells
    vertices = _read_vertices(path)
    if vertices is None:
        log.warning(
            "%s has no cell vertices (%s): each cell counts wholly for the region holding its "
            "centre, not exactly; DWD's full grid file has them",
            path,
            "/".join(VERTEX_VARIABLES),
        )
        return cells
    return IconTriangleGrid(cells=cells, vertex_lat=vertices[0], vertex_lon=vertices[1])


def _read_vertices(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Latitude and longitude (degrees) of each cell's three vertices, (ncells, 3) each."""
    raw = path.read_bytes()
    data = bz2.decompress(raw) if path.suffix == ".bz2" else raw
    with netCDF4.Dataset("grid.nc", memory=data) as nc:
        if not set(VERTEX_VARIABLES) <= set(nc.variables):
            return None
        corners = np.asarray(nc.variables["vertex_of_cell"][:], dtype=np.int64) - 1  # 1-based
        vlat, vlon = _degrees(nc.variables["vlat"]), _degrees(nc.variables["vlon"])
    if (
        corners.ndim != 2
        or corners.shape[0] != 3
        or corners.min() < 0
        or corners.max() >= vlat.size
    ):
        raise InvalidDataError(f"{path}: vertex_of_cell is not (3, ncells) indices into vlat/vlon")
    return vlat[corners.T], vlon[corners.T]

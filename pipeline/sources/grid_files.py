"""DWD's ICON grid files: downloaded once from ``weather/lib/cdo`` (or a mirror), checked, and
cached as the few arrays crosswarn needs (centres, areas) in ``.npz``."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from pipeline.files import atomic_path
from pipeline.geo.icon_grid import UnstructuredGrid, read_grid_file
from pipeline.sources.download import fetch

log = logging.getLogger(__name__)


def grid_url(dwd_base_url: str) -> str:
    """Where grid files live relative to the NWP tree (``.../weather/nwp`` -> ``.../lib/cdo``)."""
    base = dwd_base_url.rstrip("/")
    root = base[: -len("/nwp")] if base.endswith("/nwp") else base
    return f"{root}/lib/cdo"


def cached_grid(
    name: str, number: int, *, base_url: str, cache_dir: Path, grid_base_url: str | None = None
) -> UnstructuredGrid:
    """The grid ``name``, downloaded from DWD (or a mirror) on first use and cached."""
    cache = cache_dir / "icon-grids"
    npz = cache / f"{name}.npz"
    if not npz.exists():
        url = f"{grid_base_url or grid_url(base_url)}/{name}.nc.bz2"
        raw = cache / f"{name}.nc.bz2"
        fetch(url, raw, verify=_verify_grid_file)
        grid = read_grid_file(raw, name=name, number=number)
        with atomic_path(npz, keep_suffix=True) as tmp:
            np.savez(
                tmp,
                number=grid.number,
                uuid=grid.uuid,
                latitudes=grid.latitudes,
                longitudes=grid.longitudes,
                areas=grid.areas,
            )
        raw.unlink()  # the arrays we need are in the .npz; the grid file is large
        log.info("ICON grid %s cached in %s (%d cells)", name, npz, grid.shape[0])
    with np.load(npz) as data:
        return UnstructuredGrid(
            name=name,
            number=int(data["number"]),
            uuid=str(data["uuid"]),
            latitudes=data["latitudes"],
            longitudes=data["longitudes"],
            areas=data["areas"],
        )


def _verify_grid_file(path: Path, *, origin: str) -> None:
    read_grid_file(path, name=origin, number=0)

"""Build DWD-shaped trees (``weather/nwp/...`` and ``weather/lib/cdo/...``) for contract tests.

Files are encoded with eccodes on small grids over the Benelux, with values chosen so that every
normalised value is known by hand:

- ``vmax_10m`` of member m at step s: 10 + s + m m/s (maximum over the preceding interval);
- ``tot_prec``: accumulated s (s + 1) / 2 mm, i.e. s mm fell in the hour ending at step s;
- ``t_2m``, ``tmax_2m``, ``tmin_2m``: 278.15 + m K (5 + m °C); ``cape_ml``: 100 s J/kg;
- ``u_10m`` / ``v_10m``: 3 and -4 m/s;
- ``ww``: 95 (thunderstorm) at odd steps, 66 (freezing rain) at even ones; ICON-D2 has no
  step 0;
- ``snow_gsp`` / ``snow_con``: 0.5 s and 0.25 s kg m-2 accumulated, i.e. 0.75 mm of snow water
  equivalent (0.75 cm of fresh snow) in each hour.
"""

from __future__ import annotations

import bz2
import math
from pathlib import Path
from urllib.parse import unquote

import netCDF4
import numpy as np

from pipeline.geo.grids import RegularGrid, UnstructuredRef
from pipeline.sources.dwd import DwdIcon
from pipeline.tools.scenario import encode

#: 0.25° over the Benelux and its neighbours (49.0-56.25 N, 2.0-11.75 E).
SMALL_GRID = RegularGrid(lat0=49.0, lon0=2.0, dlat=0.25, dlon=0.25, nlat=30, nlon=40)
GRID_UUID = "5f3c0e8a9b7d4c2e8f1a6b3c9d0e7f21"


def value(param: str, step: int, member: int) -> float:
    return {
        "vmax_10m": 10.0 + step + member,
        "tot_prec": step * (step + 1) / 2,
        "t_2m": 278.15 + member,
        "tmax_2m": 278.15 + member,
        "tmin_2m": 278.15 + member,
        "cape_ml": 100.0 * step,
        "u_10m": 3.0,
        "v_10m": -4.0,
        "ww": 95.0 if step % 2 else 66.0,
        "snow_gsp": 0.5 * step,
        "snow_con": 0.25 * step,
    }[param]


def base_url(root_url: str) -> str:
    return f"{root_url}/weather/nwp"


def write_file(
    root: Path,
    source: DwdIcon,
    run: str,
    param: str,
    step: int,
    *,
    grid: RegularGrid | UnstructuredRef,
    interval: int | None = None,
) -> Path:
    """Encode one DWD file (all members) at its URL path under ``root``; return the path."""
    table = source.steps(run)
    if interval is None and param in source.since_run_start:
        interval = step
    if interval is None:
        previous = [s for s in table if s < step]
        interval = step - previous[-1] if previous else 0
    members = range(1, source.members + 1) if source.members > 1 else [0]
    messages = b"".join(
        encode(
            param,
            np.full(grid.shape, value(param, step, m)),
            run=run,
            step=step,
            grid=grid,
            member=m,
            members=source.members,
            interval=interval,
            production_status=0,
        )
        for m in members
    )
    relative = unquote(source.locate(run, param, step).removeprefix(source.base_url + "/"))
    dest = root / "weather" / "nwp" / relative
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(bz2.compress(messages) if dest.suffix == ".bz2" else messages)
    return dest


def write_run(
    root: Path,
    source: DwdIcon,
    run: str,
    params: list[str],
    steps: list[int],
    *,
    grid: RegularGrid | UnstructuredRef | None = None,
) -> list[Path]:
    grid = grid or (SMALL_GRID if source.grid_file is None else unstructured_ref(source))
    return [
        write_file(root, source, run, p, s, grid=grid)
        for p in params
        for s in steps
        if s or p not in source.not_at_start
    ]


def unstructured_ref(source: DwdIcon) -> UnstructuredRef:
    lat, _ = _cell_centres()
    return UnstructuredRef(npoints=lat.size, number=source.grid_file[1], uuid=GRID_UUID)


def _cell_centres() -> tuple[np.ndarray, np.ndarray]:
    """A 0.2° lattice of 'cells' over the Benelux (49.1-55.9 N, 2.1-9.9 E), 35 x 40."""
    lat, lon = np.meshgrid(np.arange(49.1, 56.0, 0.2), np.arange(2.1, 10.0, 0.2), indexing="ij")
    return lat.ravel(), lon.ravel()


def cell_area_m2(lat: np.ndarray) -> np.ndarray:
    """Area of a 0.2° x 0.2° cell centred at ``lat`` on ICON's sphere."""
    radius = 6_371_229.0
    half = math.radians(0.1)
    band = np.sin(np.radians(lat) + half) - np.sin(np.radians(lat) - half)
    return radius**2 * math.radians(0.2) * band


def write_grid_file(root: Path, source: DwdIcon, *, with_area: bool = True) -> Path:
    """An ICON-style grid file (clat/clon in radians, cell_area in m²) under weather/lib/cdo."""
    name, number = source.grid_file
    lat, lon = _cell_centres()
    root.mkdir(parents=True, exist_ok=True)
    plain = root / f"{name}.nc"
    with netCDF4.Dataset(plain, "w") as nc:
        nc.number_of_grid_used = number
        nc.uuidOfHGrid = GRID_UUID
        nc.createDimension("cell", lat.size)
        for var_name, values in (("clat", lat), ("clon", lon)):
            var = nc.createVariable(var_name, "f8", ("cell",))
            var.units = "radian"
            var[:] = np.radians(values)
        if with_area:
            area = nc.createVariable("cell_area", "f8", ("cell",))
            area.units = "m2"
            area[:] = cell_area_m2(lat)
    dest = root / "weather" / "lib" / "cdo" / f"{name}.nc.bz2"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(bz2.compress(plain.read_bytes()))
    plain.unlink()
    return dest

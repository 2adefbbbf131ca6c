"""The storm scenario as a full-size DWD ICON-D2-EPS run: 20 members on 542 040 cells.

The deterministic scenario (:mod:`pipeline.tools.scenario`, run ``2026011500``) is evaluated at
the cell centres of each member, noise-free and perturbed per member, and written as DWD writes
ICON-D2-EPS: one bz2-compressed GRIB2 file per (variable, step) holding one message per member
(product templates 1 and 11, perturbationNumber 1..members), under the paths
:class:`~pipeline.sources.dwd.IconD2Eps` reads with the base URL ``file://{mirror}``:

- **Members.** Member m's storm is the deterministic one moved as a whole by up to 50 km in a
  random direction and with its amplitude (gust excess over the 8 m/s background, precipitation)
  scaled by 0.85-1.15; both are drawn from ``numpy.random.default_rng(SEED + m)``
  (:func:`member_perturbation`). Temperature is moved, not scaled. So members differ, and the
  ensemble keeps the storm.
- **Variables.** ``vmax_10m`` is the maximum over the hour ending at the step; ``tot_prec``
  (front, warm-front and snow), ``snow_gsp`` and ``snow_con`` (always 0, as in ICON-D2) are
  accumulated since the run start; ``t_2m`` in K. ``productionStatusOfProcessedData`` is 2
  (research product), as in the deterministic scenario.
- **Grid.** The grid file (``icon_grid_0047_R19B07_L.nc.bz2`` where the source fetches it,
  ``{mirror}/lib/cdo``) is a synthetic lattice with the real cell count of DWD's R19B07 grid
  no. 47, *not* DWD's triangles: rows of constant latitude spacing over the ICON-D2 domain
  (43.18-58.08 N, 3.94 W-20.34 E, like ``scenario.GRID``), each with as many cells as make them
  about equal in area (about 5.2 km²), the areas summing to the domain's area on ICON's sphere.
  Its UUID is derived from the cell count, so a grid cached for another lattice does not match.

Memory follows one file: a worker holds one (variable, step), or for an accumulation the running
total of every member (about 90 MB at full size), never the run.
"""

from __future__ import annotations

import bz2
import hashlib
import json
import logging
import math
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import netCDF4
import numpy as np

from pipeline.files import write_bytes_atomic, write_json_atomic
from pipeline.geo.grids import UnstructuredRef
from pipeline.progress import progress
from pipeline.sources.dwd import DWD_VARIABLES, IconD2Eps
from pipeline.sources.grid_files import grid_url
from pipeline.tools import scenario

log = logging.getLogger(__name__)

RUN = scenario.RUN  # "2026011500"
N_CELLS = 542_040  # cells of DWD's R19B07 grid no. 47 (ICON-D2-EPS)
VERSION = 1  # bump when the files written change
EARTH_RADIUS_M = 6_371_229.0  # ICON's sphere
#: The ICON-D2 domain (lat_min, lat_max, lon_min, lon_max), as ``scenario.GRID`` spans it.
DOMAIN = (43.18, 58.08, -3.94, 20.34)
MAX_SHIFT_KM = 50.0
AMPLITUDE_RANGE = (0.85, 1.15)
SHIFT_REFERENCE_LAT = 51.0  # where kilometres are turned into degrees of longitude
SUPPORTED = ("vmax_10m", "tot_prec", "t_2m", "snow_gsp", "snow_con")
MARKER = ".crosswarn-eps-scenario.json"


@dataclass(frozen=True)
class Perturbation:
    """How member ``member`` differs from the deterministic storm: moved by (dlat, dlon)
    degrees, amplitude times ``scale``."""

    member: int
    dlat: float
    dlon: float
    scale: float


def member_perturbation(member: int) -> Perturbation:
    """Member ``member``'s shift (up to :data:`MAX_SHIFT_KM`, uniform over the disc) and
    amplitude scale (uniform in :data:`AMPLITUDE_RANGE`), from ``default_rng(SEED + member)``."""
    rng = np.random.default_rng(scenario.SEED + member)
    angle = rng.uniform(0.0, 2.0 * math.pi)
    distance = MAX_SHIFT_KM * math.sqrt(rng.uniform())
    scale = rng.uniform(*AMPLITUDE_RANGE)
    dlat = distance * math.sin(angle) / scenario.KM_PER_DEG
    dlon = (
        distance
        * math.cos(angle)
        / (scenario.KM_PER_DEG * math.cos(math.radians(SHIFT_REFERENCE_LAT)))
    )
    return Perturbation(member, dlat, dlon, float(scale))


def member_values(
    param: str, step: int, p: Perturbation, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """Member ``p.member``'s field at ``step``: gust (m/s, max of the hour ending then),
    temperature (K), or for accumulations the amount (mm) of the hour ending at ``step``."""
    la, lo = lat - p.dlat, lon - p.dlon  # the storm moved by (dlat, dlon)
    if param == "vmax_10m":
        gust = scenario.hourly_max_gust(la, lo, step)
        return scenario.BACKGROUND_GUST + p.scale * (gust - scenario.BACKGROUND_GUST)
    if param == "t_2m":
        return scenario.temperature_k(la, lo, float(step))
    snow = scenario.hourly_rain(la, lo, step, scenario.snow_rate)
    if param == "snow_gsp":
        return p.scale * snow
    if param == "tot_prec":
        front = scenario.hourly_rain(la, lo, step)
        warm_front = scenario.hourly_rain(la, lo, step, scenario.freezing_rate)
        return p.scale * (front + warm_front + snow)
    if param == "snow_con":  # convection-permitting: no convective snow
        return np.zeros(lat.shape)
    raise ValueError(f"the EPS scenario has no {param}; it writes {', '.join(SUPPORTED)}")


@lru_cache(maxsize=2)
def lattice(n_cells: int = N_CELLS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres (degrees) and areas (m²) of the synthetic grid: exactly ``n_cells`` cells in
    rows of equal latitude spacing, as many per row as its share of the domain's area."""
    lat0, lat1, lon0, lon1 = DOMAIN
    width = math.radians(lon1 - lon0)
    band = math.sin(math.radians(lat1)) - math.sin(math.radians(lat0))
    total = EARTH_RADIUS_M**2 * width * band
    side = math.sqrt(total / n_cells)
    n_rows = max(1, round(math.radians(lat1 - lat0) * EARTH_RADIUS_M / side))
    edges = np.linspace(lat0, lat1, n_rows + 1)
    row_area = EARTH_RADIUS_M**2 * width * np.diff(np.sin(np.radians(edges)))
    quota = n_cells * row_area / row_area.sum()
    counts = np.floor(quota).astype(np.int64)
    # Largest remainders get the cells left over, so that the count is exact.
    counts[np.argsort(counts - quota)[: n_cells - counts.sum()]] += 1
    row = np.repeat(np.arange(n_rows), counts)
    index = np.arange(n_cells) - np.repeat(np.cumsum(counts) - counts, counts)
    lat = 0.5 * (edges[:-1] + edges[1:])[row]
    lon = lon0 + (index + 0.5) * (lon1 - lon0) / counts[row]
    return lat, lon, (row_area / counts)[row]


def grid_ref(n_cells: int = N_CELLS) -> UnstructuredRef:
    """What the GRIB messages say about the synthetic grid (number 47, a UUID of the count)."""
    digest = hashlib.md5(f"crosswarn synthetic R19B07 grid, {n_cells} cells".encode())
    return UnstructuredRef(npoints=n_cells, number=IconD2Eps.grid_file[1], uuid=digest.hexdigest())


def data_path(mirror: Path, param: str, step: int) -> Path:
    """Where IconD2Eps with base URL ``file://{mirror}`` looks for one file."""
    source = IconD2Eps(f"file://{mirror}")
    url = source.locate(RUN, param, step)
    return mirror / unquote(url.removeprefix(source.base_url + "/"))


def grid_path(mirror: Path) -> Path:
    """Where IconD2Eps with base URL ``file://{mirror}`` downloads its grid file from."""
    directory = unquote(grid_url(f"file://{mirror}").removeprefix("file://"))
    return Path(directory) / f"{IconD2Eps.grid_file[0]}.nc.bz2"


def write_grid_file(mirror: Path, n_cells: int = N_CELLS) -> Path:
    """The synthetic grid as an ICON grid file (clat/clon in radians, cell_area in m²)."""
    lat, lon, area = lattice(n_cells)
    ref = grid_ref(n_cells)
    dest = grid_path(mirror)
    with tempfile.TemporaryDirectory(prefix="crosswarn-eps-grid-") as tmp:
        plain = Path(tmp) / "grid.nc"
        with netCDF4.Dataset(plain, "w") as nc:
            nc.title = "crosswarn synthetic lattice with the cell count of R19B07 grid no. 47"
            nc.number_of_grid_used = ref.number
            nc.uuidOfHGrid = ref.uuid
            nc.createDimension("cell", n_cells)
            for name, values, units in (
                ("clat", np.radians(lat), "radian"),
                ("clon", np.radians(lon), "radian"),
                ("cell_area", area, "m2"),
            ):
                var = nc.createVariable(name, "f8", ("cell",))
                var.units = units
                var[:] = values
        write_bytes_atomic(dest, bz2.compress(plain.read_bytes(), 9))
    return dest


def _write(mirror: Path, param: str, step: int, values: np.ndarray, n_cells: int) -> None:
    """One file: a message per member (row m-1 of ``values`` is member m)."""
    members = values.shape[0]
    messages = b"".join(
        scenario.encode(
            param, row, run=RUN, step=step, grid=grid_ref(n_cells), member=m, members=members
        )
        for m, row in enumerate(values, start=1)
    )
    write_bytes_atomic(data_path(mirror, param, step), bz2.compress(messages, 9))


def _instant_task(mirror: Path, param: str, step: int, members: int, n_cells: int) -> int:
    lat, lon, _ = lattice(n_cells)
    perturbations = [member_perturbation(m) for m in range(1, members + 1)]
    values = np.stack([member_values(param, step, p, lat, lon) for p in perturbations])
    _write(mirror, param, step, values, n_cells)
    return 1


def _accumulated_task(
    mirror: Path, param: str, steps: list[int], members: int, n_cells: int
) -> int:
    """Every file of an accumulation, in step order, from one running total per member."""
    lat, lon, _ = lattice(n_cells)
    perturbations = [member_perturbation(m) for m in range(1, members + 1)]
    total = np.zeros((members, n_cells))
    wanted = set(steps)
    for step in range(max(steps) + 1):
        if step:
            for i, p in enumerate(perturbations):
                total[i] += member_values(param, step, p, lat, lon)
        if step in wanted:
            _write(mirror, param, step, total, n_cells)
    return len(wanted)


def write_eps_scenario(
    mirror: Path,
    *,
    members: int = 20,
    steps: range = range(49),
    params: tuple[str, ...] = IconD2Eps.default_params,
    n_cells: int = N_CELLS,
    workers: int = 2,
) -> Path:
    """Write the scenario as an ICON-D2-EPS run under ``mirror``; reuse a complete earlier one.

    Returns the mirror root, to be used as the DWD base URL (``file://{mirror}``). The real
    :class:`IconD2Eps` expects 20 members per file; other counts are for tests of the files.
    """
    mirror = Path(mirror).resolve()
    unknown = [p for p in params if p not in SUPPORTED]
    if unknown or members < 1 or not steps:
        raise ValueError(
            f"EPS scenario: params {list(params)}, members {members}, steps {steps}; it writes "
            f"{', '.join(SUPPORTED)}, with one or more members and steps"
        )
    steps = sorted(set(steps))
    fingerprint = {
        "run": RUN,
        "seed": scenario.SEED,
        "members": members,
        "steps": steps,
        "params": list(params),
        "n_cells": n_cells,
        "version": VERSION,
    }
    marker = mirror / MARKER
    files = [data_path(mirror, p, s) for p in params for s in steps]
    if (
        marker.exists()
        and json.loads(marker.read_text()) == fingerprint
        and grid_path(mirror).exists()
        and all(f.exists() for f in files)
    ):
        log.info("EPS storm scenario already complete in %s", mirror)
        return mirror
    marker.unlink(missing_ok=True)
    write_grid_file(mirror, n_cells)
    log.info(
        "EPS storm scenario: writing %d files (%d members, %d cells) under %s",
        len(files), members, n_cells, mirror,
    )  # fmt: skip
    accumulated = [p for p in params if DWD_VARIABLES[p].kind == "accumulated"]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # The accumulations are chains of steps: started first, as they take longest.
        futures = [
            pool.submit(_accumulated_task, mirror, p, steps, members, n_cells) for p in accumulated
        ]
        futures += [
            pool.submit(_instant_task, mirror, p, s, members, n_cells)
            for s in steps
            for p in params
            if p not in accumulated
        ]
        done, reported = 0, 0
        for future in progress(as_completed(futures), desc="EPS scenario", total=len(futures)):
            done += future.result()
            if done * 10 // len(files) > reported:
                reported = done * 10 // len(files)
                log.info("EPS storm scenario: %d of %d files written", done, len(files))
    write_json_atomic(marker, fingerprint)
    return mirror

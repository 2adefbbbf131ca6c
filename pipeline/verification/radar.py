"""Observed precipitation per region from DWD's radar composite RV (ODIM_H5).

What the product is (the sample ``composite_rv_20250923_0855.tar`` and the sources below):

- **Files.** One tar every 5 minutes, ``composite_rv_YYYYMMDD_HHMM.tar``, holding
  ``composite_rv_YYYYMMDD_HHMM_PPP-hd5`` for leads PPP = 000 .. 120 minutes. Only ``000`` is an
  observation (``dataset1/how/simulated = False``, interval ending at the nominal time
  ``what/date+time``); the others are RADVOR nowcasts, which :func:`read_composite` refuses.
- **Quantity.** ODIM ``ACRR``: precipitation in mm (kg m-2) accumulated over the 5 minutes from
  ``dataset1/what/startdate+starttime`` to ``enddate+endtime`` (UTC), ``raw * gain + offset``
  (0.001 and -0.001 stored as float32: rounded to 1e-6 mm, so 10.000 mm is not 9.9999993 mm
  against a 10 mm threshold). ``nodata`` (4294967295, outside radar range) is NaN, ``undetect``
  (0, measured and dry) 0 mm.
- **Grid "DE1200".** 1100 x 1200 cells of 1 km, polar stereographic true at 60° N, central
  meridian 10° E, on the WGS84 ellipsoid (``where/projdef``; the older 900 x 900 RADOLAN grid
  used a 6370.04 km sphere); row 0 is the northern edge. ``where/LL_lon .. LR_lat`` are the
  outer corners of the corner cells: projected, the sample's lie exactly 1100 x 1200 km apart,
  half a cell off whole kilometres; :func:`read_composite` checks this on every file.

Weights: each cell's exact share of each region (exactextract on the composite's raster, the
regions reprojected to its projection) times its true area (1 km² over the projection's areal
scale at its centre, 1.09 .. 1.12 over Benelux), as :mod:`pipeline.geo.weights` weighs forecast
cells; :func:`pipeline.statistics.exceedance.reduce_fields` reduces them as it does forecasts.

What RV lacks: a quality field, and a gauge adjustment the sources read here would state
(RADOLAN RW has one, hourly at hh:50); radar underestimates far from the radars and in snow,
hail inflates it. 47 % of the sample's grid is nodata: regions mostly outside range are NaN
(``min_valid_share``), never "no warning". DWD keeps a short history: archive the tars.

Sources: wradlib's RADOLAN guide (https://docs.wradlib.org/projects/radolan/, Grid and ODIM_H5)
and ``georef.get_radolan_grid`` docs (corners are outer pixel corners); DWD's RV profile
https://www.dwd.de/DE/leistungen/radarprodukte/radarkomposit_rv_hdf5.pdf and
https://opendata.dwd.de/weather/radar/composite/rv/ (naming, leads; as cited by third-party
code, not read here); ``shared/data/PROVENANCE.md`` 4c. Licence: DWD Open Data.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import netCDF4
import numpy as np
import pandas as pd
import scipy.sparse as sp
import xarray as xr
from exactextract import exact_extract
from exactextract.raster import NumPyRasterSource
from pyproj import CRS, Proj, Transformer

from pipeline.assessment.criteria import AuthorityCriteria, thresholds_for
from pipeline.errors import InvalidDataError
from pipeline.files import atomic_path
from pipeline.geo.region_facts import regions_fingerprint
from pipeline.geo.weights import RegionWeights, region_coverage
from pipeline.statistics.exceedance import reduce_fields
from pipeline.variables import PRECIPITATION_WINDOWS

log = logging.getLogger(__name__)

STEP = pd.Timedelta(minutes=5)  # RV's interval
#: A member of DWD's tar: ``composite_rv_YYYYMMDD_HHMM_PPP-hd5`` (PPP = lead in minutes).
MEMBER = re.compile(r"^composite_rv_\d{8}_\d{4}_(?P<lead>\d{3})-hd5$")
MAX_MEMBER_BYTES = 64 * 2**20  # largest tar member read (the sample's: 90 kB)
CORNER_TOLERANCE_M = 1.0  # allowed mismatch of the corner attributes and the grid they imply


@dataclass(frozen=True)
class RadarGrid:
    """A composite's raster: ``ny`` rows from the northern edge ``top`` down, ``nx`` columns
    from the western edge ``left`` east, cells ``dx`` x ``dy`` metres in ``projdef``."""

    projdef: str
    left: float
    top: float
    dx: float
    dy: float
    nx: int
    ny: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def x(self) -> np.ndarray:  # cell centres, west to east
        return self.left + self.dx * (np.arange(self.nx) + 0.5)

    @property
    def y(self) -> np.ndarray:  # cell centres, north to south (the file's row order)
        return self.top - self.dy * (np.arange(self.ny) + 0.5)

    @property
    def fingerprint(self) -> str:
        text = f"{self.projdef}|{self.left:.3f},{self.top:.3f},{self.dx},{self.dy},{self.shape}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def cell_areas_km2(self, cells: np.ndarray) -> np.ndarray:
        """True area (km²) of the flat cells ``cells`` (row-major from the northern row)."""
        row, col = np.divmod(np.asarray(cells, dtype=np.int64), self.nx)
        proj = Proj(self.projdef)
        lon, lat = proj(self.x[col], self.y[row], inverse=True)
        return self.dx * self.dy / 1e6 / proj.get_factors(lon, lat).areal_scale


def members_of_tar(path: Path) -> dict[str, bytes]:
    """The ``-hd5`` members of a DWD RV tar by name (read in memory, nothing extracted).

    Raises :class:`InvalidDataError` naming ``path`` if it is no tar or holds anything else
    than regular files named like DWD's members.
    """
    try:
        with tarfile.open(path) as tar:
            members = tar.getmembers()
            ok = (
                m.isfile() and MEMBER.match(m.name) and m.size <= MAX_MEMBER_BYTES for m in members
            )
            strange = [m.name for m, fine in zip(members, ok, strict=True) if not fine]
            if strange:
                raise InvalidDataError(
                    f"{path}: unexpected members {strange[:5]} (a DWD RV tar holds only "
                    "composite_rv_YYYYMMDD_HHMM_PPP-hd5 files); download it again from DWD"
                )
            return {m.name: tar.extractfile(m).read() for m in members}
    except (tarfile.TarError, EOFError) as exc:
        raise InvalidDataError(f"{path}: not a readable tar ({exc}); download it again") from exc


def analysis_of_tar(path: Path) -> xr.DataArray:
    """The analysis (lead ``000``, the only observation) of a DWD RV tar."""
    members = members_of_tar(path)
    names = [n for n in members if MEMBER.match(n)["lead"] == "000"]
    if len(names) != 1:
        raise InvalidDataError(
            f"{path}: {len(names)} analyses (lead 000) among {sorted(members)}; expected one"
        )
    return read_composite(Path(f"{path}:{names[0]}"), content=members[names[0]])


def read_composite(
    path: Path, *, content: bytes | None = None, allow_nowcast: bool = False
) -> xr.DataArray:
    """One RV composite ``path``: precipitation (mm in 5 minutes, NaN outside radar range),
    dims (y, x) in the file's row order, projected cell centres as coordinates, ``time`` = the
    end of its interval (UTC). ``content``: the file's bytes (a tar member; ``path`` then names
    it). ``allow_nowcast``: return a RADVOR nowcast step (``attrs["lead_minutes"] > 0``)
    instead of refusing it -- nowcasts are forecasts, never observations.
    """
    try:
        ds = netCDF4.Dataset(str(path), memory=content) if content else netCDF4.Dataset(path)
    except OSError as exc:
        raise InvalidDataError(f"{path}: not an HDF5 file ({exc}); download it again") from exc
    try:
        with ds:
            ds.set_auto_maskandscale(False)
            attrs = _attributes(ds, path)
            raw = np.asarray(ds["dataset1/data1/data"][:])
    except (KeyError, IndexError) as exc:
        raise InvalidDataError(
            f"{path}: not an ODIM_H5 composite with dataset1/data1 ({exc})"
        ) from exc
    if attrs["quantity"] != "ACRR":
        raise InvalidDataError(f"{path}: quantity {attrs['quantity']!r}, expected ACRR (mm)")
    nominal, start, end = attrs["nominal"], attrs["start"], attrs["end"]
    if end - start != STEP:
        raise InvalidDataError(f"{path}: interval {start}..{end} is not 5 minutes")
    lead = int((end - nominal) / pd.Timedelta(minutes=1))
    if (lead != 0 or attrs["simulated"]) and not allow_nowcast:
        raise InvalidDataError(
            f"{path}: a RADVOR nowcast (+{lead} min after {nominal}), not an observation; "
            "use the analysis (lead 000) of each tar"
        )
    grid = attrs["grid"]
    if raw.shape != grid.shape:
        raise InvalidDataError(f"{path}: data {raw.shape} differ from the grid {grid.shape}")
    values = np.round(raw * attrs["gain"] + attrs["offset"], 6)  # float64: exact to 1e-6 mm
    values[raw == attrs["undetect"]] = 0.0
    values[raw == attrs["nodata"]] = np.nan
    return xr.DataArray(
        values,
        dims=("y", "x"),
        coords={"y": grid.y, "x": grid.x, "time": np.datetime64(end.tz_convert(None), "ns")},
        name="precipitation_5min",
        attrs={
            "units": "mm",
            "long_name": "precipitation amount in the 5 minutes ending at time (RV)",
            "projdef": grid.projdef,
            "grid_left": grid.left,
            "grid_top": grid.top,
            "start_time": start.isoformat(),
            "nominal_time": nominal.isoformat(),
            "lead_minutes": lead,
            "source": str(path),
        },
    )


def grid_of(field: xr.DataArray) -> RadarGrid:
    """The :class:`RadarGrid` of a field from :func:`read_composite`."""
    return RadarGrid(
        projdef=field.attrs["projdef"],
        left=float(field.attrs["grid_left"]),
        top=float(field.attrs["grid_top"]),
        dx=round(float(field["x"][1] - field["x"][0]), 6),
        dy=round(float(field["y"][0] - field["y"][1]), 6),
        nx=field.sizes["x"],
        ny=field.sizes["y"],
    )


def radar_statistics(
    paths: list[Path],
    regions: gpd.GeoDataFrame,
    criteria: dict[str, AuthorityCriteria],
    *,
    cache_dir: Path | None = None,
    min_valid_share: float = 0.9,
) -> xr.Dataset:
    """Observed precipitation per region and window from RV analyses, in the layout of a run's
    ``statistics.nc`` (see :func:`window_statistics`).

    ``paths`` are ``-hd5`` analyses or DWD tars (their analysis is used); each file is read
    once and only the cells some region covers are kept.
    """
    if not paths:
        raise InvalidDataError("no RV files given: pass the analyses (or tars) of the period")
    grid = grid_of(first := _read(paths[0]))
    weights = radar_weights(regions, grid, cache_dir=cache_dir)
    used, _ = weights.compressed
    steps = {}
    for path in paths:
        field = first if path == paths[0] else _read(path)
        if grid_of(field) != grid:
            raise InvalidDataError(
                f"{path}: on {grid_of(field)}, not on the grid of {paths[0]} ({grid})"
            )
        when = pd.Timestamp(field["time"].values)
        if when in steps:
            raise InvalidDataError(f"{path}: a second analysis for the 5 minutes ending {when}")
        steps[when] = field.values.ravel()[used]
    return _statistics(steps, weights, regions, criteria, min_valid_share)


def window_statistics(
    steps: xr.DataArray,
    regions: gpd.GeoDataFrame,
    criteria: dict[str, AuthorityCriteria],
    *,
    cache_dir: Path | None = None,
    min_valid_share: float = 0.9,
) -> xr.Dataset:
    """Observed precipitation per region and window from ``steps``, fields of
    :func:`read_composite` stacked along ``time`` (the end of each 5 minutes).

    Returns, per region and ``valid_time`` (each full hour ending a window inside the steps'
    span), ``member`` = [0]: ``{variable}_fraction_above`` (share of the region's valid area at
    or above each criteria threshold, dim ``{variable}_threshold``), ``_mean``, ``_max`` and
    ``_valid_share`` of ``precipitation_1h`` and each longer window of
    :data:`PRECIPITATION_WINDOWS` the steps span; ``region_coverage``, ``region_area_km2``.
    A window missing a step (or a cell outside range in any step) is NaN, never a smaller
    sum; regions with less than ``min_valid_share`` of their area in range are NaN (unknown).
    """
    grid = grid_of(steps.isel(time=0))
    weights = radar_weights(regions, grid, cache_dir=cache_dir)
    used, _ = weights.compressed
    values = steps.transpose("time", "y", "x").values.reshape(steps.sizes["time"], -1)[:, used]
    times = pd.DatetimeIndex(steps["time"].values)
    if times.has_duplicates:
        raise InvalidDataError("steps: two fields for the same 5 minutes")
    by_time = dict(zip(times, values, strict=True))
    return _statistics(by_time, weights, regions, criteria, min_valid_share)


def radar_weights(
    regions: gpd.GeoDataFrame, grid: RadarGrid, *, cache_dir: Path | None = None
) -> RegionWeights:
    """Area weights (km²) of ``regions`` on the composite's cells (flat, row-major from the
    northern row), cached as ``.npz`` under ``cache_dir`` like :mod:`pipeline.geo.weights`."""
    name = f"weights-{grid.fingerprint}-{regions_fingerprint(regions)}.npz"
    path = cache_dir / name if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            matrix = sp.load_npz(path).tocsr()
        except Exception as exc:  # any damage: zip, npy header, array shapes
            log.warning("weights cache %s is damaged (%s): rebuilding it", path, exc)
        else:
            if matrix.shape == (len(regions), grid.nx * grid.ny):
                return RegionWeights(matrix=matrix, regions=tuple(regions.index), grid=grid)
    crs = CRS.from_proj4(grid.projdef)
    bottom, right = grid.top - grid.dy * grid.ny, grid.left + grid.dx * grid.nx
    zeros = np.zeros(grid.shape, dtype=np.float32)
    raster = NumPyRasterSource(zeros, grid.left, bottom, right, grid.top, srs_wkt=crs.to_wkt())
    frame = gpd.GeoDataFrame(geometry=regions.geometry.to_crs(crs).to_numpy(), crs=crs)
    table = exact_extract(raster, frame, ["cell_id", "coverage"], output="pandas")
    # exactextract numbers cells row-major from the top row, as the file stores them.
    cells = [np.asarray(c, dtype=np.int64) for c in table["cell_id"]]
    rows = np.repeat(np.arange(len(cells)), [c.size for c in cells])
    cols = np.concatenate([np.zeros(0, np.int64), *cells])
    shares = np.concatenate([np.zeros(0), *map(np.asarray, table["coverage"])])
    matrix = sp.csr_matrix(
        (shares * grid.cell_areas_km2(cols), (rows, cols)), shape=(len(regions), grid.nx * grid.ny)
    )
    matrix.eliminate_zeros()
    matrix.sort_indices()
    if path is not None:
        with atomic_path(path, keep_suffix=True) as tmp:
            sp.save_npz(tmp, matrix)
    return RegionWeights(matrix=matrix, regions=tuple(regions.index), grid=grid)


def _read(path: Path) -> xr.DataArray:
    return analysis_of_tar(path) if tarfile.is_tarfile(path) else read_composite(Path(path))


def _statistics(
    steps: dict[pd.Timestamp, np.ndarray],
    weights: RegionWeights,
    regions: gpd.GeoDataFrame,
    criteria: dict[str, AuthorityCriteria],
    min_valid_share: float,
) -> xr.Dataset:
    """The statistics of 5-minute values on the covered cells (``weights.compressed``)."""
    ends = sorted(steps)
    first_start, last_end = ends[0] - STEP, ends[-1]
    hours = pd.date_range(first_start.ceil("h"), last_end.floor("h"), freq="h")
    hours = hours[hours - pd.Timedelta(hours=1) >= first_start]
    if hours.empty:
        raise InvalidDataError(
            f"the 5-minute steps from {first_start} to {last_end} hold no hour ending at a full "
            "hour: give the 12 analyses ending hh:05 .. hh+1:00 at least"
        )
    # Every 5-minute slot of the span, missing ones NaN; cumulative sums give every window.
    slots = pd.date_range(first_start + STEP, last_end, freq=STEP)
    used, matrix = weights.compressed
    table = np.full((slots.size, used.size), np.nan)
    table[slots.get_indexer(ends)] = np.stack([steps[t] for t in ends])
    missing = np.vstack([np.zeros((1, used.size)), np.cumsum(np.isnan(table), axis=0)])
    total = np.vstack([np.zeros((1, used.size)), np.cumsum(np.nan_to_num(table), axis=0)])
    # The weights of the covered cells only, on a flat "grid" of them.
    covered = RegionWeights(matrix, weights.regions, grid=SimpleNamespace(shape=(used.size,)))
    data = {}
    for n in PRECIPITATION_WINDOWS:
        ends_n = hours[hours - pd.Timedelta(hours=n) >= first_start]
        if ends_n.empty:
            continue  # the steps do not span this window
        stop = slots.get_indexer(ends_n) + 1
        start = stop - 12 * n
        with np.errstate(invalid="ignore"):
            sums = np.round(total[stop] - total[start], 6)  # 1e-6: float noise, not mm
        sums[missing[stop] - missing[start] > 0] = np.nan
        variable = f"precipitation_{n}h"
        data.update(_reduce(variable, sums, ends_n, hours, covered, criteria, min_valid_share))
    stats = xr.Dataset(
        data,
        coords={
            "region": list(weights.regions),
            "valid_time": hours.as_unit("ns"),
            "member": [0],
        },
    )
    stats["region_area_km2"] = ("region", weights.region_area_km2.astype(np.float32))
    stats["region_coverage"] = ("region", region_coverage(regions, weights).astype(np.float32))
    stats.attrs["title"] = "crosswarn observed region statistics (DWD radar RV)"
    return stats


def _reduce(
    variable: str,
    sums: np.ndarray,
    ends: pd.DatetimeIndex,
    hours: pd.DatetimeIndex,
    weights: RegionWeights,
    criteria: dict[str, AuthorityCriteria],
    min_valid_share: float,
) -> dict[str, xr.DataArray]:
    """``{variable}_*`` statistics of window sums (window, covered cell), NaN at the hours
    without a window and in regions mostly outside radar range."""
    keys = thresholds_for(criteria, variable, "above")
    stats = ["mean", "max", "valid_share"] + (["fraction_above"] if keys else [])
    reduced = reduce_fields(sums, weights, np.asarray(keys, dtype=float), stats, 1)
    unknown = ~(reduced["valid_share"] >= min_valid_share)  # (window, region)
    at = hours.get_indexer(ends)
    out = {}
    for name in stats:
        value = reduced[name].astype(np.float64)
        if name != "valid_share":
            value[unknown] = np.nan
        full = np.full((hours.size, *value.shape[1:]), np.nan)
        full[at] = value
        full = np.moveaxis(full, 1, 0)[:, :, None]  # (region, valid_time, member[, threshold])
        fraction = name == "fraction_above"
        dims = ["region", "valid_time", "member"] + [f"{variable}_threshold"] * fraction
        coords = {f"{variable}_threshold": keys} if fraction else {}
        units = "1" if name in ("fraction_above", "valid_share") else "mm"
        out[f"{variable}_{name}"] = xr.DataArray(
            full, dims=dims, coords=coords, attrs={"units": units}
        )
    return out


def _attributes(ds: netCDF4.Dataset, path: Path) -> dict:
    """What :func:`read_composite` needs of the file's ODIM attributes, checked."""

    def get(group: str, name: str):
        value = ds[group].getncattr(name) if group else ds.getncattr(name)
        return value.decode() if isinstance(value, bytes) else value

    def when(group: str, date: str, time: str) -> pd.Timestamp:
        text = f"{get(group, date)}{get(group, time)}"
        return pd.Timestamp(datetime.strptime(text, "%Y%m%d%H%M%S"), tz="UTC")

    try:
        projdef = str(get("where", "projdef"))
        nx, ny = int(get("where", "xsize")), int(get("where", "ysize"))
        dx, dy = float(get("where", "xscale")), float(get("where", "yscale"))
        corners = {
            c: (float(get("where", f"{c}_lon")), float(get("where", f"{c}_lat")))
            for c in ("LL", "UL", "UR", "LR")
        }
        data = "dataset1/data1/what"
        attrs = {
            "quantity": str(get(data, "quantity")),
            **{k: float(get(data, k)) for k in ("gain", "offset", "nodata", "undetect")},
            "nominal": when("what", "date", "time"),
            "start": when("dataset1/what", "startdate", "starttime"),
            "end": when("dataset1/what", "enddate", "endtime"),
            "simulated": str(get("dataset1/how", "simulated")) == "True",
        }
    except (KeyError, IndexError, AttributeError, ValueError) as exc:
        raise InvalidDataError(f"{path}: lacks or garbles an ODIM attribute ({exc})") from exc
    to_grid = Transformer.from_crs("EPSG:4326", CRS.from_proj4(projdef), always_xy=True)
    xy = {c: to_grid.transform(*lonlat) for c, lonlat in corners.items()}
    left, top = xy["UL"]
    right, bottom = left + nx * dx, top - ny * dy
    expected = {"UL": (left, top), "UR": (right, top), "LL": (left, bottom), "LR": (right, bottom)}
    off = max(np.hypot(xy[c][0] - e[0], xy[c][1] - e[1]) for c, e in expected.items())
    if off > CORNER_TOLERANCE_M:
        raise InvalidDataError(
            f"{path}: corners LL/UL/UR/LR do not bound {ny} x {nx} cells of {dx} x {dy} m "
            f"(off by {off:.0f} m): not the RV grid this reader knows"
        )
    attrs["grid"] = RadarGrid(projdef, round(left, 3), round(top, 3), dx, dy, nx, ny)
    return attrs

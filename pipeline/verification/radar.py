"""Observed precipitation per region from DWD's radar composite RV (ODIM_H5).

The product, as the sample ``composite_rv_20250923_0855.tar`` and the sources below show it:

- **Files.** DWD serves one tar every 5 minutes, ``composite_rv_YYYYMMDD_HHMM.tar``; it holds
  ``composite_rv_YYYYMMDD_HHMM_PPP-hd5`` for leads PPP = 000, 005, .. 120 minutes. Only ``000``
  is an observation (the analysis: ``dataset1/how/simulated = False``, its interval ends at the
  file's nominal time ``what/date+time``); later leads are RADVOR nowcasts (``simulated =
  True``, interval ending PPP minutes after the nominal time). :func:`read_composite` refuses
  them unless asked to flag them.
- **Quantity.** ODIM ``ACRR``: precipitation accumulated over 5 minutes, from
  ``dataset1/what/startdate+starttime`` to ``enddate+endtime`` (UTC), in mm (= kg m-2).
  Decoded as ``raw * gain + offset`` (gain 0.001, offset -0.001 in the sample, stored as the
  float32 values of those numbers: decoded values are rounded to 1e-6 mm so that 10.000 mm is
  not 9.9999993 mm against a 10 mm threshold). ``nodata`` (4294967295) is outside the radars'
  range: NaN. ``undetect`` (0) is measured and dry: 0 mm.
- **Grid ("DE1200").** 1100 columns x 1200 rows of 1 km (``where/xscale``, ``yscale``) on a
  polar stereographic projection true at 60° N with central meridian 10° E on the WGS84
  ellipsoid (``where/projdef``, an ellipsoid unlike the 6370.04 km sphere of the older 900 x
  900 RADOLAN grids); row 0 is the northern edge. ``where/LL_lon .. LR_lat`` are the outer
  corners of the corner cells (ODIM): projected, the sample's lie exactly 1100 km x 1200 km
  apart, half a cell off whole kilometres. :func:`read_composite` checks this on every file.

Region weights: each cell's exact share inside each region (exactextract on the composite's
own raster, with the regions reprojected to its projection) times the cell's true area (its
1 km² divided by the projection's areal scale at its centre, about 1.09 to 1.12 over Benelux),
the same weighting :mod:`pipeline.geo.weights` uses on forecast grids.
:func:`pipeline.statistics.exceedance.reduce_fields` then reduces them exactly as forecasts.

What RV lacks: it is a radar estimate without a quality field in the file, and the sources
read here do not say it is adjusted to rain gauges (RADOLAN RW is, hourly, at hh:50, on
another grid); radar underestimates far from the radars and in snow, and hail inflates it.
About 47 % of the sample's grid is nodata (outside range); regions mostly outside are NaN
(``min_valid_share``), never "no warning". The tar's history on the open-data server is
short: archive the analyses as they come.

Sources: the wradlib RADOLAN guide, chapters Grid and ODIM_H5
(https://docs.wradlib.org/projects/radolan/en/latest/notebooks/odim.html), wradlib's
``georef.get_radolan_grid`` documentation (corners are the outer corners of corner pixels);
DWD's RV service profile https://www.dwd.de/DE/leistungen/radarprodukte/radarkomposit_rv_hdf5.pdf
and open-data directory https://opendata.dwd.de/weather/radar/composite/rv/ (file naming and
lead times as cited by third-party code; the PDF itself was not readable here); the sample's
provenance in ``shared/data/PROVENANCE.md`` section 4c (from ``jdemaeyer/brightsky``, DWD
Open Data). Data licence: DWD Open Data, attribution "Deutscher Wetterdienst".
"""

from __future__ import annotations

import hashlib
import logging
import re
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

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
from pipeline.geo.weights import RegionWeights, region_coverage, regions_fingerprint
from pipeline.statistics.exceedance import reduce_fields
from pipeline.variables import PRECIPITATION_WINDOWS

log = logging.getLogger(__name__)

STEP = pd.Timedelta(minutes=5)
#: A member of DWD's tar: ``composite_rv_YYYYMMDD_HHMM_PPP-hd5`` (PPP = lead in minutes).
MEMBER = re.compile(r"^composite_rv_\d{8}_\d{4}_(?P<lead>\d{3})-hd5$")
#: Largest member we read from a tar (the sample's are 90 kB; a full grid of uint32 is 5 MB).
MAX_MEMBER_BYTES = 64 * 2**20
#: Allowed mismatch (m) between the corner attributes and the grid they imply.
CORNER_TOLERANCE_M = 1.0


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
    def x(self) -> np.ndarray:
        """Cell centres' eastings (m), west to east."""
        return self.left + self.dx * (np.arange(self.nx) + 0.5)

    @property
    def y(self) -> np.ndarray:
        """Cell centres' northings (m), north to south (the file's row order)."""
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

    def describe(self) -> str:
        return f"{self.ny} x {self.nx} cells of {self.dx:g} x {self.dy:g} m in {self.projdef!r}"


def members_of_tar(path: Path) -> dict[str, bytes]:
    """The ``-hd5`` members of a DWD RV tar by name (read in memory, nothing extracted).

    Raises :class:`InvalidDataError` naming ``path`` if it is no tar or holds anything else
    than regular files named like DWD's members.
    """
    try:
        with tarfile.open(path) as tar:
            members = tar.getmembers()
            strange = [m.name for m in members if not (m.isfile() and MEMBER.match(m.name))]
            if strange:
                raise InvalidDataError(
                    f"{path}: unexpected members {strange[:5]} (a DWD RV tar holds only "
                    "composite_rv_YYYYMMDD_HHMM_PPP-hd5 files); download it again from DWD"
                )
            big = [m.name for m in members if m.size > MAX_MEMBER_BYTES]
            if big:
                raise InvalidDataError(f"{path}: members {big} exceed {MAX_MEMBER_BYTES} bytes")
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
    """One RV composite: precipitation (mm in 5 minutes, NaN outside radar range), dims
    (y, x) in the file's row order, projected cell centres as coordinates, and ``time`` = the
    end of its interval (UTC).

    Parameters
    ----------
    path
        The ``-hd5`` file (or, with ``content``, the name to report, e.g. ``tar:member``).
    content
        The file's bytes, for a member read from a tar by :func:`members_of_tar`.
    allow_nowcast
        Return a RADVOR nowcast step (``attrs["lead_minutes"] > 0``) instead of refusing it.
        Nowcasts are forecasts: never use them as observations.
    """
    try:
        if content is None:
            ds = netCDF4.Dataset(path)
        else:
            ds = netCDF4.Dataset(str(path), memory=content)
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
    values = np.round(raw * attrs["gain"] + attrs["offset"], 6)
    values[raw == attrs["undetect"]] = 0.0
    values[raw == attrs["nodata"]] = np.nan
    return xr.DataArray(
        values.astype(np.float32),
        dims=("y", "x"),
        coords={"y": grid.y, "x": grid.x, "time": end.tz_convert(None).to_datetime64()},
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
    first = _read(paths[0]) if paths else None
    if first is None:
        raise InvalidDataError("no RV files given: pass the analyses (or tars) of the period")
    grid = grid_of(first)
    weights = radar_weights(regions, grid, cache_dir=cache_dir)
    used, _ = weights.compressed
    steps = {}
    for path in paths:
        field = first if path == paths[0] else _read(path)
        if grid_of(field) != grid:
            raise InvalidDataError(
                f"{path}: on {grid_of(field).describe()}, not {grid.describe()} like {paths[0]}"
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
    """Observed precipitation per region and window from 5-minute fields.

    Parameters
    ----------
    steps
        Fields of :func:`read_composite` stacked along ``time`` (each the end of its 5
        minutes), dims (time, y, x).
    min_valid_share
        Regions with less of their area inside radar range are NaN (unknown).

    Returns
    -------
    xr.Dataset
        Per region and ``valid_time`` (each full hour that ends a window inside the span of
        ``steps``), ``member`` = [0]: ``{variable}_fraction_above`` (share of the region's valid
        area at or above each criteria threshold, dim ``{variable}_threshold``),
        ``{variable}_mean``, ``{variable}_max`` and ``{variable}_valid_share`` for
        ``precipitation_1h`` and each longer window of :data:`PRECIPITATION_WINDOWS` the steps
        span; ``region_coverage`` and ``region_area_km2``. A window missing any 5-minute step
        (or with a cell outside range in any step) is NaN there, never a smaller sum.
    """
    grid = grid_of(steps.isel(time=0))
    weights = radar_weights(regions, grid, cache_dir=cache_dir)
    used, _ = weights.compressed
    values = steps.transpose("time", "y", "x").values.reshape(steps.sizes["time"], -1)[:, used]
    times = pd.DatetimeIndex(steps["time"].values)
    if times.has_duplicates:
        raise InvalidDataError("steps: two fields for the same 5 minutes")
    steps_by_time = dict(zip(times, values, strict=True))
    return _statistics(steps_by_time, weights, regions, criteria, min_valid_share)


def radar_weights(
    regions: gpd.GeoDataFrame, grid: RadarGrid, *, cache_dir: Path | None = None
) -> RegionWeights:
    """Area weights (km²) of ``regions`` on the composite's cells (flat, row-major from the
    northern row), cached as ``.npz`` under ``cache_dir`` like :mod:`pipeline.geo.weights`."""
    path = None
    if cache_dir is not None:
        path = cache_dir / f"weights-{grid.fingerprint}-{regions_fingerprint(regions)}.npz"
        if path.exists():
            try:
                matrix = sp.load_npz(path).tocsr()
            except Exception as exc:  # any damage: zip, npy header, array shapes
                log.warning("weights cache %s is damaged (%s): rebuilding it", path, exc)
            else:
                if matrix.shape == (len(regions), grid.nx * grid.ny):
                    return RegionWeights(matrix=matrix, regions=tuple(regions.index), grid=grid)
    raster = NumPyRasterSource(
        np.zeros(grid.shape, dtype=np.float32),
        xmin=grid.left,
        ymin=grid.top - grid.dy * grid.ny,
        xmax=grid.left + grid.dx * grid.nx,
        ymax=grid.top,
        srs_wkt=CRS.from_proj4(grid.projdef).to_wkt(),
    )
    frame = gpd.GeoDataFrame(
        {"region": regions.index}, geometry=regions.geometry.to_numpy(), crs=regions.crs
    ).to_crs(CRS.from_proj4(grid.projdef))
    table = exact_extract(
        raster, frame, ["cell_id", "coverage"], output="pandas", include_cols=["region"]
    )
    rows, cols, shares = [], [], []
    for row, (cells, coverage) in enumerate(zip(table["cell_id"], table["coverage"], strict=True)):
        rows.append(np.full(len(cells), row))
        cols.append(np.asarray(cells, dtype=np.int64))  # row-major from the top, as our cells
        shares.append(np.asarray(coverage, dtype=np.float64))
    cols_all = np.concatenate(cols)
    areas = grid.cell_areas_km2(cols_all) if cols_all.size else np.zeros(0)
    matrix = sp.csr_matrix(
        (np.concatenate(shares) * areas, (np.concatenate(rows), cols_all)),
        shape=(len(regions), grid.nx * grid.ny),
    )
    matrix.eliminate_zeros()
    matrix.sort_indices()
    if path is not None:
        with atomic_path(path, keep_suffix=True) as tmp:
            sp.save_npz(tmp, matrix)
    return RegionWeights(matrix=matrix, regions=tuple(regions.index), grid=grid)


def _read(path: Path) -> xr.DataArray:
    path = Path(path)
    if tarfile.is_tarfile(path):
        return analysis_of_tar(path)
    return read_composite(path)


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
    covered = RegionWeights(matrix=matrix, regions=weights.regions, grid=_Cells(used.size))
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
            "valid_time": hours.tz_convert(None) if hours.tz else hours,
            "member": [0],
        },
    )
    stats["region_area_km2"] = ("region", weights.region_area_km2.astype(np.float32))
    stats["region_coverage"] = ("region", region_coverage(regions, weights).astype(np.float32))
    stats.attrs["title"] = "crosswarn observed region statistics (DWD radar RV)"
    return stats


@dataclass(frozen=True)
class _Cells:
    """The covered cells of a grid, flat: the grid the reduced weights are on."""

    n: int

    @property
    def shape(self) -> tuple[int]:
        return (self.n,)


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
        dims = ["region", "valid_time", "member"]
        coords = {}
        if name == "fraction_above":
            dims.append(f"{variable}_threshold")
            coords[f"{variable}_threshold"] = keys
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

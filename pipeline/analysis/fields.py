"""A variable of GRIB or NetCDF files as one field for region statistics: members, valid times and
levels as dimensions, the horizontal grid last, units and CF names as attributes.

:func:`open_field` reads GRIB (:mod:`pipeline.analysis.grib_fields`) or NetCDF
(:mod:`pipeline.analysis.netcdf_fields`) and selects what :class:`Selection` asks for: one model
run (files holding several are refused unless ``run`` picks one), valid times, levels. Levels
stay a dimension unless selected; the wind speed is derived from its components when the files
do not hold it (:mod:`pipeline.analysis.names`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr

from pipeline.analysis.names import WIND_SPEED_ATTRS
from pipeline.analysis.thresholds import to_units
from pipeline.errors import ConfigError, InvalidDataError

#: How files start: GRIB (possibly after a WMO header), bz2-compressed GRIB as DWD serves it,
#: NetCDF classic and 64-bit, and NetCDF-4 (HDF5).
NETCDF_MAGIC = (b"CDF\x01", b"CDF\x02", b"CDF\x05", b"\x89HDF")
GRIB_MAGIC = (b"GRIB", b"BZh")


@dataclass(frozen=True)
class Selection:
    """What of the files to aggregate: a model ``run`` (reference time), valid ``times`` or a
    ``start``/``end`` window of them (inclusive), ``levels`` (numbers in the level's units, or
    with units such as ``850hPa``). Times are UTC."""

    run: datetime | None = None
    times: tuple[datetime, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    """A variable ready for :func:`~pipeline.statistics.exceedance.region_statistics`.

    ``data`` has dims (member, [valid_time], [level], latitude, longitude) on regular grids and
    (..., cell) on any other; attributes ``units`` (CF, absent when the files give none),
    ``standard_name``, ``long_name`` and ``cell_methods`` (for interval maxima, sums ...);
    coordinates ``forecast_reference_time`` (scalar) and ``forecast_period`` (hours, along
    valid_time) where the files say, and a scalar vertical coordinate for single-level fields.
    """

    data: xr.DataArray
    grid: object  # a grid of pipeline.geo (RegularGrid, RotatedPoleGrid, UnstructuredGrid ...)
    files: tuple[Path, ...]
    source: str = ""  # the producer, as the files name it
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def units(self) -> str | None:
        return self.data.attrs.get("units")

    @property
    def where(self) -> str:
        return describe_files(self.files)


def open_field(
    paths: Sequence[Path | str],
    variable: str,
    *,
    selection: Selection | None = None,
    grid_file: Path | None = None,
) -> Field:
    """``variable`` of the GRIB or NetCDF files ``paths`` as a :class:`Field`; ``grid_file``
    is DWD's grid file for fields on ICON's icosahedral grid."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise ConfigError("no input files given")
    kinds = {path: file_kind(path) for path in paths}
    selection = selection or Selection()
    if set(kinds.values()) == {"grib"}:
        from pipeline.analysis.grib_fields import read_grib

        found = read_grib(paths, variable, selection, grid_file)
    elif set(kinds.values()) == {"netcdf"}:
        from pipeline.analysis.netcdf_fields import read_netcdf

        found = read_netcdf(paths, variable, selection, grid_file)
    else:
        gribs = [str(p) for p, kind in kinds.items() if kind == "grib"]
        raise ConfigError(
            f"{describe_files(paths)}: GRIB ({', '.join(gribs[:3])}) and NetCDF mixed; "
            "aggregate them in separate calls"
        )
    data = select(found.data, selection, found.where)
    return Field(data, found.grid, found.files, found.source, found.notes)


def file_kind(path: Path) -> Literal["grib", "netcdf"]:
    """Whether ``path`` is GRIB or NetCDF, from its first bytes (not its name)."""
    if not path.exists():
        raise ConfigError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise ConfigError(f"{path}: a directory; give the files in it (e.g. {path}/*.grib2)")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        raise InvalidDataError(f"{path}: an empty file; download it again")
    if head.startswith(NETCDF_MAGIC):
        return "netcdf"
    if head.startswith(GRIB_MAGIC) or b"GRIB" in head:
        return "grib"
    raise InvalidDataError(
        f"{path}: neither GRIB nor NetCDF (it starts with {head[:8]!r}); give GRIB or NetCDF files"
    )


def describe_files(paths: Sequence[Path]) -> str:
    """The files for messages: the one, or the first and how many more."""
    paths = list(paths)
    if len(paths) == 1:
        return str(paths[0])
    return f"{paths[0]} and {len(paths) - 1} more file{'s' if len(paths) > 2 else ''}"


def choose_run(runs: Sequence[np.datetime64], selection: Selection, where: str):
    """The model run to aggregate among ``runs`` (None if the files name none)."""
    runs = sorted(set(runs))
    if selection.run is not None:
        wanted = as_datetime64(selection.run)
        if wanted not in runs:
            raise ConfigError(
                f"--run {format_time(wanted)}: {where} holds the runs {_list_times(runs)}"
            )
        return wanted
    if len(runs) > 1:
        raise ConfigError(
            f"{where}: holds {len(runs)} model runs ({_list_times(runs)}); aggregate one at a "
            "time, chosen with --run YYYYMMDDHH"
        )
    return runs[0] if runs else None


def select(data: xr.DataArray, selection: Selection, where: str) -> xr.DataArray:
    """``data`` at the valid times and levels ``selection`` asks for."""
    if selection.times or selection.start or selection.end:
        if "valid_time" not in data.dims:
            raise ConfigError(f"{where}: has no valid times to choose from (--time/--from/--to)")
        times = data["valid_time"].values
        keep = np.ones(times.size, dtype=bool)
        if selection.times:
            wanted = [as_datetime64(t) for t in selection.times]
            missing = [format_time(t) for t in wanted if t not in times]
            if missing:
                raise ConfigError(
                    f"--time {', '.join(missing)}: {where} holds the valid times "
                    f"{_list_times(times)}"
                )
            keep &= np.isin(times, wanted)
        if selection.start is not None:
            keep &= times >= as_datetime64(selection.start)
        if selection.end is not None:
            keep &= times <= as_datetime64(selection.end)
        if not keep.any():
            raise ConfigError(
                f"--from/--to: no valid time of {where} in that window; it holds "
                f"{_list_times(times)}"
            )
        data = data.isel(valid_time=np.flatnonzero(keep))
    if selection.levels:
        data = _select_levels(data, selection.levels, where)
    return data


def _select_levels(data: xr.DataArray, texts: Sequence[str], where: str) -> xr.DataArray:
    if "level" not in data.dims:
        raise ConfigError(f"{where}: {data.name} is on one level only; leave out --level")
    level = data["level"]
    units = level.attrs.get("units")
    what = f"the level ({level.attrs.get('long_name', 'level')})"
    wanted = [to_units(text, units, option="--level", what=what) for text in texts]
    values = level.values.astype(np.float64)
    chosen = []
    for text, value in zip(texts, wanted, strict=True):
        hits = np.flatnonzero(np.isclose(values, value, rtol=1e-9, atol=1e-9))
        if not hits.size:
            known = ", ".join(f"{v:g}" for v in values)
            raise ConfigError(f"--level {text}: {where} has levels {known} ({units or 'no units'})")
        chosen.append(int(hits[0]))
    return data.isel(level=sorted(set(chosen)))


def wind_speed(u: Field, v: Field) -> Field:
    """The wind speed from its eastward and northward components (same grid, times, levels)."""
    if u.units != v.units:
        raise InvalidDataError(
            f"{u.where}: the wind components are in {u.units} and {v.units}; convert one first"
        )
    try:
        a, b = xr.align(u.data, v.data, join="exact")
    except ValueError:
        raise InvalidDataError(
            f"{u.where}: the eastward and northward components differ in their members, times "
            "or levels; give files of the same run and steps"
        ) from None
    if u.grid != v.grid and getattr(u.grid, "fingerprint", 1) != getattr(v.grid, "fingerprint", 2):
        raise InvalidDataError(f"{u.where}: the wind components are on different grids")
    speed = np.hypot(a, b)
    speed.attrs = {"units": u.units, **WIND_SPEED_ATTRS} if u.units else dict(WIND_SPEED_ATTRS)
    speed.name = "wind_speed"
    files = tuple(dict.fromkeys(u.files + v.files))
    notes = (*u.notes, "wind speed derived as the magnitude of the eastward and northward wind")
    return Field(speed, u.grid, files, u.source, notes)


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 time (``2022-04-26T00``, ``2022-04-26 06:00``) or a run id ``YYYYMMDDHH``, in
    UTC (a time without an offset is UTC)."""
    text = text.strip()
    try:
        if len(text) == 10 and text.isdigit():
            return datetime.strptime(text, "%Y%m%d%H").replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{option} {text!r}: expected a time like 2022-04-26T06:00 (UTC) or 2022042606"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def as_datetime64(moment: datetime) -> np.datetime64:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(moment, "ns")


def format_time(moment) -> str:
    return np.datetime_as_string(np.datetime64(moment, "m"), unit="m") + "Z"


def _list_times(times) -> str:
    times = sorted(set(np.asarray(times, dtype="datetime64[ns]")))
    shown = [format_time(t) for t in times[:4]]
    if len(times) > 5:
        shown += ["...", format_time(times[-1])]
    elif len(times) == 5:
        shown.append(format_time(times[-1]))
    return ", ".join(shown)

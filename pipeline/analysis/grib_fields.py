"""GRIB files as a :class:`~pipeline.analysis.fields.Field`: every message decoded with eccodes
(:mod:`pipeline.sources.grib`), the variable's kept and stacked by member, valid time and level.

Regular latitude-longitude grids come from the messages themselves. Messages on ICON's
icosahedral grid carry only the grid's number and UUID: the cells come from DWD's grid file
(``--grid-file``), read and checked by :func:`pipeline.geo.any_grid.grid_of`. Interval
statistics (DWD's VMAX_10M, the maximum over the preceding output interval) keep that meaning in
``cell_methods``. Valid time = reference time + end of the step range (whole hours).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import xarray as xr

from pipeline.analysis.fields import (
    Field,
    Selection,
    as_datetime64,
    choose_run,
    describe_files,
    format_time,
    wind_speed,
)
from pipeline.analysis.names import (
    WIND_COMPONENTS,
    WIND_SPEED,
    message_names,
    standard_name,
    wanted,
)
from pipeline.analysis.thresholds import cf_units
from pipeline.errors import ConfigError, InvalidDataError, InvalidGridError
from pipeline.geo.grids import RegularGrid
from pipeline.progress import progress
from pipeline.sources.grib import GribField, decode_fields

log = logging.getLogger(__name__)

#: eccodes keys read besides the ones every decoded message has.
KEYS = ("cfVarName", "cfName", "units", "name", "stepType")

#: The vertical coordinate of each GRIB level type (units, standard name, positive, long name);
#: single-level types (surface, mean sea level ...) have none.
LEVEL_TYPES = {
    "isobaricInhPa": ("hPa", "air_pressure", "down", "pressure"),
    "isobaricInPa": ("Pa", "air_pressure", "down", "pressure"),
    "heightAboveGround": ("m", "height", "up", "height above the surface"),
    "heightAboveSea": ("m", "altitude", "up", "height above mean sea level"),
    "depthBelowLandLayer": ("m", "depth", "down", "depth below the surface"),
    "hybrid": ("1", "model_level_number", "down", "model level"),
    "generalVerticalLayer": ("1", "model_level_number", "down", "model level"),
}
#: CF cell methods of eccodes' step types (an instant has none).
STEP_METHODS = {"max": "maximum", "min": "minimum", "accum": "sum", "avg": "mean"}


@dataclass(frozen=True)
class _Message:
    field: GribField
    names: frozenset[str]
    units: str | None
    path: Path

    @property
    def valid_time(self) -> np.datetime64:
        return as_datetime64(self.field.reference_time + timedelta(hours=self.field.step_end))


def read_grib(
    paths: Sequence[Path], variable: str, selection: Selection, grid_file: Path | None
) -> Field:
    """``variable`` of the GRIB files (see the module docstring)."""
    names = wanted(variable)
    kept, held = [], set()
    for path in progress(paths, desc="decoding GRIB", unit="file"):
        for decoded in decode_fields(path, keys=KEYS):
            units = cf_units(decoded.keys.get("units"))
            answers = message_names(decoded, units or "")
            held.add(decoded.short_name)
            if answers & set(names):
                kept.append(_Message(decoded, answers, units, path))
    where = describe_files(paths)
    direct = [m for m in kept if names[0] in m.names]
    if direct:
        return _field(direct, variable, selection, grid_file, paths)
    if len(names) > 1:  # the wind speed, from its components
        at_10m = WIND_SPEED[names[0]]
        parts = []
        for component in WIND_COMPONENTS:
            found = [m for m in kept if component in m.names and (not at_10m or _at_10m(m))]
            if not found:
                raise ConfigError(
                    f"{where}: {variable} is derived from the eastward and northward wind, but "
                    f"there is no {component}{' at 10 m' if at_10m else ''} (it holds "
                    f"{sorted(held)}); add the file with it"
                )
            parts.append(_field(found, component, selection, grid_file, paths))
        return wind_speed(*parts)
    raise ConfigError(f"{where}: no GRIB variable {variable!r}; it holds {sorted(held)}")


def _at_10m(message: _Message) -> bool:
    return (message.field.level_type, message.field.level) == ("heightAboveGround", 10.0)


def _field(
    messages: list[_Message],
    variable: str,
    selection: Selection,
    grid_file: Path | None,
    paths: Sequence[Path],
) -> Field:
    where = describe_files(paths)
    _one_parameter(messages, variable, where)
    run = choose_run([as_datetime64(m.field.reference_time) for m in messages], selection, where)
    messages = [m for m in messages if as_datetime64(m.field.reference_time) == run]
    grids = {m.field.grid for m in messages}
    if len(grids) > 1:
        listed = "; ".join(sorted(g.describe() for g in grids))
        raise InvalidDataError(f"{where}: {variable} on several grids ({listed}); one at a time")
    first = messages[0]
    members = sorted({m.field.member for m in messages})
    times = sorted({m.valid_time for m in messages})
    levels = sorted({m.field.level for m in messages})
    grid, spatial, cell_coords = _grid(first, grid_file, variable)
    values = _stack(messages, members, times, levels, variable)
    if isinstance(grid, RegularGrid):
        grid, values = _from_antimeridian(grid, values)
        cell_coords = {"latitude": grid.latitudes, "longitude": grid.longitudes}
    level_type = first.field.level_type
    vertical = (
        dict(
            zip(
                ("units", "standard_name", "positive", "long_name"),
                LEVEL_TYPES[level_type],
                strict=True,
            )
        )
        if level_type in LEVEL_TYPES
        else {"long_name": level_type}
    )
    coords = {
        "member": np.asarray(members, dtype=np.int64),
        "valid_time": np.asarray(times, dtype="datetime64[ns]"),
        "forecast_reference_time": ((), run, {"standard_name": "forecast_reference_time"}),
        "forecast_period": (
            "valid_time",
            (np.asarray(times) - run) / np.timedelta64(1, "h"),
            {"standard_name": "forecast_period", "units": "hours"},
        ),
        **cell_coords,
    }
    dims = ["member", "valid_time", "level", *spatial]
    if len(levels) > 1:
        coords["level"] = ("level", np.asarray(levels), vertical)
    else:
        values, dims = values[:, :, 0], [d for d in dims if d != "level"]
        if level_type in LEVEL_TYPES:
            coords[vertical["standard_name"]] = ((), levels[0], vertical)
    intervals = {m.field.step_end - m.field.step_start for m in messages}
    attrs = _attrs(first, intervals.pop() if len(intervals) == 1 else 0)
    data = xr.DataArray(values, dims=dims, coords=coords, name=variable, attrs=attrs)
    centres = sorted({m.field.centre for m in messages})
    source = f"GRIB{first.field.edition} from {', '.join(centres)} ({first.field.short_name})"
    return Field(data, grid, tuple(dict.fromkeys(m.path for m in messages)), source)


def _one_parameter(messages: list[_Message], variable: str, where: str) -> None:
    """Refuse a name that picks several parameters, or one on several level types."""
    kinds = sorted(
        {(m.field.short_name, m.field.level_type, m.field.keys.get("stepType")) for m in messages}
    )
    if len(kinds) == 1:
        return
    listed = ", ".join(f"{s} ({lt}, {st})" for s, lt, st in kinds)
    if len({k[0] for k in kinds}) > 1:
        raise ConfigError(
            f"{where}: {variable!r} names several variables: {listed}; give one by its short name"
        )
    raise ConfigError(
        f"{where}: {variable} comes on several level types or step types: {listed}; aggregate "
        "one at a time (split the file, e.g. grib_copy -w typeOfLevel=isobaricInhPa IN OUT)"
    )


def _grid(message: _Message, grid_file: Path | None, variable: str):
    """The grid, its spatial dims, and the cells' coordinates (for grids other than lat-lon)."""
    grid = message.field.grid
    if isinstance(grid, RegularGrid):
        if grid.nlat < 2 or grid.nlon < 2:
            raise InvalidGridError(
                f"{message.path}: a grid of {grid.nlat} x {grid.nlon} point(s) cannot be weighted "
                "over regions; give a field with at least two points along each axis"
            )
        coords = {"latitude": grid.latitudes, "longitude": grid.longitudes}
        return grid, ("latitude", "longitude"), coords
    from pipeline.geo.any_grid import grid_of

    attrs = {
        "GRIB_gridType": "unstructured_grid",
        "GRIB_numberOfGridUsed": grid.number,
        "GRIB_uuidOfHGrid": grid.uuid,
    }
    ds = xr.Dataset({variable: ("cell", np.zeros(grid.npoints, dtype=np.float32), attrs)})
    ds.encoding["source"] = str(message.path)
    cells, _ = grid_of(ds, variable, grid_file=grid_file)
    coords = {
        "latitude": ("cell", np.asarray(cells.latitudes).ravel()),
        "longitude": ("cell", np.asarray(cells.longitudes).ravel()),
    }
    return cells, ("cell",), coords


def _from_antimeridian(grid: RegularGrid, values: np.ndarray) -> tuple[RegularGrid, np.ndarray]:
    """A global grid starting at 0° (ERA5, GFS) turned to run from -180°, as the regions'
    longitudes do (else the regions west of 0° would lie off it); other grids as they are."""
    if abs(grid.nlon * grid.dlon - 360.0) > 1e-6 or grid.longitudes[-1] < 180.0:
        return grid, values
    wrapped = (grid.longitudes + 180.0) % 360.0 - 180.0
    order = np.argsort(wrapped, kind="stable")
    return replace(grid, lon0=round(float(wrapped[order[0]]), 6)), values[..., order]


def _stack(messages, members, times, levels, variable) -> np.ndarray:
    shape = messages[0].field.values.shape
    values = np.full((len(members), len(times), len(levels), *shape), np.nan, dtype=np.float32)
    member_at = {m: i for i, m in enumerate(members)}
    time_at = {t: i for i, t in enumerate(times)}
    level_at = {lv: i for i, lv in enumerate(levels)}
    filled = set()
    for m in messages:
        key = (member_at[m.field.member], time_at[m.valid_time], level_at[m.field.level])
        if key in filled:
            raise InvalidDataError(
                f"{m.path}: a second {variable} field for member {m.field.member}, "
                f"{format_time(m.valid_time)}, level {m.field.level:g}; is a file given twice?"
            )
        filled.add(key)
        values[key] = m.field.values
    missing = int(np.prod(values.shape[:3])) - len(filled)
    if missing:
        log.warning(
            "%s: %d of the %d (member, time, level) fields of %s are missing: their statistics "
            "are NaN",
            describe_files(sorted({m.path for m in messages})),
            missing,
            int(np.prod(values.shape[:3])),
            variable,
        )
    return values


def _attrs(message: _Message, hours: int) -> dict:
    """CF attributes; ``hours`` is the interval of a statistic over time (0: varies or none)."""
    field = message.field
    attrs = {}
    if message.units:
        attrs["units"] = message.units
    name = standard_name(field.short_name, field.keys.get("cfName"), message.units or "")
    if name:
        attrs["standard_name"] = name
    if field.keys.get("name"):
        attrs["long_name"] = str(field.keys["name"])
    method = STEP_METHODS.get(str(field.keys.get("stepType")))
    if method:
        interval = f" (interval: {hours} hour{'s' if hours != 1 else ''})" if hours > 0 else ""
        attrs["cell_methods"] = f"time: {method}{interval}"
    return attrs

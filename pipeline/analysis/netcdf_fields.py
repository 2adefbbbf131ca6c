"""NetCDF files as a :class:`~pipeline.analysis.fields.Field`.

The grid is whatever :func:`pipeline.geo.any_grid.grid_of` recognises (regular, rotated pole,
curvilinear, ICON cells with ``--grid-file``); the other dims must be known by their CF
attributes or usual names:

- valid time: a coordinate with ``standard_name`` time (or named ``time``/``valid_time``), or
  the forecast period (cfgrib's ``step``) added to the reference time;
- model run: ``forecast_reference_time`` (cfgrib's ``time``), one run at a time;
- member: ``realization``, or named ``number``/``member``/``ensemble``/``epsd*``;
- level: a vertical coordinate (``positive`` attribute, or a vertical standard name).

Each file is read on its own, so that errors name it; several files are combined by their
coordinates (more valid times or members of the same grid).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from pipeline.analysis.fields import (
    Field,
    Selection,
    choose_run,
    describe_files,
    wind_speed,
)
from pipeline.analysis.names import (
    DWD_SHORT_NAMES,
    STANDARD_NAMES,
    WIND_COMPONENTS,
    WIND_SPEED,
    variable_names,
    wanted,
)
from pipeline.analysis.thresholds import cf_units
from pipeline.errors import ConfigError, InvalidDataError
from pipeline.progress import progress

ENSEMBLE_NAMES = ("number", "member", "realization", "ensemble", "ens", "epsd")
VERTICAL_STANDARD_NAMES = {
    "air_pressure",
    "height",
    "altitude",
    "depth",
    "model_level_number",
    "atmosphere_hybrid_sigma_pressure_coordinate",
    "atmosphere_hybrid_height_coordinate",
}
VERTICAL_NAMES = ("isobaricInhPa", "isobaricInPa", "pressure", "plev", "level", "lev", "height")


def read_netcdf(
    paths: Sequence[Path], variable: str, selection: Selection, grid_file: Path | None
) -> Field:
    """``variable`` of the NetCDF files (see the module docstring)."""
    parts = [
        _read_one(path, variable, selection, grid_file)
        for path in progress(paths, desc="reading NetCDF", unit="file")
    ]
    runs = [p.data.coords.get("forecast_reference_time") for p in parts]
    runs = [r.values for r in runs if r is not None]
    if runs:  # each file is one run by now; several files may be several runs
        run = choose_run(runs, selection, describe_files(paths))
        parts = [p for p in parts if p.data["forecast_reference_time"].values == run]
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    for part in parts[1:]:
        if getattr(part.grid, "fingerprint", None) != getattr(first.grid, "fingerprint", None):
            raise InvalidDataError(
                f"{part.where}: on another grid than {first.where}; one grid at a time"
            )
    try:
        combined = xr.combine_by_coords(
            [p.data.to_dataset(name="value") for p in parts], combine_attrs="drop_conflicts"
        )["value"]
    except ValueError as exc:
        raise ConfigError(
            f"{describe_files(paths)}: cannot combine the files ({exc}); give files that differ "
            "only in their valid times or members"
        ) from None
    combined.attrs = first.data.attrs
    combined.name = first.data.name
    files = tuple(f for p in parts for f in p.files)
    return Field(combined, first.grid, files, first.source, first.notes)


def _read_one(path: Path, variable: str, selection: Selection, grid_file: Path | None) -> Field:
    try:
        ds = xr.open_dataset(path, engine="netcdf4", decode_timedelta=True)
    except (OSError, ValueError, RuntimeError) as exc:
        raise InvalidDataError(
            f"{path}: cannot be read as NetCDF ({exc}); check the file"
        ) from None
    with ds:
        names = wanted(variable)
        found = _matching(ds, names[0], path, variable)
        if found:
            return _field(ds, found, variable, path, selection, grid_file)
        if len(names) > 1:
            at_10m = WIND_SPEED[names[0]]
            parts = []
            for component in WIND_COMPONENTS:
                name = _matching(ds, component, path, variable, at_10m=at_10m)
                if not name:
                    raise ConfigError(
                        f"{path}: {variable} is derived from the eastward and northward wind, "
                        f"but there is no {component} (it holds {sorted(map(str, ds.data_vars))})"
                    )
                parts.append(_field(ds, name, component, path, selection, grid_file))
            return wind_speed(*parts)
    raise ConfigError(
        f"{path}: no variable {variable!r}; it holds {sorted(map(str, ds.data_vars))}"
    )


def _matching(
    ds: xr.Dataset, name: str, path: Path, variable: str, *, at_10m: bool = False
) -> str | None:
    """The one data variable answering to ``name`` (None if none does)."""
    found = [
        str(v)
        for v in ds.data_vars
        if name in variable_names(str(v), ds[v].attrs) and (not at_10m or _at_10m(ds[v]))
    ]
    if len(found) > 1:
        raise ConfigError(
            f"{path}: {variable!r} names several variables ({found}); give one by its name"
        )
    return found[0] if found else None


def _at_10m(da: xr.DataArray) -> bool:
    heights = [c for c in da.coords.values() if c.attrs.get("standard_name") == "height"]
    return any(c.size == 1 and float(c.values) == 10.0 for c in heights)


def _field(
    ds: xr.Dataset,
    name: str,
    variable: str,
    path: Path,
    selection: Selection,
    grid_file: Path | None,
) -> Field:
    from pipeline.geo.any_grid import grid_of, to_grid_layout

    grid, spatial = grid_of(ds, name, grid_file=grid_file)
    da = ds[name]
    roles = {dim: _role(da, dim, path, name) for dim in da.dims if dim not in spatial}
    da = _one_run(da, roles, selection, str(path))
    da = _valid_time(da, roles)
    renames = {d: r for d, r in roles.items() if r in ("member", "level") and d != r}
    da = da.rename(renames)
    if "member" not in da.dims:
        da = da.expand_dims(member=[0])
    elif np.issubdtype(da["member"].dtype, np.integer):
        da = da.assign_coords(member=da["member"].values.astype(np.int64))
    else:
        da = da.assign_coords(member=np.arange(da.sizes["member"]))
    lead = [d for d in ("member", "valid_time", "level") if d in da.dims]
    kept = _scalar_coords(da, spatial)  # the layout keeps only the dims' coordinates
    da = to_grid_layout(da.transpose(*lead, *spatial).load(), grid, spatial)
    cells = ("latitude", "longitude")  # on a cell dim, each cell's centre
    da = da.drop_vars([c for c in da.coords if c not in da.dims and c not in cells])
    da = da.assign_coords(kept)
    da = da.astype(np.float32)
    da.name = variable
    da.attrs = _attrs(name, ds[name].attrs)
    if "level" in da.coords:
        units = cf_units(da["level"].attrs.get("units"))
        da["level"].attrs = {k: v for k, v in da["level"].attrs.items() if k != "units"}
        if units:
            da["level"].attrs["units"] = units
    source = ", ".join(
        str(ds.attrs[k]) for k in ("institution", "source") if ds.attrs.get(k)
    ) or str(path.name)
    return Field(da, grid, (path,), source)


def _scalar_coords(da: xr.DataArray, spatial: tuple[str, ...]) -> dict:
    """The run's times, and a single level's height or pressure (under its standard name)."""
    kept = {}
    for name, coord in da.coords.items():
        if name in da.dims or set(coord.dims) & set(spatial):
            continue
        standard = coord.attrs.get("standard_name")
        if standard in ("forecast_reference_time", "forecast_period"):
            kept[name] = (coord.dims, coord.values, coord.attrs)  # not its own coordinates
        elif standard in VERTICAL_STANDARD_NAMES and coord.size == 1:
            attrs = dict(coord.attrs)
            units = cf_units(attrs.pop("units", None))
            kept[standard] = ((), coord.values, attrs | ({"units": units} if units else {}))
    return kept


def _role(da: xr.DataArray, dim: str, path: Path, name: str) -> str:
    coord = da.coords.get(dim)
    attrs = coord.attrs if coord is not None else {}
    standard = attrs.get("standard_name")
    kind = coord.dtype.kind if coord is not None else ""
    if standard == "forecast_reference_time":
        return "run"
    if standard == "time" or dim in ("time", "valid_time") or kind == "M":
        return "valid_time"
    if standard == "forecast_period" or dim == "step" or kind == "m":
        return "step"
    long_name = str(attrs.get("long_name", "")).lower()
    if (
        standard == "realization"
        or dim.lower().startswith(ENSEMBLE_NAMES)
        or "ensemble" in long_name
        or "perturbation" in long_name
    ):
        return "member"
    if standard in VERTICAL_STANDARD_NAMES or "positive" in attrs or dim in VERTICAL_NAMES:
        return "level"
    raise ConfigError(
        f"{path}: {name} has a dimension {dim!r} that is neither time, member, level nor the "
        f"grid's; select one of its values first (e.g. with cdo or xarray)"
    )


def _one_run(da: xr.DataArray, roles: dict, selection: Selection, where: str) -> xr.DataArray:
    """``da`` of one model run: the chosen one of a run dimension, as a scalar coordinate."""
    run_dims = [d for d, r in roles.items() if r == "run"]
    runs = [
        c for c in da.coords.values() if c.attrs.get("standard_name") == "forecast_reference_time"
    ]
    if run_dims:
        values = da[run_dims[0]].values
        chosen = choose_run(list(values), selection, where)
        da = da.sel({run_dims[0]: chosen})
        del roles[run_dims[0]]
    elif selection.run is not None and not runs:
        raise ConfigError(f"--run: {where} does not say which model run it is; leave out --run")
    return da


def _valid_time(da: xr.DataArray, roles: dict) -> xr.DataArray:
    """``da`` with a ``valid_time`` dim (if it has times), ``forecast_reference_time`` and
    ``forecast_period`` (hours) coordinates when the run is known."""
    reference = next(
        (
            c
            for c in da.coords.values()
            if c.attrs.get("standard_name") == "forecast_reference_time"
        ),
        None,
    )
    time_dims = [d for d, r in roles.items() if r in ("valid_time", "step")]
    if len(time_dims) > 1:
        raise ConfigError(f"{da.name}: two time dimensions {time_dims}; select along one first")
    scalar = [
        c.values
        for c in da.coords.values()
        if c.attrs.get("standard_name") == "time" and c.size == 1
    ]
    da = da.drop_vars([c for c in da.coords if c not in da.dims and _is_time(da[c])])
    if time_dims:
        dim = time_dims[0]
        if roles[dim] == "step":
            if reference is None:
                raise ConfigError(f"{da.name}: forecast steps without a reference time")
            da = da.assign_coords({dim: reference.values + da[dim].values})
        da = da.rename({dim: "valid_time"}) if dim != "valid_time" else da
        del roles[dim]
    elif scalar:
        da = da.expand_dims(valid_time=[np.datetime64(scalar[0], "ns")])
    if reference is not None:
        run = np.datetime64(reference.values, "ns")
        da = da.assign_coords(
            forecast_reference_time=((), run, {"standard_name": "forecast_reference_time"})
        )
        if "valid_time" in da.dims:
            hours = (da["valid_time"].values - run) / np.timedelta64(1, "h")
            da = da.assign_coords(
                forecast_period=(
                    "valid_time",
                    hours,
                    {"standard_name": "forecast_period", "units": "hours"},
                )
            )
    return da


def _is_time(coord: xr.DataArray) -> bool:
    return coord.dtype.kind in "mM" or coord.attrs.get("standard_name") in (
        "time",
        "forecast_reference_time",
        "forecast_period",
    )


def _attrs(name: str, attrs: dict) -> dict:
    """CF attributes of the variable: units as CF writes them, the standard name where known."""
    units = cf_units(attrs.get("units") or attrs.get("GRIB_units"))
    result = {"units": units} if units else {}
    short = attrs.get("GRIB_shortName") or DWD_SHORT_NAMES.get(name.upper())
    standard = attrs.get("standard_name")
    if standard in (None, "", "unknown"):
        standard = STANDARD_NAMES.get((short, units or ""))
    if standard:
        result["standard_name"] = str(standard)
    long_name = attrs.get("long_name") or attrs.get("GRIB_name")
    if long_name:
        result["long_name"] = str(long_name)
    if attrs.get("cell_methods"):
        result["cell_methods"] = str(attrs["cell_methods"])
    return result

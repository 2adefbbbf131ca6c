"""The analysts' outputs: a CSV table and CF-1.8 NetCDF, written atomically.

CSV: one row per region, valid time, member, level and threshold, with the region's name and
coverage, the data's ``units`` (of the statistics and of ``threshold``) and each threshold as
given. NetCDF: the statistics with dims (region, valid_time, member[, level][, threshold]); the
region ids and names are character arrays (``region_id``, ``region_name``) as auxiliary
coordinates, the run's reference time a scalar coordinate and the lead time ``forecast_period``.
Nothing in either file comes from the clock, so a rerun writes the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from pipeline.errors import ConfigError
from pipeline.files import atomic_path

SUFFIXES = (".csv", ".nc")
#: The key columns of the CSV, in order (those present).
KEYS = (
    "region",
    "region_name",
    "region_coverage",
    "forecast_reference_time",
    "valid_time",
    "forecast_period",
    "member",
    "level",
    "level_units",
    "units",
    "threshold",
    "threshold_given",
)
TIME_FORMAT = "%Y-%m-%dT%H:%MZ"


def check_output(out: Path) -> None:
    """Refuse an output crosswarn cannot write before any work is done."""
    if out.suffix not in SUFFIXES:
        raise ConfigError(f"--out {out}: the output must end in .csv or .nc")
    if out.is_dir():
        raise ConfigError(f"--out {out}: a directory; give a file name ending in .csv or .nc")


def write_result(result: xr.Dataset, out: Path) -> None:
    """Write ``result`` (of :func:`~pipeline.analysis.aggregate.summarise`) as CSV or NetCDF."""
    check_output(out)
    with atomic_path(out, keep_suffix=True) as tmp:
        if out.suffix == ".csv":
            csv_table(result).to_csv(tmp, index=False, float_format="%.6g")
        else:
            ds, encoding = cf_dataset(result)
            ds.to_netcdf(tmp, engine="netcdf4", encoding=encoding)


def csv_table(result: xr.Dataset) -> pd.DataFrame:
    """The statistics as a flat table (see the module docstring)."""
    stats = [v for v in result.data_vars if v != "region_coverage"]
    table = result[stats].drop_vars("threshold_given", errors="ignore").to_dataframe()
    table = table.reset_index()
    table = table.drop(columns=[c for c in ("region_name",) if c in table])
    regions = pd.Index(result["region"].values)
    at = regions.get_indexer(table["region"])
    table["region_name"] = result["region_name"].values[at]
    table["region_coverage"] = result["region_coverage"].values[at]
    table["units"] = result.attrs.get("units", "")  # of the statistics and the thresholds
    if "threshold" in result.dims:
        given = dict(zip(result["threshold"].values, result["threshold_given"].values, strict=True))
        table["threshold_given"] = table["threshold"].map(given)
    if "level" in result.dims:
        table["level_units"] = result["level"].attrs.get("units", "")
    for column in ("valid_time", "forecast_reference_time"):
        if column in table:
            table[column] = pd.to_datetime(table[column]).dt.strftime(TIME_FORMAT)
    keys = [k for k in KEYS if k in table]
    others = [c for c in table.columns if c not in keys and c in stats]
    return table[keys + others]


def cf_dataset(result: xr.Dataset) -> tuple[xr.Dataset, dict]:
    """``result`` as CF-1.8 NetCDF wants it, and the encoding to write it with."""
    ds = result.copy()
    ids = ds["region"].values.astype(str)
    ds = ds.drop_vars("region").assign_coords(
        region_id=("region", ids, {"long_name": "region id", "cf_role": "timeseries_id"})
    )
    if "valid_time" in ds.dims:
        ds["valid_time"].attrs.update(
            {"standard_name": "time", "axis": "T", "long_name": "valid time"}
        )
    ds["member"].attrs.update(
        {"standard_name": "realization", "long_name": "ensemble member", "units": "1"}
    )
    ds.attrs = {
        "Conventions": "CF-1.8",
        **{k: v for k, v in result.attrs.items() if k not in ("units",)},
        "institution": "crosswarn (open-source cross-border warning pipeline)",
    }
    encoding = {name: {"dtype": "S1"} for name in ("region_id", "region_name", "threshold_given")}
    encoding = {k: v for k, v in encoding.items() if k in ds.variables}
    for name in ds.data_vars:
        encoding[name] = {"zlib": True, "complevel": 4}
    for name in ds.coords:
        if name not in encoding:
            encoding[name] = {"_FillValue": None}
    if "valid_time" in ds.coords:
        reference = ds.coords.get("forecast_reference_time")
        origin = reference.values if reference is not None else ds["valid_time"].values.min()
        since = np.datetime_as_string(np.datetime64(origin, "s")).replace("T", " ")
        encoding["valid_time"] |= {"units": f"hours since {since}", "dtype": "float64"}
        if reference is not None:
            encoding["forecast_reference_time"] |= {
                "units": f"hours since {since}",
                "dtype": "float64",
            }
    return ds, encoding

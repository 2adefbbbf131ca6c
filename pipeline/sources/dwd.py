"""DWD ICON-D2 on the regular lat-lon grid, from DWD's open-data server.

Upstream facts (https://opendata.dwd.de/weather/nwp/icon-d2/grib/):

- One bz2-compressed GRIB2 file per run x variable x step, named
  ``icon-d2_germany_regular-lat-lon_single-level_{YYYYMMDDHH}_{FFF}_2d_{param}.grib2.bz2``
  under ``icon-d2/grib/{HH}/{param}/`` (lower-case parameter names, a ``2d`` segment).
- Runs every 3 h (00, 03, ..., 21 UTC), hourly steps to +48 h. DWD keeps about 24 h of runs,
  so inputs are archived at once.
- Grid: 0.02°, 746 x 1215 points from (43.18 N, 3.94 W); points outside ICON-D2's native domain
  are masked with a bitmap. The grid is read from every file and checked, never assumed.
- ``VMAX_10M`` is the maximum gust over the preceding output interval (1 h here); ``TOT_PREC`` is
  accumulated since the run started (kg m-2), so hourly amounts are differences of steps;
  ``T_2M`` is in K.

Licence: DWD open data are free to use under the GeoNutzV / CC BY 4.0 terms, with the attribution
"Source: Deutscher Wetterdienst".
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import dask
import dask.array as da
import numpy as np
import xarray as xr

from pipeline.download import fetch_all, write_manifest
from pipeline.errors import InvalidDataError, InvalidGridError
from pipeline.grib import GribField, RegularGrid, decode_fields
from pipeline.sources.base import (
    CANONICAL_UNITS,
    CF_STANDARD_NAMES,
    Source,
    Variable,
    parse_run,
)

log = logging.getLogger(__name__)

PACKING_NOISE_MM = 0.01


class IconD2(Source):
    """DWD ICON-D2, deterministic, regular lat-lon 0.02°."""

    id: ClassVar[str] = "dwd-icon-d2"
    description: ClassVar[str] = "DWD ICON-D2 (2.2 km), regular lat-lon 0.02°, +48 h"
    licence: ClassVar[str] = "CC BY 4.0 (DWD open data, GeoNutzV)"
    attribution: ClassVar[str] = "Source: Deutscher Wetterdienst (DWD), ICON-D2"
    model: ClassVar[str] = "icon-d2"
    model_name: ClassVar[str] = "DWD ICON-D2"
    # All 49 steps of a run are usually on the server about 75-90 min after the run starts.
    publication_delay_minutes: ClassVar[int] = 90
    cycle_hours: ClassVar[int] = 3
    max_lead_hours: ClassVar[int] = 48
    variables: ClassVar[dict[str, Variable]] = {
        "vmax_10m": Variable("wind_gust", (0, 2, 22), "interval_max"),
        "tot_prec": Variable("precipitation_1h", (0, 1, 52), "accumulated"),
        "t_2m": Variable("air_temperature", (0, 0, 0), "instant", offset=-273.15),
        "u_10m": Variable("eastward_wind", (0, 2, 2), "instant"),
        "v_10m": Variable("northward_wind", (0, 2, 3), "instant"),
    }
    #: What a run fetches and opens unless told otherwise: the variables the criteria use.
    default_params: ClassVar[tuple[str, ...]] = ("vmax_10m", "tot_prec", "t_2m")

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    # -- pure -------------------------------------------------------------------------------
    def steps(self) -> list[int]:
        return list(range(self.max_lead_hours + 1))

    def file_name(self, run: str, param: str, step: int) -> str:
        return (
            f"{self.model}_germany_regular-lat-lon_single-level_{run}_{step:03d}_2d_{param}"
            ".grib2.bz2"
        )

    def locate(self, run: str, param: str, step: int) -> str:
        """URL of one file; pure (no I/O)."""
        when = parse_run(run, cycle_hours=self.cycle_hours, source_id=self.id)
        return (
            f"{self.base_url}/{self.model}/grib/{when:%H}/{param}/"
            f"{self.file_name(run, param, step)}"
        )

    def archive_path(self, archive: Path, run: str, param: str, step: int) -> Path:
        return archive / self.id / run / param / self.file_name(run, param, step)

    # -- I/O ----------------------------------------------------------------------------------
    def fetch(
        self,
        run: str,
        archive: Path,
        *,
        params: list[str] | None = None,
        steps: list[int] | None = None,
        workers: int = 4,
    ) -> Path:
        """Download every file of the run into the archive (idempotent); return the run dir."""
        params = params or list(self.default_params)
        jobs = [
            (self.locate(run, p, s), self.archive_path(archive, run, p, s))
            for p in params
            for s in (steps if steps is not None else self.steps())
        ]
        run_dir = archive / self.id / run
        files = [
            replace(f, path=str(dest.relative_to(run_dir)))
            for f, (_, dest) in zip(fetch_all(jobs, workers=workers), jobs, strict=True)
        ]
        write_manifest(run_dir, files)
        log.info("%s %s: %d files archived in %s", self.id, run, len(files), run_dir)
        return run_dir

    def open(self, run: str, archive: Path, *, params: list[str] | None = None) -> xr.Dataset:
        """Open an archived run lazily as canonical variables on (member, valid_time, lat, lon).

        Valid times are steps 1..48: the hour ending at each of them carries a gust maximum and a
        precipitation amount. Each step is one dask chunk, decoded only when computed.
        """
        params = params or list(self.default_params)
        reference = parse_run(run, cycle_hours=self.cycle_hours, source_id=self.id)
        first = self._decode(self.archive_path(archive, run, params[0], 0), params[0], None)
        grid = first.grid
        steps = self.steps()[1:]
        data_vars = {}
        for param in params:
            var = self.variables[param]
            paths = [self.archive_path(archive, run, param, s) for s in self.steps()]
            missing = [p for p in paths if not p.exists()]
            if missing:
                raise InvalidDataError(
                    f"{self.id} {run}: {len(missing)} file(s) of {param} missing from the archive, "
                    f"first {missing[0]}; fetch the run again"
                )
            chunks = []
            for step in steps:
                prev = paths[step - 1] if var.kind == "accumulated" else None
                block = dask.delayed(self._normalised)(paths[step], prev, param, grid)
                chunks.append(da.from_delayed(block, shape=grid.shape, dtype=np.float32))
            array = da.stack(chunks)[None]  # (member, valid_time, lat, lon)
            data_vars[var.canonical] = (
                ("member", "valid_time", "latitude", "longitude"),
                array,
                {
                    "units": CANONICAL_UNITS[var.canonical],
                    "standard_name": CF_STANDARD_NAMES[var.canonical],
                    "source_parameter": param.upper(),
                    "interval_hours": 1,
                },
            )
        return xr.Dataset(
            data_vars,
            coords={
                "member": [0],
                "valid_time": [
                    np.datetime64(reference.replace(tzinfo=None) + timedelta(hours=s), "ns")
                    for s in steps
                ],
                "step_hours": ("valid_time", steps),
                "latitude": ("latitude", grid.latitudes, {"units": "degrees_north"}),
                "longitude": ("longitude", grid.longitudes, {"units": "degrees_east"}),
            },
            attrs={
                "source": self.id,
                "run": run,
                "reference_time": reference.isoformat(),
                "institution": "Deutscher Wetterdienst",
                "attribution": self.attribution,
                "licence": self.licence,
                "production_status": first.production_status,
                "grid_fingerprint": grid.fingerprint,
                "Conventions": "CF-1.10",
            },
        )

    def _decode(self, path: Path, param: str, grid: RegularGrid | None) -> GribField:
        fields = decode_fields(path)
        if len(fields) != 1:
            raise InvalidDataError(f"{path}: expected one GRIB message, found {len(fields)}")
        field = fields[0]
        expected = self.variables[param].grib
        found = (field.discipline, field.category, field.number)
        if found != expected:
            raise InvalidDataError(
                f"{path}: holds GRIB parameter {found}, expected {expected} for {param}"
            )
        if grid is not None and field.grid != grid:
            raise InvalidGridError(
                f"{path}: grid {field.grid.describe()} differs from the run's {grid.describe()}"
            )
        return field

    def _normalised(
        self, path: Path, previous: Path | None, param: str, grid: RegularGrid
    ) -> np.ndarray:
        var = self.variables[param]
        values = self._decode(path, param, grid).values
        if previous is not None:
            values = values - self._decode(previous, param, grid).values
            negative = values < 0
            if negative.any():
                # Tiny negatives are packing noise of the accumulated field; larger ones are not.
                worst = float(np.nanmin(values))
                log.log(
                    logging.WARNING if worst < -PACKING_NOISE_MM else logging.DEBUG,
                    "%s: %d negative precipitation increments clipped to 0 (min %.3g mm)",
                    path.name,
                    int(negative.sum()),
                    worst,
                )
                values[negative] = 0.0
        if var.scale != 1.0 or var.offset:
            values = values * np.float32(var.scale) + np.float32(var.offset)
        return values.astype(np.float32, copy=False)

"""DWD ICON-D2, ICON-EU and their ensembles, from DWD's open-data server.

Upstream facts (https://opendata.dwd.de/weather/nwp/, ../shared/research/mission_anchors.md §2.1):

- One bz2-compressed GRIB2 file per run x variable x step under ``{model}/grib/{HH}/{param}/``;
  each HH directory holds only the latest run of that hour (DWD keeps about 24 h), so inputs
  are archived at once. Ensemble files hold every member (one message per member).
- ICON-D2: every 3 h, hourly to +48 h, 0.02° lat-lon. ICON-EU: 00/06/12/18 UTC to +78 h hourly
  then 3-hourly to +120 h, side runs 03/09/15/21 UTC to +30 h, 0.0625° lat-lon (its domain has
  changed before: 657 x 1097 in 2020-2022, 657 x 1377 today). ICON-D2-EPS (20 members, every
  3 h, hourly to +48 h) and ICON-EU-EPS (40 members, 00/06/12/18 UTC, hourly to +48 h, 3-hourly
  to +72 h, 6-hourly to +120 h) exist only on the icosahedral grid, read as a ``cell`` dimension.
  Grids are read from every file and checked, never assumed.
- ``VMAX_10M``, ``TMAX_2M`` and ``TMIN_2M`` are extremes over the preceding output interval
  (1, 3 or 6 h depending on the step); every file's interval is checked against the step table
  and recorded per valid time in the ``interval_hours`` coordinate. ICON-EU-EPS writes
  VMAX_10M as a maximum since the run start (steps 0-1, 0-2, ... in the real files); that is
  checked the same way and kept as such (``window`` attribute), since an hourly maximum cannot
  be recovered from a running one. ``TOT_PREC`` is accumulated
  since the run start (kg m-2 = mm), so window amounts are differences of steps.

Licence: DWD open data, free to use with the attribution "Source: Deutscher Wetterdienst"
(GeoNutzV; compatible with CC BY 4.0).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pipeline.errors import ConfigError, DataNotYetAvailable, RunRemoved
from pipeline.geo.icon_grid import UnstructuredGrid
from pipeline.runs import RunId
from pipeline.sources.base import RunStatus, Variable
from pipeline.sources.download import ArchivedFile, fetch_all, list_directory, write_manifest
from pipeline.sources.grib_source import GribSource
from pipeline.sources.grid_files import cached_grid
from pipeline.units import KELVIN

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)

#: DWD's parameter names (as in file names, lower case) and what they are. Data, not code.
DWD_VARIABLES: dict[str, Variable] = {
    "vmax_10m": Variable("wind_gust", (0, 2, 22), "interval_max"),
    "tot_prec": Variable("precipitation", (0, 1, 52), "accumulated"),
    "t_2m": Variable("air_temperature", (0, 0, 0), "instant", offset=KELVIN),
    "tmax_2m": Variable("air_temperature_max", (0, 0, 0), "interval_max", offset=KELVIN),
    "tmin_2m": Variable("air_temperature_min", (0, 0, 0), "interval_min", offset=KELVIN),
    "cape_ml": Variable("cape", (0, 7, 6), "instant"),
    "u_10m": Variable("eastward_wind", (0, 2, 2), "instant"),
    "v_10m": Variable("northward_wind", (0, 2, 3), "instant"),
    # Present weather (WMO 4677) at the output time, from the precipitation since the previous
    # output and the state then; ICON diagnoses 95/96 thunderstorm, 56/57 freezing drizzle,
    # 66/67 freezing rain, 71-77 and 85/86 snow. DWD-local parameter 0/19/25.
    "ww": Variable("weather_code", (0, 19, 25), "instant"),
    # Grid-scale and convective snowfall, water equivalent accumulated since the run start.
    "snow_gsp": Variable("snowfall_grid_scale", (0, 1, 56), "accumulated"),
    "snow_con": Variable("snowfall_convective", (0, 1, 55), "accumulated"),
}

_RUN_STEP = re.compile(r"_(\d{10})_(\d{3})_")


class DwdIcon(GribSource):
    """One ICON product on DWD's open-data server; subclasses hold the product's facts."""

    model: ClassVar[str]  # path and file name prefix, e.g. "icon-d2"
    domain: ClassVar[str]  # "germany" or "europe"
    grid_kind: ClassVar[str]  # "regular-lat-lon" or "icosahedral"
    level_tag: ClassVar[str] = ""  # ICON-D2 names carry "2d_" before the parameter
    upper_case_files: ClassVar[bool] = False  # ICON-EU writes T_2M, VMAX_10M in file names
    members: ClassVar[int] = 1
    #: Run hours with the full lead time; the other hours on the cycle are shorter side runs.
    main_hours: ClassVar[tuple[int, ...]]
    side_run_hours: ClassVar[int] = 0
    grid_file: ClassVar[tuple[str, int] | None] = None  # (name, number) for icosahedral grids
    #: Extremes this product writes over the run so far instead of the output interval.
    since_run_start: ClassVar[frozenset[str]] = frozenset()
    published: ClassVar[tuple[str, ...]]
    default_params: ClassVar[tuple[str, ...]] = ("vmax_10m", "tot_prec", "t_2m")
    #: Parameters without a file at step 0 (ICON-D2's ww starts at +1 h).
    not_at_start: ClassVar[frozenset[str]] = frozenset()
    table: ClassVar[dict[str, Variable]] = DWD_VARIABLES
    institution: ClassVar[str] = "Deutscher Wetterdienst"
    licence: ClassVar[str] = "DWD open data (GeoNutzV), compatible with CC BY 4.0"

    def __init__(
        self,
        base_url: str,
        *,
        cache_dir: Path | None = None,
        grid_base_url: str | None = None,
        backoff_s: float = 1.0,
        timeout_s: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.cache_dir = cache_dir or Path(".cache")
        self.grid_base_url = grid_base_url
        self.backoff_s = backoff_s  # first wait between retries; doubles each time
        self.timeout_s = timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> DwdIcon:
        return cls(
            settings.dwd_base_url,
            cache_dir=settings.cache_dir,
            grid_base_url=settings.dwd_grid_url,
        )

    # -- pure -------------------------------------------------------------------------------
    def steps(self, run: str) -> list[int]:
        """Output steps (hours) of ``run``: main runs have the full table, side runs are short."""
        when = RunId(run, cycle_hours=self.cycle_hours, source_id=self.id).time
        if when.hour not in self.main_hours:
            return list(range(self.side_run_hours + 1))
        return self.main_steps()

    def main_steps(self) -> list[int]:
        raise NotImplementedError

    def run_hours(self) -> list[int]:
        return list(range(0, 24, self.cycle_hours))

    def file_name(self, run: str, param: str, step: int) -> str:
        name = param.upper() if self.upper_case_files else param
        return (
            f"{self.model}_{self.domain}_{self.grid_kind}_single-level_{run}_{step:03d}_"
            f"{self.level_tag}{name}.grib2.bz2"
        )

    def directory(self, run: str, param: str) -> str:
        when = RunId(run, cycle_hours=self.cycle_hours, source_id=self.id).time
        return f"{self.base_url}/{self.model}/grib/{when:%H}/{param}"

    def locate(self, run: str, param: str, step: int) -> str:
        """URL of one file; pure (no I/O)."""
        return f"{self.directory(run, param)}/{self.file_name(run, param, step)}"

    def archive_path(self, archive: Path, run: str, param: str, step: int) -> Path:
        return archive.joinpath(self.id, run, param, self.file_name(run, param, step))

    # -- discovery ----------------------------------------------------------------------------
    def available_runs(self, params: list[str] | None = None) -> list[str]:
        """Runs of which the server lists at least one file of the first parameter, oldest first."""
        param = self.check_params(params)[0]
        runs = set()
        for hour in self.run_hours():
            directory = f"{self.base_url}/{self.model}/grib/{hour:02d}/{param}"
            for name in list_directory(directory):
                match = _RUN_STEP.search(name)
                if match and name.startswith(f"{self.model}_{self.domain}_{self.grid_kind}_"):
                    runs.add(match.group(1))
        return self.runs_of(runs)

    def run_status(self, run: str, params: list[str] | None = None) -> RunStatus:
        """Which of the run's expected files (every variable x step) the listings lack."""
        params = self.check_params(params)
        missing, expected = [], 0
        for param in params:
            listed = set(list_directory(self.directory(run, param)))
            for step in self.steps(run):
                if not step and param in self.not_at_start:
                    continue
                expected += 1
                name = self.file_name(run, param, step)
                if name not in listed:
                    missing.append(name)
        return RunStatus(self.id, run, expected, tuple(missing))

    # -- I/O ----------------------------------------------------------------------------------
    def fetch(
        self,
        run: str,
        archive: Path,
        *,
        params: list[str] | None = None,
        steps: list[int] | None = None,
        workers: int = 4,
        manifest: bool = True,
        known: Mapping[Path, ArchivedFile] | None = None,
    ) -> Path:
        """Download every file of the run into the archive (idempotent); return the run dir.

        ``manifest=False`` skips the run's manifest (when fetching one variable of several);
        ``known`` gives the records of files this process has just archived (not hashed again).
        """
        jobs = self.files(run, archive, params=params, steps=steps)
        run_dir = archive / self.id / run
        try:
            records = fetch_all(
                jobs,
                workers=workers,
                backoff_s=self.backoff_s,
                timeout_s=self.timeout_s,
                known=known,
            )
        except DataNotYetAvailable as exc:
            self._raise_if_removed(run, params, archive, exc)
            raise
        files = [
            replace(f, path=str(dest.relative_to(run_dir)))
            for f, (_, dest) in zip(records, jobs, strict=True)
        ]
        if manifest:
            write_manifest(run_dir, files)
        log.info("%s %s: %d files archived in %s", self.id, run, len(files), run_dir)
        return run_dir

    def files(
        self,
        run: str,
        archive: Path,
        *,
        params: list[str] | None = None,
        steps: list[int] | None = None,
    ) -> list[tuple[str, Path]]:
        """(URL, archive path) of each file :meth:`fetch` archives (default: every step of
        the default variables)."""
        steps = self.steps(run) if steps is None else steps
        return [
            (self.locate(run, p, s), self.archive_path(archive, run, p, s))
            for p in self.check_params(params)
            for s in steps
            if s or p not in self.not_at_start
        ]

    def _raise_if_removed(
        self, run: str, params: list[str] | None, archive: Path, cause: Exception
    ) -> None:
        """A run none of whose files are listed while a newer one is, was deleted upstream."""
        status = self.run_status(run, params)
        if len(status.missing) < status.expected:
            return  # still being published
        newer = [r for r in self.available_runs(params) if r > run]
        if newer:
            kept = sum(1 for _ in (archive / self.id / run).glob("*/*.grib2*"))
            raise RunRemoved(
                f"{self.id} {run} is no longer on {self.base_url} (DWD keeps about 24 h; the "
                f"newest run there is {newer[-1]}); {kept} verified files of it stay in the "
                "archive, but the run cannot be completed: process a newer run"
            ) from cause

    def grid(self) -> UnstructuredGrid:
        """The icosahedral grid of an EPS product (downloaded once and cached)."""
        if self.grid_file is None:
            raise ConfigError(f"{self.id} is on a regular grid; its grid comes from each file")
        name, number = self.grid_file
        return cached_grid(
            name,
            number,
            base_url=self.base_url,
            cache_dir=self.cache_dir,
            grid_base_url=self.grid_base_url,
        )


class IconD2(DwdIcon):
    """DWD ICON-D2, deterministic, regular lat-lon 0.02°."""

    id: ClassVar[str] = "dwd-icon-d2"
    attribution: ClassVar[str] = "Source: Deutscher Wetterdienst (DWD), ICON-D2"
    model: ClassVar[str] = "icon-d2"
    model_name: ClassVar[str] = "DWD ICON-D2"
    domain: ClassVar[str] = "germany"
    grid_kind: ClassVar[str] = "regular-lat-lon"
    level_tag: ClassVar[str] = "2d_"
    # All 49 steps of a run are usually on the server about 75-90 min after the run starts.
    publication_delay_minutes: ClassVar[int] = 90
    cycle_hours: ClassVar[int] = 3
    main_hours: ClassVar[tuple[int, ...]] = tuple(range(0, 24, 3))
    max_lead_hours: ClassVar[int] = 48
    published: ClassVar[tuple[str, ...]] = tuple(DWD_VARIABLES)
    default_params: ClassVar[tuple[str, ...]] = (
        "vmax_10m",
        "tot_prec",
        "t_2m",
        "ww",
        "snow_gsp",
        "snow_con",
    )
    not_at_start: ClassVar[frozenset[str]] = frozenset({"ww"})

    def main_steps(self) -> list[int]:
        return list(range(49))


class IconD2Eps(IconD2):
    """DWD ICON-D2-EPS, 20 members, native icosahedral grid R19B07 (about 2 km)."""

    id: ClassVar[str] = "dwd-icon-d2-eps"
    attribution: ClassVar[str] = "Source: Deutscher Wetterdienst (DWD), ICON-D2-EPS"
    model: ClassVar[str] = "icon-d2-eps"
    model_name: ClassVar[str] = "DWD ICON-D2-EPS"
    grid_kind: ClassVar[str] = "icosahedral"
    members: ClassVar[int] = 20
    publication_delay_minutes: ClassVar[int] = 120
    grid_file: ClassVar[tuple[str, int] | None] = ("icon_grid_0047_R19B07_L", 47)
    # No ww (not found on DWD's server for the EPS) and no hail diameter.
    published: ClassVar[tuple[str, ...]] = (
        "vmax_10m",
        "tot_prec",
        "t_2m",
        "cape_ml",
        "u_10m",
        "v_10m",
        "snow_gsp",
        "snow_con",
    )
    default_params: ClassVar[tuple[str, ...]] = (
        "vmax_10m",
        "tot_prec",
        "t_2m",
        "snow_gsp",
        "snow_con",
    )
    not_at_start: ClassVar[frozenset[str]] = frozenset()


class IconEu(DwdIcon):
    """DWD ICON-EU, deterministic, regular lat-lon 0.0625°."""

    id: ClassVar[str] = "dwd-icon-eu"
    attribution: ClassVar[str] = "Source: Deutscher Wetterdienst (DWD), ICON-EU"
    model: ClassVar[str] = "icon-eu"
    model_name: ClassVar[str] = "DWD ICON-EU"
    domain: ClassVar[str] = "europe"
    grid_kind: ClassVar[str] = "regular-lat-lon"
    upper_case_files: ClassVar[bool] = True
    publication_delay_minutes: ClassVar[int] = 240
    cycle_hours: ClassVar[int] = 3
    main_hours: ClassVar[tuple[int, ...]] = (0, 6, 12, 18)
    side_run_hours: ClassVar[int] = 30
    max_lead_hours: ClassVar[int] = 120
    published: ClassVar[tuple[str, ...]] = tuple(DWD_VARIABLES)
    default_params: ClassVar[tuple[str, ...]] = (
        "vmax_10m",
        "tot_prec",
        "t_2m",
        "ww",
        "snow_gsp",
        "snow_con",
    )

    def main_steps(self) -> list[int]:
        return list(range(79)) + list(range(81, 121, 3))


class IconEuEps(IconEu):
    """DWD ICON-EU-EPS, 40 members, native icosahedral grid R02B07 nest (about 20 km)."""

    id: ClassVar[str] = "dwd-icon-eu-eps"
    attribution: ClassVar[str] = "Source: Deutscher Wetterdienst (DWD), ICON-EU-EPS"
    model: ClassVar[str] = "icon-eu-eps"
    model_name: ClassVar[str] = "DWD ICON-EU-EPS"
    grid_kind: ClassVar[str] = "icosahedral"
    upper_case_files: ClassVar[bool] = False
    members: ClassVar[int] = 40
    cycle_hours: ClassVar[int] = 6
    publication_delay_minutes: ClassVar[int] = 300
    grid_file: ClassVar[tuple[str, int] | None] = ("icon_grid_0028_R02B07_N02", 28)
    # DWD's ICON-EU-EPS files state VMAX_10M over steps 0-1, 0-2, ... (the real files in
    # ../shared/data/nwp/dwd_icon-eu-eps_climada): a maximum since the run start, kept as such.
    since_run_start: ClassVar[frozenset[str]] = frozenset({"vmax_10m"})
    # Its single-level fields hold no ww, tmax/tmin or hail (DWD's listing, 2026).
    published: ClassVar[tuple[str, ...]] = (
        "vmax_10m",
        "tot_prec",
        "t_2m",
        "cape_ml",
        "u_10m",
        "v_10m",
        "snow_gsp",
        "snow_con",
    )
    default_params: ClassVar[tuple[str, ...]] = (
        "vmax_10m",
        "tot_prec",
        "t_2m",
        "snow_gsp",
        "snow_con",
    )

    def main_steps(self) -> list[int]:
        return list(range(49)) + list(range(51, 73, 3)) + list(range(78, 121, 6))


class IconD2Ruc(DwdIcon):
    """DWD ICON-D2-RUC, the rapid update cycle: hourly runs, about 40 min after run time, on the
    native icosahedral grid R19B07 (ICON-D2-EPS's), under DWD's newer open-data layout.

    Layout (../shared/research, r19 notes): ``{base}/v1/m/icon-d2-ruc/p/{PARAM}/r/
    {YYYY-MM-DD}T{HH}:00/s/PT{hhh}H{mm}M.grib2``, parameter names in upper case, one
    uncompressed GRIB2 message per file; runs listed as ``r/`` subdirectories, steps as files in
    ``s/``. DWD announced +14 h in 2025 (later runs reach further): crosswarn reads the hourly
    steps to +14 h, the freshest guidance for thunderstorms and short-lead warnings. The RUC is
    convection-permitting, so there is no convective snow (SNOW_CON); VMAX_10M and WW start at
    +1 h; it has no hail diameter (DEMAX_HAIL_S is in metres per ecCodes, unverified: not read).
    """

    id: ClassVar[str] = "dwd-icon-d2-ruc"
    attribution: ClassVar[str] = "Source: Deutscher Wetterdienst (DWD), ICON-D2-RUC"
    model: ClassVar[str] = "icon-d2-ruc"
    model_name: ClassVar[str] = "DWD ICON-D2-RUC"
    domain: ClassVar[str] = "germany"
    grid_kind: ClassVar[str] = "icosahedral"
    publication_delay_minutes: ClassVar[int] = 45
    cycle_hours: ClassVar[int] = 1
    main_hours: ClassVar[tuple[int, ...]] = tuple(range(24))
    max_lead_hours: ClassVar[int] = 14
    grid_file: ClassVar[tuple[str, int] | None] = ("icon_grid_0047_R19B07_L", 47)
    published: ClassVar[tuple[str, ...]] = ("vmax_10m", "tot_prec", "t_2m", "ww", "snow_gsp")
    default_params: ClassVar[tuple[str, ...]] = published
    not_at_start: ClassVar[frozenset[str]] = frozenset({"vmax_10m", "ww"})

    def main_steps(self) -> list[int]:
        return list(range(self.max_lead_hours + 1))

    def _runs_url(self, param: str) -> str:
        return f"{self.base_url}/v1/m/{self.model}/p/{param.upper()}/r"

    def file_name(self, run: str, param: str, step: int) -> str:
        return f"PT{step:03d}H00M.grib2"

    def directory(self, run: str, param: str) -> str:
        when = RunId(run, cycle_hours=self.cycle_hours, source_id=self.id).time
        return f"{self._runs_url(param)}/{when:%Y-%m-%dT%H}%3A00/s"

    def archive_path(self, archive: Path, run: str, param: str, step: int) -> Path:
        return archive / self.id / run / param / f"{self.model}_{run}_{step:03d}_{param}.grib2"

    def available_runs(self, params: list[str] | None = None) -> list[str]:
        """Runs listed under the first parameter's ``r/`` directory, oldest first."""
        param = self.check_params(params)[0]
        names = list_directory(self._runs_url(param), directories=True)
        return self.runs_of(_ruc_run(name) for name in names)


def _ruc_run(name: str) -> str:
    """A RUC run directory name ("2026-01-15T07:00") as a run id ("2026011507"); anything else
    unchanged (and then skipped by :meth:`Source.runs_of` with a warning)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):00", name)
    return "".join(match.groups()) if match else name

"""ECMWF open data: IFS HRES (``ecmwf-ifs``) and the 50 + 1 member ensemble (``ecmwf-ens``).

Upstream facts (../shared/research/mission_anchors.md §2.3, the ecmwf-opendata README):

- ``{root}/{YYYYMMDD}/{HH}z/ifs/0p25/{stream}/{YYYYMMDDHH}0000-{step}h-{stream}-{type}.grib2``
  with a JSON-lines ``.index`` beside each file: one line per message with its MARS keys
  (``param``, ``type``, ``number``, ``levtype``, ``step``) and its ``_offset`` and ``_length``
  in bytes. We read the index and download only the messages we need (HTTP Range requests),
  one archive file per (variable, step), as for every source.
- Streams: ``oper`` (HRES, file type ``fc``) and ``enfo`` (ENS, file type ``ef``: the control
  ``cf`` number 0 and the perturbed members ``pf`` 1-50). Before IFS cycle 50r1 (12 May 2026)
  the 06/18 UTC HRES runs were the ``scda`` stream.
- Steps: HRES 00/12 UTC 0-144 h by 3, 150-240 h by 6; 06/18 UTC 0-90 h by 3. ENS 00/12 UTC 0-144 h
  by 3, 150-360 h by 6; 06/18 UTC 0-144 h by 3. crosswarn's ensemble takes them to
  ``max_lead_hours`` (144 h: national warnings look at most five days ahead; beyond, each run
  would download 13 GB for nothing a crisis cell acts on).
- 0.25° global grid, 721 x 1440 from 90° N and 180° W, GRIB2 (CCSDS packing). Only the area
  around the regions is kept (``crop``).
- ``10fg`` is the 10 m gust "since the previous post-processing", a maximum over a period ending
  at the step within the output interval; ``tp`` is accumulated since the run start, in metres
  (converted to mm); ``2t`` in K.
- Available 7-9 h after the run starts.

Licence: CC BY 4.0, "Copyright © ECMWF. Source www.ecmwf.int" carried into every output.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import httpx

from pipeline.errors import CrosswarnError, DataNotYetAvailable, InvalidDataError
from pipeline.files import write_bytes_atomic
from pipeline.geo.grids import RegularGrid
from pipeline.runs import RunId
from pipeline.sources.base import RunStatus, Variable
from pipeline.sources.download import (
    ByteRange,
    fetch_all,
    get_with_retries,
    list_directory,
    write_manifest,
)
from pipeline.sources.grib_source import GribSource
from pipeline.units import KELVIN

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)

#: ECMWF's parameter short names (MARS ``param``) and what they are. Data, not code.
ECMWF_VARIABLES: dict[str, Variable] = {
    # The gust maximum over a period ending at the step: eccodes names it 10fg, 10fg3 or 10fg6
    # depending on the period, so it is recognised by its GRIB2 parameter and process.
    "10fg": Variable("wind_gust", (0, 2, 22), "interval_max"),
    "tp": Variable(
        "precipitation", None, "accumulated", scale=1000.0, match=(("shortName", "tp"),)
    ),
    "2t": Variable("air_temperature", None, "instant", offset=KELVIN, match=(("shortName", "2t"),)),
    "10u": Variable("eastward_wind", None, "instant", match=(("shortName", "10u"),)),
    "10v": Variable("northward_wind", None, "instant", match=(("shortName", "10v"),)),
    # Precipitation type at the step (code table 4.201: 3 freezing rain, 12 freezing drizzle,
    # 5 snow, ...; 0 where nothing falls): a snapshot, not the interval's.
    "ptype": Variable("precipitation_type", None, "instant", match=(("shortName", "ptype"),)),
    # Snowfall, metres of water equivalent since the run start (IFS; not confirmed for ENS).
    "sf": Variable("snowfall", None, "accumulated", scale=1000.0, match=(("shortName", "sf"),)),
}

#: Names the index may give a variable (the first one listed is taken).
INDEX_NAMES: dict[str, tuple[str, ...]] = {"10fg": ("10fg", "10fg3", "10fg6")}

#: The date IFS cycle 50r1 moved the 06/18 UTC HRES runs from ``scda`` to ``oper``.
CYCLE_50R1 = "2026051200"

GLOBAL_0P25 = RegularGrid(lat0=-90.0, lon0=-180.0, dlat=0.25, dlon=0.25, nlat=721, nlon=1440)


class EcmwfOpenData(GribSource):
    """One ECMWF open-data product; subclasses hold the product's facts."""

    model: ClassVar[str] = "ifs"
    resolution: ClassVar[str] = "0p25"
    file_type: ClassVar[str]  # "fc" or "ef" (in file names)
    message_types: ClassVar[tuple[str, ...]]  # MARS types of the messages we take
    institution: ClassVar[str] = "European Centre for Medium-Range Weather Forecasts (ECMWF)"
    licence: ClassVar[str] = "CC BY 4.0"
    cycle_hours: ClassVar[int] = 6
    publication_delay_minutes: ClassVar[int] = 480
    table: ClassVar[dict[str, Variable]] = ECMWF_VARIABLES
    published: ClassVar[tuple[str, ...]] = tuple(ECMWF_VARIABLES)
    default_params: ClassVar[tuple[str, ...]] = ("10fg", "tp", "2t")
    interval_within: ClassVar[bool] = True
    expected_grid: ClassVar[RegularGrid | None] = GLOBAL_0P25
    crop: ClassVar[tuple[float, float, float, float] | None] = (46.0, 57.0, -1.0, 13.0)

    def __init__(
        self,
        base_url: str,
        *,
        backoff_s: float = 2.0,
        timeout_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings) -> EcmwfOpenData:
        return cls(settings.ecmwf_base_url)

    # -- pure -------------------------------------------------------------------------------
    def steps(self, run: str) -> list[int]:
        when = RunId(run, cycle_hours=self.cycle_hours, source_id=self.id).time
        return [s for s in self.step_table(when.hour) if s <= self.max_lead_hours]

    def step_table(self, hour: int) -> list[int]:
        raise NotImplementedError

    def stream(self, run: str) -> str:
        raise NotImplementedError

    def directory(self, run: str) -> str:
        when = RunId(run, cycle_hours=self.cycle_hours, source_id=self.id).time
        stream = self.stream(run)
        return f"{self.base_url}/{when:%Y%m%d}/{when:%H}z/{self.model}/{self.resolution}/{stream}"

    def file_name(self, run: str, step: int, suffix: str = "grib2") -> str:
        stream = self.stream(run)
        file_type = "fc" if stream == "scda" else self.file_type
        return f"{run}0000-{step}h-{stream}-{file_type}.{suffix}"

    def locate(self, run: str, step: int, suffix: str = "grib2") -> str:
        """URL of the step's GRIB file (or its ``index``); pure (no I/O)."""
        return f"{self.directory(run)}/{self.file_name(run, step, suffix)}"

    def archive_path(self, archive: Path, run: str, param: str, step: int) -> Path:
        name = self.file_name(run, step).removesuffix(".grib2")
        return archive / self.id / run / param / f"{name}_{param}.grib2"

    def member_numbers(self) -> list[int]:
        return list(range(self.members)) if self.members > 1 else [0]

    # -- discovery ----------------------------------------------------------------------------
    def run_status(self, run: str, params: list[str] | None = None) -> RunStatus:
        """Which of the run's steps have no index listed yet (ECMWF writes it after the file)."""
        self.check_params(params)
        listed = set(list_directory(self.directory(run)))
        names = [self.file_name(run, s, "index") for s in self.steps(run)]
        missing = tuple(n for n in names if n not in listed)
        return RunStatus(self.id, run, len(names), missing)

    def available_runs(self, params: list[str] | None = None) -> list[str]:
        """Runs of the dates the root lists (directories ``YYYYMMDD/``), oldest first."""
        dates = [
            d
            for d in list_directory(self.base_url, directories=True)
            if d.isdigit() and len(d) == 8
        ]
        runs = []
        for date in sorted(dates)[-2:]:
            for hour in list_directory(f"{self.base_url}/{date}", directories=True):
                if hour.endswith("z") and hour[:-1].isdigit():
                    run = f"{date}{int(hour[:-1]):02d}"
                    if int(hour[:-1]) % self.cycle_hours == 0:
                        runs.append(run)
        return self.runs_of(runs)

    # -- I/O ----------------------------------------------------------------------------------
    def ranges(self, index_text: str, origin: str, step: int, param: str) -> list[ByteRange]:
        """Byte ranges of ``param``'s messages (every member) in one step's file, merged where
        they touch. The index must list exactly the members we expect."""
        names = INDEX_NAMES.get(param, (param,))
        candidates: dict[str, list[tuple[int, int, int]]] = {name: [] for name in names}
        for entry in _index_entries(index_text, origin):
            if (
                entry.get("param") in candidates
                and entry.get("levtype", "sfc") == "sfc"
                and entry.get("type") in self.message_types
            ):
                member = int(entry.get("number", 0) or 0)
                candidates[entry["param"]].append((member, entry["_offset"], entry["_length"]))
        entries = next((found for found in candidates.values() if found), [])
        numbers = sorted(n for n, _, _ in entries)
        if numbers != self.member_numbers():
            shown = numbers if len(numbers) < 8 else f"{len(numbers)} members"
            raise InvalidDataError(
                f"{origin}: lists {param} for members {shown}, expected "
                f"{len(self.member_numbers())} (numbers {self.member_numbers()[0]}-"
                f"{self.member_numbers()[-1]}); ECMWF published an incomplete step {step}"
            )
        merged: list[ByteRange] = []
        for _, offset, length in sorted(entries, key=lambda e: e[1]):
            if merged and merged[-1][1] + 1 == offset:
                merged[-1] = (merged[-1][0], offset + length - 1)
            else:
                merged.append((offset, offset + length - 1))
        return merged

    def fetch(
        self,
        run: str,
        archive: Path,
        *,
        params: list[str] | None = None,
        steps: list[int] | None = None,
        workers: int = 4,
        manifest: bool = True,
    ) -> Path:
        """Download the wanted messages of every step into the archive (idempotent).

        Each step's index is read (only for steps not yet archived), then the byte ranges of
        each variable are fetched into one verified file per (variable, step).
        """
        params = self.check_params(params)
        table = self.steps(run) if steps is None else steps
        run_dir = archive / self.id / run
        paths = {
            (p, s): self.archive_path(archive, run, p, s)
            for p in params
            for s in (self.needed(p, table) if steps is None else table)
        }
        todo = sorted({s for (p, s), path in paths.items() if not path.exists()})
        indexes = self._indexes(run, todo, workers, run_dir / "index")
        jobs = []
        for (param, step), path in paths.items():
            if path.exists():
                jobs.append((self.locate(run, step), path))
                continue
            origin = self.locate(run, step, "index")
            jobs.append(
                (self.locate(run, step), path, self.ranges(indexes[step], origin, step, param))
            )
        records = fetch_all(jobs, workers=workers, backoff_s=self.backoff_s, sleep=self.sleep)
        files = [
            replace(f, path=str(job[1].relative_to(run_dir)))
            for f, job in zip(records, jobs, strict=True)
        ]
        if manifest:
            write_manifest(run_dir, files)
        log.info("%s %s: %d files archived in %s", self.id, run, len(files), run_dir)
        return run_dir

    def _indexes(self, run: str, steps: list[int], workers: int, cache: Path) -> dict[int, str]:
        """The index text of each step; every step is tried before a failure is raised.

        Indexes are kept under ``cache`` (the run's archive), so that the tasks fetching the
        other variables of the run (and reruns) do not download them again.
        """
        if not steps:
            return {}
        with httpx.Client(timeout=self.timeout_s, follow_redirects=True) as client:

            def one(step: int) -> str | CrosswarnError:
                url = self.locate(run, step, "index")
                kept = cache / self.file_name(run, step, "index")
                try:
                    if kept.exists():
                        return kept.read_text()
                    if url.startswith("file://"):
                        path = Path(url.removeprefix("file://"))
                        if not path.exists():
                            raise DataNotYetAvailable(f"{url}: not in the mirror (yet)")
                        text = path.read_text()
                    else:
                        text = get_with_retries(
                            url, client=client, backoff_s=self.backoff_s, sleep=self.sleep
                        ).text
                    _index_entries(text, url)  # a cut transfer is not kept
                    write_bytes_atomic(kept, text.encode())
                    return text
                except CrosswarnError as exc:
                    return exc

            with ThreadPoolExecutor(max_workers=workers) as pool:
                answers = dict(zip(steps, pool.map(one, steps), strict=True))
        failures = [a for a in answers.values() if isinstance(a, CrosswarnError)]
        serious = [f for f in failures if not isinstance(f, DataNotYetAvailable)]
        if serious:
            raise serious[0]
        if failures:
            raise DataNotYetAvailable(
                f"{self.id} {run}: {len(failures)} of {len(steps)} step indexes not published "
                f"yet, first: {failures[0]}"
            )
        return answers  # type: ignore[return-value]


def _index_entries(text: str, origin: str) -> list[dict]:
    """The entries of an index: each line a JSON object with a byte range (a cut transfer is
    not), ``_offset`` and ``_length`` as integers."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            entry["_offset"], entry["_length"] = int(entry["_offset"]), int(entry["_length"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidDataError(
                f"{origin}: line {number} is not an index entry ({exc!r}); fetch it again"
            ) from exc
        entries.append(entry)
    return entries


class EcmwfIfs(EcmwfOpenData):
    """ECMWF IFS HRES (9 km, open data on 0.25°), 00/06/12/18 UTC."""

    id: ClassVar[str] = "ecmwf-ifs"
    model_name: ClassVar[str] = "ECMWF IFS HRES"
    attribution: ClassVar[str] = (
        "Copyright © ECMWF, IFS HRES open data (CC BY 4.0). Source www.ecmwf.int"
    )
    file_type: ClassVar[str] = "fc"
    message_types: ClassVar[tuple[str, ...]] = ("fc",)
    max_lead_hours: ClassVar[int] = 240
    default_params: ClassVar[tuple[str, ...]] = ("10fg", "tp", "2t", "ptype", "sf")

    def step_table(self, hour: int) -> list[int]:
        if hour in (6, 18):
            return list(range(0, 91, 3))
        return list(range(0, 144, 3)) + list(range(144, 241, 6))

    def stream(self, run: str) -> str:
        if run < CYCLE_50R1 and run[8:] in ("06", "18"):
            return "scda"
        return "oper"


class EcmwfEns(EcmwfOpenData):
    """ECMWF ENS: control and 50 perturbed members, 00/06/12/18 UTC."""

    id: ClassVar[str] = "ecmwf-ens"
    model_name: ClassVar[str] = "ECMWF ENS"
    attribution: ClassVar[str] = (
        "Copyright © ECMWF, ENS open data (CC BY 4.0). Source www.ecmwf.int"
    )
    file_type: ClassVar[str] = "ef"
    message_types: ClassVar[tuple[str, ...]] = ("cf", "pf")
    members: ClassVar[int] = 51
    max_lead_hours: ClassVar[int] = 144
    # ptype is in ENS open data since November 2024; sf is not confirmed there.
    published: ClassVar[tuple[str, ...]] = ("10fg", "tp", "2t", "10u", "10v", "ptype")
    default_params: ClassVar[tuple[str, ...]] = ("10fg", "tp", "2t", "ptype")
    publication_delay_minutes: ClassVar[int] = 510

    def step_table(self, hour: int) -> list[int]:
        if hour in (6, 18):
            return list(range(0, 145, 3))
        return list(range(0, 144, 3)) + list(range(144, 361, 6))

    def stream(self, run: str) -> str:
        return "enfo"

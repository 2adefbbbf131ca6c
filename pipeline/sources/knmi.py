"""KNMI HARMONIE-AROME Cy43 P1 through the KNMI Data Platform Open Data API.

Upstream facts (../shared/research/mission_anchors.md §2.2, https://developer.dataplatform.knmi.nl):

- Dataset ``harmonie_arome_cy43_p1`` version ``1.0``. ``GET {api}/datasets/{name}/versions/{v}/
  files`` lists files; ``GET .../files/{filename}/url`` answers ``temporaryDownloadUrl``, a
  pre-signed URL the file is downloaded from (without our key). API calls carry the key as the
  ``Authorization`` header (no "Bearer"); HTTP 429 asks us to slow down (Retry-After).
- One run is one tar, ``HARM43_V1_P1_{YYYYMMDDHH}.tar`` (~900 MB), of GRIB1 files, one per lead
  time: ``HA43_N20_{YYYYMMDDHH}00_{LLL}00_GB``. There is no per-step download, so the tar is
  streamed and only the messages of the wanted variables are kept: per (variable, step) one
  file in the archive, as for every source.
- GRIB1, centre 99 (KNMI De Bilt), local parameter table 2 version 253; level type 105 = height
  above ground. 162/163 are the 10 m gust components (their magnitude is the gust speed),
  11 is 2 m temperature (K), 61 total precipitation since the run start (kg m-2 = mm), 33/34 the
  10 m wind. Gusts are maxima over the preceding hour (checked per file).
- Grid P1: regular lat-lon 390 x 390, 0.018° (lat) x 0.029° (lon) from 49.0° N, 0.0° E: NL, BE,
  LU and NRW; the south of Lorraine and the Saar are outside it. Hourly output to +60 h.
  Runs every hour; the tar is complete about 2.5 h after the run starts.

Licence: KNMI open data, CC BY 4.0, "Source: KNMI".
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import tarfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import eccodes
import httpx

from pipeline.errors import (
    ConfigError,
    DataNotYetAvailable,
    InvalidDataError,
    SourceUnavailable,
)
from pipeline.geo.grids import RegularGrid
from pipeline.retry import call_with_retries
from pipeline.runs import RunId
from pipeline.sources.base import RunStatus, Variable
from pipeline.sources.download import check_status, get_with_retries, record_file, write_manifest
from pipeline.sources.grib import iter_messages, message_keys
from pipeline.sources.grib_source import GribSource
from pipeline.units import KELVIN

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)


def _table253(parameter: int, height: int) -> tuple[tuple[str, Any], ...]:
    """A KNMI local-table-253 parameter at ``height`` m above ground (level type 105)."""
    return (
        ("table2Version", 253),
        ("indicatorOfParameter", parameter),
        ("indicatorOfTypeOfLevel", 105),
        ("level", height),
    )


#: KNMI's local parameter table 253, as far as crosswarn reads it. Data, not code.
KNMI_VARIABLES: dict[str, Variable] = {
    "gust": Variable(
        "wind_gust",
        None,
        "interval_max",
        components=(_table253(162, 10), _table253(163, 10)),
    ),
    "precipitation": Variable("precipitation", None, "accumulated", match=_table253(61, 0)),
    "t2m": Variable("air_temperature", None, "instant", offset=KELVIN, match=_table253(11, 2)),
    "u10m": Variable("eastward_wind", None, "instant", match=_table253(33, 10)),
    "v10m": Variable("northward_wind", None, "instant", match=_table253(34, 10)),
}

_MEMBER = re.compile(r"^HA43_N20_(\d{10})00_(\d{3})00_GB$")
_RUN_FILE = re.compile(r"^HARM43_V1_P1_(\d{10})\.tar$")


class KnmiHarmonie(GribSource):
    """KNMI HARMONIE-AROME Cy43 P1 (2.5 km), hourly to +60 h, from the KNMI Data Platform."""

    id: ClassVar[str] = "knmi-harmonie"
    model_name: ClassVar[str] = "KNMI HARMONIE-AROME"
    institution: ClassVar[str] = "Koninklijk Nederlands Meteorologisch Instituut (KNMI)"
    licence: ClassVar[str] = "KNMI open data, CC BY 4.0"
    attribution: ClassVar[str] = "Source: KNMI, HARMONIE-AROME Cy43 P1 (CC BY 4.0)"
    dataset: ClassVar[str] = "harmonie_arome_cy43_p1"
    version: ClassVar[str] = "1.0"
    cycle_hours: ClassVar[int] = 1
    publication_delay_minutes: ClassVar[int] = 150
    max_lead_hours: ClassVar[int] = 60
    table: ClassVar[dict[str, Variable]] = KNMI_VARIABLES
    published: ClassVar[tuple[str, ...]] = tuple(KNMI_VARIABLES)
    default_params: ClassVar[tuple[str, ...]] = ("gust", "precipitation", "t2m")
    fetch_in_one: ClassVar[bool] = True
    expected_grid: ClassVar[RegularGrid | None] = RegularGrid(
        lat0=49.0, lon0=0.0, dlat=0.018, dlon=0.029, nlat=390, nlon=390
    )

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        backoff_s: float = 5.0,
        timeout_s: float = 120.0,
        attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.sleep = sleep

    def __repr__(self) -> str:  # never shows the key
        return f"KnmiHarmonie({self.base_url!r}, api_key={'***' if self._api_key else None})"

    def __getstate__(self) -> dict:
        """A pickled copy (a Dask graph, a process pool) never carries the API key."""
        return {**self.__dict__, "_api_key": None}

    @classmethod
    def from_settings(cls, settings: Settings) -> KnmiHarmonie:
        key = settings.knmi_api_key.get_secret_value() if settings.knmi_api_key else None
        return cls(settings.knmi_base_url, key)

    # -- pure -------------------------------------------------------------------------------
    def steps(self, run: str) -> list[int]:
        RunId(run, cycle_hours=self.cycle_hours, source_id=self.id)  # checks it
        return list(range(self.max_lead_hours + 1))

    def file_name(self, run: str) -> str:
        RunId(run, cycle_hours=self.cycle_hours, source_id=self.id)  # checks it
        return f"HARM43_V1_P1_{run}.tar"

    def member_name(self, run: str, step: int) -> str:
        return f"HA43_N20_{run}00_{step:03d}00_GB"

    def files_url(self) -> str:
        return f"{self.base_url}/datasets/{self.dataset}/versions/{self.version}/files"

    def archive_path(self, archive: Path, run: str, param: str, step: int) -> Path:
        return archive / self.id / run / param / f"{self.member_name(run, step)}_{param}.grib"

    # -- API --------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        if not self._api_key:
            raise ConfigError(
                "knmi-harmonie needs a KNMI Data Platform API key: set CROSSWARN_KNMI_API_KEY, "
                "or in Airflow the password of the Connection 'knmi_open_data' "
                "(https://developer.dataplatform.knmi.nl/open-data-api)"
            )
        return {"Authorization": self._api_key}

    def _client(self) -> httpx.Client:
        return httpx.Client(timeout=self.timeout_s, follow_redirects=True)

    def _get_json(self, client: httpx.Client, url: str, params: dict | None = None) -> dict:
        response = get_with_retries(
            url,
            client=client,
            headers=self._headers(),
            params=params,
            attempts=self.attempts,
            backoff_s=self.backoff_s,
            sleep=self.sleep,
        )
        try:
            return response.json()
        except ValueError as exc:
            raise SourceUnavailable(f"{url}: answer is not JSON ({exc})") from exc

    def list_files(self, *, max_keys: int = 48) -> list[str]:
        """Names of the newest files of the dataset, newest first (one page)."""
        with self._client() as client:
            answer = self._get_json(
                client,
                self.files_url(),
                {"maxKeys": max_keys, "orderBy": "lastModified", "sorting": "desc"},
            )
        try:
            return [entry["filename"] for entry in answer["files"]]
        except (KeyError, TypeError) as exc:
            raise SourceUnavailable(
                f"{self.files_url()}: listing without 'files[].filename' ({exc!r})"
            ) from exc

    def available_runs(self, params: list[str] | None = None) -> list[str]:
        """Runs whose tar the dataset lists, oldest first."""
        runs = (_RUN_FILE.match(name) for name in self.list_files())
        return self.runs_of(match.group(1) for match in runs if match)

    def run_status(self, run: str, params: list[str] | None = None) -> RunStatus:
        """A run is complete once its tar is listed (KNMI publishes whole runs)."""
        self.check_params(params)
        name = self.file_name(run)
        listed = name in self.list_files()
        return RunStatus(self.id, run, 1, () if listed else (name,))

    def latest_complete_run(self, params: list[str] | None = None) -> str:
        runs = self.available_runs(params)
        if not runs:
            raise DataNotYetAvailable(f"{self.id}: the dataset lists no run at {self.base_url}")
        return runs[-1]

    def download_url(self, client: httpx.Client, run: str) -> str:
        """The temporary (pre-signed) URL of the run's tar."""
        url = f"{self.files_url()}/{self.file_name(run)}/url"
        answer = self._get_json(client, url)
        try:
            return answer["temporaryDownloadUrl"]
        except (KeyError, TypeError) as exc:
            raise SourceUnavailable(f"{url}: answer without 'temporaryDownloadUrl'") from exc

    # -- I/O ----------------------------------------------------------------------------------
    def fetch(
        self,
        run: str,
        archive: Path,
        *,
        params: list[str] | None = None,
        steps: list[int] | None = None,
        workers: int = 1,
        manifest: bool = True,
    ) -> Path:
        """Stream the run's tar once and archive every default (and requested) variable.

        Nothing enters the archive until the whole tar has been read and every wanted
        (variable, step) was found in it; then each file is renamed into place. A run already
        archived is not downloaded again. ``workers`` is unused (one tar, one stream).
        """
        params = list(dict.fromkeys([*self.default_params, *self.check_params(params)]))
        table = self.steps(run) if steps is None else steps
        run_dir = archive / self.id / run
        wanted = {
            (p, s): self.archive_path(archive, run, p, s)
            for p in params
            for s in (self.needed(p, table) if steps is None else table)
        }
        if not all(path.exists() for path in wanted.values()):
            self._download(run, run_dir, wanted)
        files = [
            replace(
                record_file(
                    f"{self.files_url()}/{self.file_name(run)}#{self.member_name(run, s)}", path
                ),
                path=str(path.relative_to(run_dir)),
            )
            for (_, s), path in wanted.items()
        ]
        if manifest:
            write_manifest(run_dir, files)
        log.info("%s %s: %d files archived in %s", self.id, run, len(files), run_dir)
        return run_dir

    def _download(self, run: str, run_dir: Path, wanted: dict[tuple[str, int], Path]) -> None:
        name = self.file_name(run)

        def attempt() -> None:
            staging = run_dir / f".staging-{uuid.uuid4().hex[:16]}"
            try:
                with self._client() as client:
                    url = self.download_url(client, run)
                    staged = self._stream_tar(client, url, name, run, staging, wanted)
                for key, path in wanted.items():  # everything was found: move into place
                    path.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(staged[key], path)
            finally:
                shutil.rmtree(staging, ignore_errors=True)

        call_with_retries(
            attempt,
            what=name,
            attempts=self.attempts,
            backoff_s=self.backoff_s,
            retry_on=(SourceUnavailable, InvalidDataError),
            sleep=self.sleep,
        )

    def _stream_tar(
        self,
        client: httpx.Client,
        url: str,
        name: str,
        run: str,
        staging: Path,
        wanted: dict[tuple[str, int], Path],
    ) -> dict[tuple[str, int], Path]:
        """Read the tar from ``url`` as a stream; write the wanted messages under ``staging``."""
        shown = url.split("?", 1)[0]  # the query of a pre-signed URL is a credential
        staged: dict[tuple[str, int], Path] = {}
        steps = {s for _, s in wanted}
        try:
            with client.stream("GET", url) as response:  # no API key: it is pre-signed
                check_status(response, f"{name} ({shown})")
                stream = io.BufferedReader(_ResponseStream(response.iter_bytes(1 << 20)))
                with tarfile.open(fileobj=stream, mode="r|") as tar:
                    for member in tar:
                        match = _MEMBER.match(Path(member.name).name)
                        if not member.isfile() or not match:
                            continue
                        if match.group(1) != run:
                            raise InvalidDataError(
                                f"{name}: member {member.name} belongs to run {match.group(1)}"
                            )
                        step = int(match.group(2))
                        if step not in steps:
                            continue
                        data = tar.extractfile(member).read()  # type: ignore[union-attr]
                        origin = f"{name}:{member.name}"
                        params = sorted(p for p, s in wanted if s == step)
                        for param, messages in self._select(data, origin, params).items():
                            path = staging / param / f"{self.member_name(run, step)}_{param}.grib"
                            path.parent.mkdir(parents=True, exist_ok=True)
                            path.write_bytes(b"".join(messages))
                            staged[param, step] = path
        except httpx.TransportError as exc:
            raise SourceUnavailable(f"{name}: download cut off: {type(exc).__name__}") from exc
        except (tarfile.TarError, EOFError) as exc:
            raise InvalidDataError(
                f"{name}: truncated or corrupt tar ({exc}); it is downloaded again"
            ) from exc
        missing = sorted(key for key in wanted if key not in staged)
        if missing:
            absent = sorted({s for _, s in missing})
            raise InvalidDataError(
                f"{name}: {len(absent)} lead time(s) missing from the tar, first "
                f"{self.member_name(run, absent[0])} (steps {absent[:5]}); the download or the run "
                "is incomplete: nothing of it was archived"
            )
        return staged

    def _select(self, data: bytes, origin: str, params: list[str]) -> dict[str, list[bytes]]:
        """The raw messages of each of ``params`` in one GRIB1 file of the tar."""
        keys = {k: t for p in params for k, t in self.table[p].keys.items()}
        found: dict[str, list[bytes]] = {p: [] for p in params}
        for handle in iter_messages(data, origin=origin):
            try:
                values = message_keys(handle, keys)
                for param in params:
                    var = self.table[param]
                    if any(var.has_keys(values, part) for part in var.parts):
                        found[param].append(eccodes.codes_get_message(handle))
            finally:
                eccodes.codes_release(handle)
        for param, messages in found.items():
            if len(messages) != len(self.table[param].parts):
                raise InvalidDataError(
                    f"{origin}: {len(messages)} message(s) of {param} "
                    f"({'; '.join(self.table[param].describe(p) for p in self.table[param].parts)})"
                    f", expected {len(self.table[param].parts)}"
                )
        return found


class _NoSignedQueries(logging.Filter):
    """Drops the query of URLs httpx logs: a pre-signed URL's query is a credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                a.copy_with(query=None) if isinstance(a, httpx.URL) and a.query else a
                for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_NoSignedQueries())


class _ResponseStream(io.RawIOBase):
    """A read-only raw file over an iterator of byte chunks, for ``tarfile`` stream mode."""

    def __init__(self, chunks) -> None:
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = memoryview(next(self._chunks))
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

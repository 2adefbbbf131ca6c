"""A DWD run's files fetched by the statistics that read them, for a run in one process
(``crosswarn run``).

Each file is downloaded when its statistics task needs it (or found in the archive), archived
as served and verified in the one decompression it gets (:func:`pipeline.sources.download.fetch`),
and its decompressed GRIB handed to the decode in memory: nothing is written decompressed and
read back, and memory holds the files being decoded, never the run. Where stages run as
separate tasks (Airflow), the fetch keeps each file's decompressed GRIB on disk instead, for the
statistics task to decode.

The run's first files can be fetched ahead (:meth:`StreamedFetch.ahead`) while the process is
still importing and planning, on cores that would otherwise idle; each is still fetched and
decompressed once, by whichever comes first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.settings import Settings
from pipeline.sources import make_source
from pipeline.sources.download import ArchivedFile, fetch, http_client, over_http
from pipeline.sources.dwd import DwdIcon

if TYPE_CHECKING:
    import httpx

#: The most decompressed GRIB fetched ahead (bytes); about 55 MB for ICON-D2's first second of
#: work, 70 MB for ICON-D2-EPS's.
AHEAD_BYTES = 256 * 2**20
#: Threads fetching ahead: one takes the core that loading and planning leave idle. Measured
#: on 2 cores (ICON-D2): one thread fetched 29 files ahead and fetch + statistics ended 0.3 s
#: sooner; two fetched 37 but slowed the loading as much as they gained.
AHEAD_WORKERS = 1


class StreamedFetch:
    """The files of ``source``'s ``run``, fetched into ``archive`` as :meth:`read` asks for
    them; a context manager (it holds one HTTP client for every download)."""

    def __init__(self, source: DwdIcon, run: str, archive: Path) -> None:
        self.source = source
        self.run = run
        self.urls = {
            source.archive_path(archive, run, param, step): source.locate(run, param, step)
            for param in source.published
            for step in source.steps(run)
        }
        self._client: httpx.Client | None = None  # made by the first download over HTTP
        #: The manifest record of each file fetched (or found archived), with its sha256.
        self.records: dict[Path, ArchivedFile] = {}
        self._lock = threading.Lock()
        self._fetched_ahead: dict[Path, Future[bytes]] = {}
        self._read: set[Path] = set()  # asked for by read(): never fetched ahead any more
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def read(self, path: Path) -> bytes:
        """The GRIB of the run's file archived at ``path``, fetched first if need be."""
        with self._lock:
            self._read.add(path)
            ahead = self._fetched_ahead.pop(path, None)
        if ahead is not None:
            return ahead.result()  # waits if it is still being fetched
        return self._fetch(path)

    def _http(self) -> httpx.Client:
        """The one HTTP client of every download, made when first needed: a mirror on disk
        needs none, and making one (its TLS context) costs 40 ms of the start."""
        with self._lock:
            if self._client is None:
                self._client = http_client(self.source.timeout_s)
            return self._client

    def _fetch(self, path: Path) -> bytes:
        handed: list[bytes] = []
        url = self.urls[path]
        self.records[path] = fetch(
            url,
            path,
            client=self._http() if over_http(url) else None,
            backoff_s=self.source.backoff_s,
            hand_over=handed.append,
        )
        return handed[-1]

    def ahead(
        self,
        paths: Iterable[Path],
        *,
        workers: int,
        max_bytes: int = AHEAD_BYTES,
        unread: Iterable[Path] = (),
    ) -> None:
        """Fetch ``paths`` in that order in ``workers`` background threads, keeping each GRIB
        for :meth:`read`, until :meth:`stop_ahead` or ``max_bytes`` of GRIB are held. A file
        :meth:`read` asked for first is not fetched again; a failure is raised by the
        :meth:`read` of that file, as if it had fetched it. The files among ``paths`` that
        are also ``unread`` (no statistic reads them) are archived, their GRIB not kept; a
        failure of one is left to the archive's completion, which fetches it again."""
        queue = iter(list(paths))
        unread = set(unread)
        budget = [0]  # bytes of GRIB fetched ahead so far, by every thread

        def work() -> None:
            while not self._stop.is_set() and budget[0] < max_bytes:
                with self._lock:
                    path = next((p for p in queue if p not in self._read), None)
                    if path is None:
                        return
                    future: Future[bytes] = Future()
                    if path not in unread:
                        self._fetched_ahead[path] = future
                try:
                    data = self._fetch(path)
                except BaseException as exc:  # re-raised by the read() of this file
                    future.set_exception(exc)
                    return  # the rest is left to the readers
                future.set_result(data)
                if path not in unread:
                    with self._lock:
                        budget[0] += len(data)

        for k in range(workers):
            thread = threading.Thread(target=work, name=f"crosswarn-fetch-ahead-{k}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop_ahead(self) -> None:
        """Fetch nothing more ahead (the files in flight are finished and kept for
        :meth:`read`): the statistics' own workers take over."""
        self._stop.set()

    def __enter__(self) -> StreamedFetch:
        return self

    def __exit__(self, *exc) -> None:
        self.stop_ahead()
        for thread in self._threads:
            thread.join()
        if self._client is not None:
            self._client.close()


def streams(source) -> bool:
    """Whether ``source``'s statistics can fetch their own files: one file per (variable,
    step) at a URL of its own (DWD; not KNMI's run tar nor ECMWF's byte ranges)."""
    return isinstance(source, DwdIcon)


def _read(source: DwdIcon, run: str, archive: Path) -> dict[str, list[Path]]:
    """The files the statistics read, by default variable."""
    steps = source.steps(run)
    return {p: [source.archive_path(archive, run, p, s) for s in source.needed(p, steps)]
            for p in source.default_params}  # fmt: skip


def unread(source: DwdIcon, run: str, archive: Path) -> list[Path]:
    """The run's files the archive keeps that no statistic reads (the first step of an
    instantaneous variable)."""
    read = {path for paths in _read(source, run, archive).values() for path in paths}
    return [path for _, path in source.files(run, archive) if path not in read]


def first_reads(source: DwdIcon, run: str, archive: Path) -> list[Path]:
    """The order files are fetched ahead: the first the statistics read of each default
    variable (read while the run's tasks are planned), then the files no statistic reads
    (else the archive's completion fetches them after the statistics, on one core), then the
    accumulated variables' by step (the computation starts with their windows, which tie
    the steps together), then the others'."""
    files = _read(source, run, archive)
    accumulated = sorted(files, key=lambda p: source.table[p].kind != "accumulated")
    return list(dict.fromkeys([f[0] for f in files.values()] + unread(source, run, archive) + [
        path for param in accumulated for path in files[param]]))  # fmt: skip


def fetching_ahead(source_id: str, run: str, settings: Settings) -> StreamedFetch | None:
    """For ``crosswarn run``: the run's :class:`StreamedFetch`, already fetching its first files
    ahead (:data:`AHEAD_WORKERS`), when its statistics fetch their own files in this
    process (a DWD source, no Dask cluster); else None."""
    source = make_source(source_id, settings)
    if not streams(source) or settings.dask_scheduler:
        return None
    fetching = StreamedFetch(source, run, settings.archive_dir)
    archive = settings.archive_dir
    fetching.ahead(
        first_reads(source, run, archive),
        workers=AHEAD_WORKERS,
        unread=unread(source, run, archive),
    )
    return fetching

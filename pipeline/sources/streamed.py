"""A DWD run's files fetched by the statistics that read them, for a run in one process
(``crosswarn run``).

Each file is downloaded when its statistics task needs it (or found in the archive), archived
as served and verified in the one decompression it gets (:func:`pipeline.sources.download.fetch`),
and its decompressed GRIB handed to the decode in memory: nothing is written decompressed and
read back, and memory holds the files being decoded, never the run. Where stages run as
separate tasks (Airflow), the fetch keeps each file's decompressed GRIB on disk instead, for the
statistics task to decode.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from pipeline.sources.download import fetch
from pipeline.sources.dwd import DwdIcon


class StreamedFetch:
    """The files of ``source``'s ``run``, fetched into ``archive`` as :meth:`read` asks for
    them; a context manager (it holds one HTTP client for every download)."""

    def __init__(self, source: DwdIcon, run: str, archive: Path) -> None:
        self.source = source
        self.urls = {
            source.archive_path(archive, run, param, step): source.locate(run, param, step)
            for param in source.published
            for step in source.steps(run)
        }
        self.client = httpx.Client(timeout=source.timeout_s, follow_redirects=True)

    def read(self, path: Path) -> bytes:
        """The GRIB of the run's file archived at ``path``, fetched first if need be."""
        handed: list[bytes] = []
        fetch(
            self.urls[path],
            path,
            client=self.client,
            backoff_s=self.source.backoff_s,
            hand_over=handed.append,
        )
        return handed[-1]

    def __enter__(self) -> StreamedFetch:
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()


def streams(source) -> bool:
    """Whether ``source``'s statistics can fetch their own files: one file per (variable,
    step) at a URL of its own (DWD; not KNMI's run tar nor ECMWF's byte ranges)."""
    return isinstance(source, DwdIcon)

"""Idempotent, verified downloads into the archive.

Every file goes to a temporary name beside its destination, is verified (bz2 stream and GRIB
framing), then renamed into place; a file already present and verified is not fetched again.
The same code serves ``https://`` (the real server), ``http://`` (a loopback test server) and
``file://`` (a local mirror).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from pipeline.errors import (
    ConfigError,
    CrosswarnError,
    DataNotYetAvailable,
    InvalidDataError,
    RateLimited,
    SourceUnavailable,
)
from pipeline.files import temporary_name, write_bytes_atomic
from pipeline.progress import progress
from pipeline.retry import call_with_retries
from pipeline.sources.grib import check_framing, decompress, decompressed_path, read_bytes

if TYPE_CHECKING:  # httpx is imported where a request is made: a mirror on disk needs none
    import httpx

log = logging.getLogger(__name__)

RETRY_STATUS = {500, 502, 503, 504}
#: A byte range of a file, first and last byte inclusive (as in an HTTP Range header).
ByteRange = tuple[int, int]


@dataclass(frozen=True)
class ArchivedFile:
    url: str
    path: str  # relative to the run's archive directory
    size: int
    sha256: str
    retrieved_at: str


def fetch_all(
    jobs: Iterable[tuple[str, Path] | tuple[str, Path, list[ByteRange]]],
    *,
    workers: int = 4,
    attempts: int = 4,
    backoff_s: float = 1.0,
    timeout_s: float = 60.0,
    sleep: Callable[[float], None] = time.sleep,
    verify: Callable[..., None] | None = None,
    known: Mapping[Path, ArchivedFile] | None = None,
) -> list[ArchivedFile]:
    """Fetch each (url, destination) pair with bounded concurrency; return what was archived.
    ``verify`` checks each downloaded file (default: bz2 stream and GRIB framing, see
    :func:`fetch`). ``known`` gives the records of destinations this process has just fetched
    (with their sha256): still archived, they are taken as they are.

    A job may carry byte ranges: then only those parts of the URL are fetched (concatenated).
    Every job is attempted even when others fail, so that one run of the task archives all it
    can. Then the most serious failure is raised: corrupt data or a server failing after all
    retries first, "not yet published" (with how many files are missing) last.
    """
    jobs = list(jobs)
    known = known or {}
    # Files this process has just fetched and that are still archived are taken as they are.
    results: list = [known.get(job[1]) if job[1] in known and job[1].exists() else None
                     for job in jobs]  # fmt: skip
    todo = [job for job, result in zip(jobs, results, strict=True) if result is None]
    # One client for every download over HTTP (none for a mirror on disk).
    client = http_client(timeout_s) if any(over_http(job[0]) for job in todo) else None
    with client or nullcontext():

        def one(job: tuple) -> ArchivedFile | CrosswarnError:
            url, dest, *ranges = job
            try:
                return fetch(
                    url,
                    dest,
                    client=client,
                    attempts=attempts,
                    backoff_s=backoff_s,
                    sleep=sleep,
                    verify=verify,
                    ranges=ranges[0] if ranges else None,
                )
            except CrosswarnError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            fetched = pool.map(one, todo)
            every = (result if result is not None else next(fetched) for result in results)
            results = list(progress(every, desc="fetch", total=len(jobs), unit="file"))
    raise_worst([r for r in results if isinstance(r, CrosswarnError)], len(jobs))
    return results  # type: ignore[return-value]


def raise_worst(failures: list[CrosswarnError], total: int) -> None:
    """Raise the most serious of ``failures`` (of ``total`` jobs), if any: corrupt data, then
    a server failing after all retries, then a setting; "not yet published" last."""
    for kind in (InvalidDataError, SourceUnavailable, ConfigError):
        serious = [f for f in failures if isinstance(f, kind)]
        if serious:
            raise serious[0]
    if failures:
        raise DataNotYetAvailable(
            f"{len(failures)} of {total} files not published yet, first: {failures[0]}"
        )


def fetch(
    url: str,
    dest: Path,
    *,
    client: httpx.Client | None = None,
    attempts: int = 4,
    backoff_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    verify: Callable[..., None] | None = None,
    ranges: list[ByteRange] | None = None,
    hand_over: Callable[[bytes], None] | None = None,
) -> ArchivedFile:
    """Download ``url`` (or only its byte ``ranges``) to ``dest`` unless it is already there.

    The file is streamed to a temporary name beside ``dest``, checked by ``verify`` (default:
    bz2 stream and GRIB framing, in the one decompression the file gets: the decompressed GRIB
    is kept for the statistics, see :func:`decompressed_path`), and only then renamed into
    place; so a file at ``dest`` has been verified and is never downloaded again. 5xx answers,
    timeouts and dropped connections are retried with exponential backoff, 429 after the
    Retry-After the server asks for; 404 raises :class:`DataNotYetAvailable` at once.

    With ``hand_over`` (statistics reading the files as they are fetched, in one process), the
    decompressed GRIB is given to it instead of kept on disk; a file already archived is read
    for it (its decompressed copy, else decompressed now).
    """
    if dest.exists():
        record = record_file(url, dest)
        if hand_over is not None:
            hand_over(read_bytes(dest))
        return record
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(dest)
    # The temporary name keeps the real suffix so that verification knows how to decompress it.
    tmp = temporary_name(dest, keep_suffix=True)

    def attempt() -> ArchivedFile:
        try:
            raw = _copy_url(url, tmp, client, ranges, whole=verify is None)
            data = None
            if verify is None:
                digest, data = _verify_grib(tmp, dest, origin=url, keep=hand_over is None, raw=raw)
            else:
                verify(tmp, origin=url)
                digest = None
            os.replace(tmp, dest)
            if hand_over is not None:
                hand_over(data if data is not None else read_bytes(dest))
            return record_file(url, dest, sha256=digest)
        finally:
            tmp.unlink(missing_ok=True)

    return call_with_retries(
        attempt,
        what=url,
        attempts=attempts,
        backoff_s=backoff_s,
        retry_on=(SourceUnavailable, InvalidDataError),
        sleep=sleep,
    )


def check_status(response: httpx.Response, url: str) -> None:
    """Raise the crosswarn error an HTTP status means (``url`` names the request in it)."""
    status = response.status_code
    if status in (200, 206):
        return
    if status == 404:
        raise DataNotYetAvailable(f"{url}: not published yet (HTTP 404)")
    if status == 429:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        raise RateLimited(
            f"{url}: rate limited (HTTP 429), asked to retry after {retry_after:g} s",
            retry_after,
        )
    if status in (401, 403):
        raise ConfigError(
            f"{url}: access refused (HTTP {status}); check the API key or credentials set for "
            "this source"
        )
    if status in RETRY_STATUS:
        raise SourceUnavailable(f"{url}: server error HTTP {status}")
    raise SourceUnavailable(f"{url}: unexpected HTTP {status}")


def _retry_after(value: str | None) -> float:
    """Retry-After in seconds (delta-seconds or an HTTP date); 60 s when absent or unreadable."""
    if not value:
        return 60.0
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 60.0
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def get_with_retries(
    url: str,
    *,
    client: httpx.Client,
    headers: dict[str, str] | None = None,
    params: dict | None = None,
    attempts: int = 4,
    backoff_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
    """GET a small document (a listing, an index, an API answer) with the same retry rules as
    :func:`fetch`. ``headers`` are sent but never logged."""

    import httpx

    def attempt() -> httpx.Response:
        try:
            response = client.get(url, headers=headers, params=params)
        except httpx.TransportError as exc:
            raise SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
        check_status(response, url)
        return response

    return call_with_retries(attempt, what=url, attempts=attempts, backoff_s=backoff_s, sleep=sleep)


def _remove_stale_parts(dest: Path, max_age_s: float = 3600.0) -> None:
    """Remove temporary files a killed process left behind (older than ``max_age_s``)."""
    now, prefix = time.time(), f".{dest.stem}.tmp-"
    # (a listing, not a glob: a glob compiles its pattern, unique per file, each time)
    with os.scandir(dest.parent) as entries:
        stale = [Path(e.path) for e in entries if e.name.startswith(prefix)]
    for part in stale:
        try:
            if now - part.stat().st_mtime > max_age_s:
                part.unlink()
                log.info("removed stale partial download %s", part)
        except FileNotFoundError:
            pass


def list_directory(
    url: str, *, client: httpx.Client | None = None, directories: bool = False
) -> list[str]:
    """File names (or, with ``directories``, subdirectory names) in a directory listing: an
    HTML index page, or a ``file://`` directory.

    A missing directory is an empty listing: on DWD's server it means nothing published yet.
    """
    parsed = urlparse(url)
    if parsed.scheme == "file":
        folder = Path(unquote(parsed.path))
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_dir() == directories)
    import httpx

    own = client is None
    client = client or http_client(30.0)
    try:
        response = client.get(url.rstrip("/") + "/")
    except httpx.TransportError as exc:
        raise SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
    finally:
        if own:
            client.close()
    if response.status_code == 404:
        return []
    if response.status_code != 200:
        raise SourceUnavailable(f"{url}: directory listing answered HTTP {response.status_code}")
    hrefs = [unquote(h) for h in _HREF.findall(response.text)]
    if directories:  # a subdirectory's link ends with "/"
        hrefs = [h.rstrip("/") for h in hrefs if h.endswith("/")]
    names = {href.rsplit("/", 1)[-1] for href in hrefs}
    return sorted(n for n in names if n and not n.startswith(("?", "#", ".")))


_HREF = re.compile(r'href="([^"?#]+)"', re.IGNORECASE)


def _copy_url(
    url: str,
    tmp: Path,
    client: httpx.Client | None,
    ranges: list[ByteRange] | None = None,
    *,
    whole: bool = False,
) -> bytes | None:
    """Copy ``url`` (or its byte ``ranges``) to ``tmp``. With ``whole`` (the caller reads the
    file whole next: a GRIB file's verification), a ``file://`` mirror's file is read into
    memory once and returned, not copied and read back; other files are copied as streams."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        src = Path(unquote(parsed.path))
        if not src.exists():
            raise DataNotYetAvailable(f"{url}: not in the mirror (yet)")
        if ranges is None and whole:
            data = src.read_bytes()
            tmp.write_bytes(data)
            return data
        if ranges is None:
            shutil.copyfile(src, tmp)
            return None
        with src.open("rb") as fh, tmp.open("wb") as out:
            for first, last in ranges:
                fh.seek(first)
                out.write(fh.read(last - first + 1))
        return None
    if parsed.scheme not in ("http", "https"):
        raise SourceUnavailable(f"{url}: unsupported URL scheme {parsed.scheme!r}")
    import httpx

    own = client is None
    client = client or http_client(60.0)
    try:
        with tmp.open("wb") as fh:
            for byte_range in ranges or [None]:
                _stream_into(fh, url, client, byte_range)
            fh.flush()
            os.fsync(fh.fileno())
    except httpx.TransportError as exc:
        raise SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
    finally:
        if own:
            client.close()


def over_http(url: str) -> bool:
    """Whether ``url`` is downloaded over HTTP (else it is a ``file://`` mirror)."""
    return url.startswith(("http:", "https:"))


def http_client(timeout_s: float) -> httpx.Client:
    """An HTTP client following redirects, for one download or many."""
    import httpx

    return httpx.Client(timeout=timeout_s, follow_redirects=True)


def _stream_into(fh, url: str, client: httpx.Client, byte_range: ByteRange | None) -> None:
    """Append ``url`` (or one byte range of it) to ``fh``; a range must come back whole."""
    headers = {"Range": f"bytes={byte_range[0]}-{byte_range[1]}"} if byte_range else None
    with client.stream("GET", url, headers=headers) as response:
        check_status(response, url)
        if byte_range and response.status_code != 206:
            raise SourceUnavailable(
                f"{url}: asked for bytes {byte_range[0]}-{byte_range[1]}, the server answered "
                f"HTTP {response.status_code} instead of 206 Partial Content"
            )
        written = 0
        for chunk in response.iter_bytes(1 << 20):
            fh.write(chunk)
            written += len(chunk)
    if byte_range and written != byte_range[1] - byte_range[0] + 1:
        raise InvalidDataError(
            f"{url}: bytes {byte_range[0]}-{byte_range[1]} came back as {written} bytes; "
            "the transfer was cut short"
        )


def _verify_grib(
    tmp: Path, dest: Path, *, origin: str, keep: bool, raw: bytes | None = None
) -> tuple[str, bytes]:
    """Verify a downloaded GRIB file in one pass (``raw``: its bytes, if already in memory);
    return the sha256 of its bytes as served, and its GRIB (decompressed).

    A ``.bz2`` file is decompressed once: its messages are checked, and with ``keep`` the
    decompressed GRIB is kept at :func:`decompressed_path` of ``dest`` (written before ``dest``
    is renamed into place, so it is never older than the file it comes from) for the statistics
    to decode.
    """
    raw = tmp.read_bytes() if raw is None else raw
    data = decompress(raw, origin=origin) if tmp.suffix == ".bz2" else raw
    check_framing(data, origin=origin)
    if keep and tmp.suffix == ".bz2":
        copy = decompressed_path(dest)
        copy.parent.mkdir(parents=True, exist_ok=True)
        part = temporary_name(copy)
        try:
            part.write_bytes(data)
            os.replace(part, copy)
        finally:
            part.unlink(missing_ok=True)
    return hashlib.sha256(raw).hexdigest(), data


def record_file(url: str, dest: Path, *, sha256: str | None = None) -> ArchivedFile:
    """The manifest record of an archived file (its sha256 read in chunks unless known)."""
    if sha256 is None:
        digest = hashlib.sha256()
        with dest.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        sha256 = digest.hexdigest()
    stat = dest.stat()
    return ArchivedFile(
        url=url,
        path=dest.name,
        size=stat.st_size,
        sha256=sha256,
        retrieved_at=datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(),
    )


def write_manifest(run_dir: Path, files: list[ArchivedFile]) -> Path:
    """Write the run's manifest atomically (URL, size, sha256, retrieval time per file)."""
    manifest = run_dir / "manifest.json"
    records = sorted((asdict(f) for f in files), key=lambda r: r["path"])
    write_bytes_atomic(manifest, (json.dumps({"files": records}, indent=1) + "\n").encode())
    return manifest

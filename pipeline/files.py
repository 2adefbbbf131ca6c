"""The one atomic write: a temporary file beside the target, fsync, rename.

Readers never see a half-written file, and a crash leaves at most a hidden temporary file
(``.{name}.tmp-*``), never a damaged target. Temporary names are unique across hosts and
threads, so workers sharing a volume do not collide.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path


def temporary_name(target: Path, *, keep_suffix: bool = False) -> Path:
    """A hidden, unique name beside ``target`` (with its suffix, if ``keep_suffix``)."""
    tag = uuid.uuid4().hex[:16]
    if keep_suffix:
        return target.with_name(f".{target.stem}.tmp-{tag}{target.suffix}")
    return target.with_name(f".{target.name}.tmp-{tag}")


@contextmanager
def atomic_path(target: Path, *, keep_suffix: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write ``target`` through; on success it is fsynced and
    renamed into place, on failure removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(target, keep_suffix=keep_suffix)
    try:
        yield tmp
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


#: fsyncs in flight at once: each waits for the disk (a journal commit), so concurrent ones
#: share commits: hundreds of small files take a tenth of the time they take one by one.
FSYNC_THREADS = 8


def fsync_all(paths: Iterable[Path]) -> None:
    """fsync every file of ``paths``, several at once (same durability as one by one)."""

    def one(path: Path) -> None:
        with path.open("rb") as fh:
            os.fsync(fh.fileno())

    with ThreadPoolExecutor(FSYNC_THREADS) as pool:
        for _ in pool.map(one, paths):
            pass  # an error of any file is raised here


class SyncedWrites:
    """Files written and fsynced by a pool of threads while the caller goes on, each through
    one open: creating a file waits for the filesystem as an fsync does (a fraction of a
    millisecond of system time each on a virtual disk, a tenth of a second for a run's CAP
    messages). A context manager: on leaving, every file is on disk, or the first error of
    any is raised (after every write has ended either way)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(FSYNC_THREADS)
        self._pending: list[Future[None]] = []

    def write(self, path: Path, data: bytes) -> None:
        self._pending.append(self._pool.submit(_write_synced, path, data))

    def __enter__(self) -> SyncedWrites:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._pool.shutdown(wait=True)  # no thread writes on once the caller's error is raised
        if exc_type is None:
            for future in self._pending:
                future.result()  # an error of any file is raised here


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def write_synced_all(files: Mapping[Path, bytes]) -> None:
    """Write and fsync each (path, data) of ``files``, several at once (:class:`SyncedWrites`)."""
    with SyncedWrites() as writes:
        for path, data in files.items():
            writes.write(path, data)


def write_all_atomic(files: Mapping[Path, bytes]) -> None:
    """Write each (path, data) of ``files`` atomically, as :func:`write_bytes_atomic` does, but
    fsynced together: all temporary files written, then fsynced, then renamed into place."""
    temporary = {path: temporary_name(path) for path in files}
    try:
        for folder in {path.parent for path in files}:
            folder.mkdir(parents=True, exist_ok=True)
        write_synced_all({tmp: files[path] for path, tmp in temporary.items()})
        for path, tmp in temporary.items():
            os.replace(tmp, path)
    finally:
        for tmp in temporary.values():
            tmp.unlink(missing_ok=True)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(path: Path, data: object) -> None:
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    write_bytes_atomic(path, text.encode())


def json_by_line(data: Mapping[str, object]) -> str:
    """``data`` as JSON with each top-level entry, and each item of a top-level list or
    mapping, on its own line (compact within): as easy to read, diff and grep as indented JSON,
    and written by json's C encoder, which ``indent`` turns off (ICON-D2's assessment: 5 ms
    instead of 21)."""

    def encoded(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def block(value: object) -> str:
        if isinstance(value, list) and value:
            return "[\n  " + ",\n  ".join(map(encoded, value)) + "\n ]"
        if isinstance(value, Mapping) and value:
            items = (f"{encoded(str(k))}: {encoded(v)}" for k, v in sorted(value.items()))
            return "{\n  " + ",\n  ".join(items) + "\n }"
        return encoded(value)

    lines = (f" {encoded(str(key))}: {block(data[key])}" for key in sorted(data))
    return "{\n" + ",\n".join(lines) + "\n}\n"


#: Hidden names this module and the staged outputs give what is not finished yet:
#: ``.{name}.tmp-{tag}``, ``.{stem}.tmp-{tag}{suffix}``, ``.{name}.staging-{tag}``,
#: ``.{name}.old-{tag}`` and ``.staging-{tag}`` (KNMI's tar staging).
LEFTOVER = re.compile(r"^\.(?:.*\.)?(?:tmp|staging|old)-[0-9a-f]{16}(?:\.[^/]*)?$")


def leftovers(root: Path, older_than: datetime) -> list[Path]:
    """Files and directories a killed process left under ``root`` (by :data:`LEFTOVER`
    name), last modified before ``older_than``; nested ones inside a leftover not repeated."""
    if not root.is_dir():
        return []
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            if LEFTOVER.match(name) and path.lstat().st_mtime < older_than.timestamp():
                found.append(path)
        dirs[:] = [d for d in dirs if not LEFTOVER.match(d)]
    return sorted(found)


def remove(path: Path) -> None:
    """Remove a file or a directory tree."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


_RENAME_EXCHANGE = 2  # linux/fs.h


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux renameat2 RENAME_EXCHANGE), so that
    neither name is ever missing; False where the system or filesystem cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(
        at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), ctypes.c_uint(_RENAME_EXCHANGE)
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))

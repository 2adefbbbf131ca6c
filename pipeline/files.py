"""The one atomic write: a temporary file beside the target, fsync, rename.

Readers never see a half-written file, and a crash leaves at most a hidden temporary file
(``.{name}.tmp-*``), never a damaged target. Temporary names are unique across hosts and
threads, so workers sharing a volume do not collide.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(path: Path, data: object) -> None:
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    write_bytes_atomic(path, text.encode())

"""Files that fail their checks leave the archive: the next fetch downloads them again instead of
every rerun failing on the kept file."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import CrosswarnError, InvalidDataError, InvalidGridError
from pipeline.geo.grids import RegularGrid
from pipeline.sources.grib import decode_bytes, decompressed_path, read_bytes

QUARANTINE = "quarantine"


@contextmanager
def quarantined(archive: Path, path: Path):
    """Move ``path`` out of the archive when the block raises :class:`InvalidDataError`: to
    ``{archive}/quarantine/`` (same relative path) with the reason beside it, so the next fetch
    downloads it again instead of every rerun failing on the kept file. The error says where."""
    try:
        yield
    except InvalidDataError as exc:
        target = archive / QUARANTINE / path.resolve().relative_to(archive.resolve())
        decompressed_path(path).unlink(missing_ok=True)
        if path.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(path, target)
            except FileNotFoundError:  # another decode of the same run moved it meanwhile
                pass
            else:
                reason = f"{datetime.now(UTC).isoformat(timespec='seconds')} {exc}\n"
                target.with_name(target.name + ".reason.txt").write_text(reason)
        elif not target.exists():
            raise
        # (else another decode of the same run already moved it: same message)
        raise type(exc)(
            f"{exc}; the file was moved to {target} and is fetched again on the next attempt"
        ) from None


def odd_one_out(
    path: Path,
    first: Path,
    grid: RegularGrid,
    witnesses: list[Path],
    error: InvalidGridError,
    read: Callable[[Path], bytes] = read_bytes,
) -> tuple[Path, InvalidGridError]:
    """Which of two files with different grids is wrong: ``path``, or ``first`` (whose grid the
    run took)? A third file decides (the first of ``witnesses`` ``read`` can give): if it is not
    on ``first``'s grid either, ``first`` is."""
    for witness in (w for w in witnesses if w != path):
        try:
            fields = decode_bytes(read(witness), origin=str(witness))
        except CrosswarnError:  # not there (yet) or unreadable: no witness
            continue
        if fields[0].grid != grid:
            return first, InvalidGridError(
                f"{first}: grid {grid.describe()} differs from the run's other files "
                f"({path.name}, {witness.name})"
            )
        break
    return path, error

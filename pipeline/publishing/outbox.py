"""The outbox: a directory of immutable files named by message identifier.

Files enter it atomically and are never overwritten with different content (identifiers are
never reused), so a delivery can always be retried from it. A run's CAP messages enter as hard
links to the run's own copies, once those are on disk (one write and one fsync per message);
the run's files are never changed in place, only replaced or removed, which leaves the
outbox's as they are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pipeline.errors import InvalidDataError
from pipeline.files import write_all_atomic


class Outbox:
    """A directory of immutable files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, name: str, data: bytes) -> Path:
        self.put_all({name: data})
        return self.root / name

    def put_all(
        self, files: Mapping[str, bytes], *, on_disk: Mapping[str, Path] | None = None
    ) -> None:
        """Put each (name, data) of ``files``; those already there (with the same content)
        are left as they are, the others written atomically and fsynced together -- or none
        at all, when one is there with other content.

        ``on_disk``: files of ``files`` already written and fsynced elsewhere on the volume,
        by name (a staged run's CAP messages): hard-linked rather than written and fsynced
        again (a link is atomic too); where the filesystem cannot link, written as the others
        are."""
        new = {}
        for name, data in files.items():
            target = self.root / name
            if not target.exists():
                new[name] = data
            elif target.read_bytes() != data:
                raise InvalidDataError(
                    f"{target}: already in the outbox with other content; outbox files are "
                    "never overwritten (identifiers are never reused)"
                )
        linked = set()
        if on_disk and new:
            self.root.mkdir(parents=True, exist_ok=True)
            linked = {n for n in new if n in on_disk and _link(on_disk[n], self.root / n)}
        write_all_atomic({self.root / n: data for n, data in new.items() if n not in linked})


def _link(source: Path, target: Path) -> bool:
    """Whether ``target`` is now a hard link to ``source`` (False where the filesystem cannot
    link them: across volumes, or without hard links)."""
    try:
        os.link(source, target)
    except OSError:
        return False
    return True

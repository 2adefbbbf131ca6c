"""The outbox: a directory of immutable files named by message identifier.

Files enter it atomically and are never overwritten with different content (identifiers are
never reused), so a delivery can always be retried from it.
"""

from __future__ import annotations

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

    def put_all(self, files: Mapping[str, bytes]) -> None:
        """Put each (name, data) of ``files``; those already there (with the same content)
        are left as they are, the others written atomically and fsynced together."""
        new = {}
        for name, data in files.items():
            target = self.root / name
            if not target.exists():
                new[target] = data
            elif target.read_bytes() != data:
                raise InvalidDataError(
                    f"{target}: already in the outbox with other content; outbox files are "
                    "never overwritten (identifiers are never reused)"
                )
        write_all_atomic(new)

"""The outbox: a directory of immutable files named by message identifier.

Files enter it atomically and are never overwritten with different content (identifiers are
never reused), so a delivery can always be retried from it.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import InvalidDataError
from pipeline.files import write_bytes_atomic


class Outbox:
    """A directory of immutable files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, name: str, data: bytes) -> Path:
        target = self.root / name
        if target.exists():
            if target.read_bytes() != data:
                raise InvalidDataError(
                    f"{target}: already in the outbox with other content; outbox files are "
                    "never overwritten (identifiers are never reused)"
                )
            return target
        write_bytes_atomic(target, data)
        return target

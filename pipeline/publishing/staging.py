"""A run's warning files: all rendered and validated first, then swapped in atomically.

A run's outputs live in ``{out}/{source}/{run}/``. They are assembled in a hidden staging
directory beside it; only when every file is written and every CAP message has passed validation
is the staging directory swapped with the earlier version of the same run, in one atomic step
where the filesystem can (so the run's directory is never missing), else by two renames. A
failure leaves the earlier outputs untouched; a process killed between the two renames leaves
the earlier version under a hidden name, which the next publication of the run restores first.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path

from pipeline.files import exchange, fsync_all


class StagedOutput:
    """A run's output directory, assembled aside and swapped in on :meth:`commit`."""

    def __init__(self, final: Path) -> None:
        self.final = final
        recover(final)
        # Unique across hosts and processes sharing the volume; a leftover is never reused.
        self.stage = final.with_name(f".{final.name}.staging-{uuid.uuid4().hex[:16]}")
        self.stage.mkdir(parents=True)

    def path(self, relative: str) -> Path:
        target = self.stage / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, relative: str, data: bytes) -> Path:
        target = self.path(relative)
        target.write_bytes(data)
        return self.final / relative

    def commit(self) -> Path:
        """Write the manifest, then replace the final directory with the staged one."""
        files = sorted(p for p in self.stage.rglob("*") if p.is_file())
        manifest = {
            "files": [
                {
                    "path": str(p.relative_to(self.stage)),
                    "size": p.stat().st_size,
                    "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
                }
                for p in files
            ]
        }
        (self.stage / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        fsync_all([*files, self.stage / "manifest.json"])
        if self.final.exists() and exchange(self.stage, self.final):
            shutil.rmtree(self.stage, ignore_errors=True)  # now the earlier version
            return self.final
        old = self.final.with_name(f".{self.final.name}.old-{uuid.uuid4().hex[:16]}")
        if self.final.exists():
            os.replace(self.final, old)
        os.replace(self.stage, self.final)
        shutil.rmtree(old, ignore_errors=True)
        return self.final

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


def recover(final: Path) -> None:
    """Undo what a killed publication left beside ``final``: the earlier version parked under
    ``.{name}.old-*`` comes back when ``final`` is missing; other old versions go."""
    parked = sorted(
        final.parent.glob(f".{final.name}.old-*"), key=lambda p: p.stat().st_mtime
    ) if final.parent.is_dir() else []  # fmt: skip
    if parked and not final.exists():
        os.replace(parked.pop(), final)
    for path in parked:
        shutil.rmtree(path, ignore_errors=True)

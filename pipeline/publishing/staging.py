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

from pipeline.files import SyncedWrites, exchange, fsync_all


class StagedOutput:
    """A run's output directory, assembled aside and swapped in on :meth:`commit`."""

    def __init__(self, final: Path) -> None:
        self.final = final
        recover(final)
        # Unique across hosts and processes sharing the volume; a leftover is never reused.
        self.stage = final.with_name(f".{final.name}.staging-{uuid.uuid4().hex[:16]}")
        self.stage.mkdir(parents=True)
        self._folders = {self.stage}
        #: What :meth:`write` wrote (size, SHA-256), for the manifest without reading it back;
        #: and what is already fsynced (:meth:`writing_synced`).
        self._written: dict[Path, tuple[int, str]] = {}
        self._synced: set[Path] = set()

    def path(self, relative: str) -> Path:
        """Where to write ``relative`` in the staging directory (its folder made)."""
        target = self.stage / relative
        if target.parent not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(target.parent)
        self._written.pop(target, None)  # the caller writes it: described when committed
        if target in self._synced:  # others may link to it: replaced, never changed in place
            self._synced.discard(target)
            target.unlink()
        return target

    def write(self, relative: str, data: bytes) -> Path:
        """Stage ``data`` as ``relative``; return where it will be once committed."""
        target = self.path(relative)
        target.write_bytes(data)
        self._written[target] = (len(data), hashlib.sha256(data).hexdigest())
        return self.final / relative

    def writing_synced(self, folder: str) -> SyncedFolder:
        """A context manager: each (name, data) it is called with is staged in ``folder``,
        written and fsynced now rather than at the commit, while the caller goes on (rendering
        the next, say). On leaving, all are on disk; their staged paths, by name, are in its
        ``staged``: others may link to them before the commit (the outbox's CAP messages: on
        disk before the outbox names them)."""
        return SyncedFolder(self, folder)

    def commit(self) -> Path:
        """Write the manifest, then replace the final directory with the staged one."""
        files = sorted(p for p in self.stage.rglob("*") if p.is_file())
        manifest = {"files": [self._described(p) for p in files]}
        (self.stage / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        fsync_all([*(p for p in files if p not in self._synced), self.stage / "manifest.json"])
        if self.final.exists() and exchange(self.stage, self.final):
            shutil.rmtree(self.stage, ignore_errors=True)  # now the earlier version
            return self.final
        old = self.final.with_name(f".{self.final.name}.old-{uuid.uuid4().hex[:16]}")
        if self.final.exists():
            os.replace(self.final, old)
        os.replace(self.stage, self.final)
        shutil.rmtree(old, ignore_errors=True)
        return self.final

    def _described(self, path: Path) -> dict:
        """A file's manifest entry: its path, size and SHA-256."""
        if path in self._written:
            size, digest = self._written[path]
        else:  # written through :meth:`path`
            size, digest = path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()
        return {"path": str(path.relative_to(self.stage)), "size": size, "sha256": digest}

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


class SyncedFolder:
    """Files staged in one folder of a :class:`StagedOutput` as they come, written and fsynced
    by a pool (:class:`~pipeline.files.SyncedWrites`); see :meth:`StagedOutput.writing_synced`."""

    def __init__(self, output: StagedOutput, folder: str) -> None:
        self.output, self.folder = output, folder
        self.staged: dict[str, Path] = {}
        self._writes = SyncedWrites()

    def __call__(self, name: str, data: bytes) -> None:
        target = self.output.path(f"{self.folder}/{name}")
        self.output._written[target] = (len(data), hashlib.sha256(data).hexdigest())
        self._writes.write(target, data)
        self.staged[name] = target

    def __enter__(self) -> SyncedFolder:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._writes.__exit__(exc_type, exc, traceback)  # every write ended; an error raised
        if exc_type is None:
            self.output._synced.update(self.staged.values())


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

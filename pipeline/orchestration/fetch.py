"""Stage ``fetch``: download and verify a run's files into the archive."""

from __future__ import annotations

from pipeline.settings import Settings
from pipeline.sources import make_source


def fetch(
    source_id: str,
    run: str,
    settings: Settings,
    param: str | None = None,
    manifest: bool | None = None,
) -> str:
    """Download and verify the run's files into the archive and write its manifest.

    With ``param``, only that variable's files and no manifest (a mapped Airflow task; the
    task after it calls this without ``param``, finds every file archived, and writes it).
    ``manifest`` overrides whether the manifest is written.
    """
    source = make_source(source_id, settings)
    run_dir = source.fetch(
        run,
        settings.archive_dir,
        params=[param] if param else None,
        workers=settings.download_workers,
        manifest=param is None if manifest is None else manifest,
    )
    return str(run_dir)

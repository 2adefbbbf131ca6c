"""Stage ``bulletins``: a published run's bulletin pages and maps, and the mail carrying them.

It follows ``publish`` (or ``consult``), once the run's CAP files are out: the warnings never
wait for a map. Per consultation trigger, a page and its map per language go to the outbox
(immutable, named by the trigger message's identifier) and to ``{out}/{source}/{run}/bulletins/``;
the country overviews (a page and map per country and language of its crisis cells) go to the
run's folder only. The bulletins folder is assembled aside and swapped in atomically, with its
own ``manifest.json``; each convened cell's mail (the CAP message, its pages and maps) is
enqueued for the ``deliver`` stage. Idempotent: a rerun writes identical files and enqueues
nothing twice.
"""

from __future__ import annotations

import logging

from pipeline.errors import DataNotYetAvailable
from pipeline.geo.basemap import load_basemap
from pipeline.orchestration.config import load_config
from pipeline.orchestration.publish import cap_status, issued, publication_of
from pipeline.orchestration.workdir import read_assessment
from pipeline.publishing.bulletin_overview import render_overviews
from pipeline.publishing.messages import render_bulletins
from pipeline.publishing.outbox import Outbox
from pipeline.publishing.staging import StagedOutput
from pipeline.settings import Settings

log = logging.getLogger(__name__)

#: The run's folder of bulletin pages and maps.
FOLDER = "bulletins"


def bulletins(source_id: str, run: str, settings: Settings) -> str:
    """Render and write the run's bulletins; return the run's output directory."""
    final = settings.out_dir / source_id / run
    if not (final / "manifest.json").is_file():
        raise DataNotYetAvailable(
            f"{final}: {source_id} {run} is not published yet; the bulletins follow the "
            "publish (or consult) stage: run it first"
        )
    config = load_config(settings.regions_dir, settings.cache_dir)
    assessment = read_assessment(settings, source_id, run)
    status = cap_status(settings, assessment["production_status"])
    publication = publication_of(source_id, run, assessment, status, settings)
    basemap = load_basemap(config.regions, settings.cache_dir)
    rendered = render_bulletins(
        assessment["decisions"],
        assessment["events"],
        publication,
        regions=config.regions,
        criteria=config.criteria,
        cells=config.cells,
        basemap=basemap,
    )
    overviews = render_overviews(
        assessment, publication.provenance(issued(source_id, run, assessment)),
        regions=config.regions, criteria=config.criteria, cells=config.cells,
        linked=config.linking.linked_countries, basemap=basemap,
    )  # fmt: skip
    with StagedOutput(final / FOLDER) as staged:
        for name, data in (rendered.files | overviews).items():
            staged.write(name, data)
        Outbox(settings.out_dir / "outbox").put_all(rendered.files)  # the messages' bulletins
        with settings.ledger() as ledger:
            ledger.enqueue(rendered.deliveries)
        staged.commit()
    log.info(
        "%s %s: %d bulletin files, %d overview files, in %s",
        source_id, run, len(rendered.files), len(overviews), final / FOLDER,
    )  # fmt: skip
    return str(final)

"""The files of a run's decisions, rendered and validated, and the deliveries they need: a CAP
message per decision (:func:`render_decisions`, the publish stage's) and, per consultation
trigger, a bulletin page and its map per language (:func:`render_bulletins`, the bulletins
stage's, which follows once the CAP files are out). Pure: nothing is written here (see
:mod:`pipeline.orchestration.publish` and :mod:`pipeline.orchestration.bulletins`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import geopandas as gpd

from pipeline.assessment.criteria import LEVELS, AuthorityCriteria
from pipeline.assessment.events import event_from_dict
from pipeline.geo.basemap import Basemap
from pipeline.geo.regions import CrisisCell
from pipeline.ledger.records import Delivery
from pipeline.publishing.bulletin import render_bulletin_html, render_trigger_map
from pipeline.publishing.bulletin_parts import ModelRun, Provenance
from pipeline.publishing.cap import AlertContext, render_cap, render_trigger_cap
from pipeline.publishing.cap_check import validate_cap
from pipeline.publishing.titles import trigger_subject


@dataclass(frozen=True)
class Publication:
    """Who publishes, and what the run's messages say about where their data comes from."""

    sender: str
    status: str  # CAP status: Actual | Exercise | Test
    source_id: str
    run: str
    model: str
    attribution: str
    contact: str  # the deployment's operator, for follow-up (CAP <contact>)
    webhook_url: str | None = None
    email: bool = False
    #: The model runs used, with their attribution (the bulletins list them), and when the
    #: next run of one of them is due (its time plus cycle plus publication delay).
    runs: tuple[ModelRun, ...] = ()
    next_update: str | None = None

    def provenance(self, issued: str) -> Provenance:
        """What a bulletin issued at ``issued`` (ISO) says about its origin."""
        return Provenance(
            issued=issued, next_update=self.next_update, runs=self.runs,
            contact=self.contact, status=self.status,
        )  # fmt: skip


@dataclass
class Rendered:
    """Outbox file name -> content (all validated), and the deliveries to enqueue; ``sink``,
    if given, is handed each validated message as it is rendered (to write it meanwhile)."""

    files: dict[str, bytes] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    sink: Callable[[str, bytes], None] | None = None

    def add(self, name: str, data: bytes) -> None:
        self.files[name] = data
        if self.sink is not None:
            self.sink(name, data)


def render_decisions(
    decisions: list[dict],
    publication: Publication,
    *,
    regions: gpd.GeoDataFrame,
    criteria: dict[str, AuthorityCriteria],
    cells: dict[str, CrisisCell],
    nuts3: dict[str, list[str]],
    sink: Callable[[str, bytes], None] | None = None,
) -> Rendered:
    """Render and validate the CAP messages of ``decisions`` (the ledger's, as dicts), with
    their webhook deliveries. ``criteria``: every authority's, by country (each message names
    the authority it is computed under, and links its official warnings). ``sink``: called
    with each message's file name and content once it is validated."""
    rendered = Rendered(sink=sink)
    region_of = functools.cache(regions.loc.__getitem__)  # a row per region, not per message
    for decision in decisions:
        if decision["kind"] == "warning":
            _render_warning(rendered, decision, publication, region_of, criteria, nuts3)
        else:
            _render_trigger(rendered, decision, publication, regions, criteria, cells)
    return rendered


def render_bulletins(
    decisions: list[dict],
    events: list[dict],
    publication: Publication,
    *,
    regions: gpd.GeoDataFrame,
    criteria: dict[str, AuthorityCriteria],
    cells: dict[str, CrisisCell],
    basemap: Basemap | None = None,
) -> Rendered:
    """Each trigger decision's bulletin page and map per language (its convened cells'
    languages and English), and the mail to each cell with the CAP message, its pages and
    maps attached. ``events``: the run's events as dicts (for the tables); ``basemap``: the
    land the maps draw (default: the regions' own)."""
    rendered = Rendered()
    basemap = basemap or Basemap.from_regions(regions)
    events_by_region = {(e["hazard"], e["region"]): e for e in events}
    for decision in decisions:
        if decision["kind"] == "trigger":
            _render_bulletin(
                rendered, decision, publication, regions, criteria, cells, events_by_region,
                basemap,
            )  # fmt: skip
    return rendered


def _context(decision: dict, publication: Publication) -> AlertContext:
    return AlertContext(
        sender=publication.sender,
        status=publication.status,
        sent=datetime.fromisoformat(decision["sent"]),
        source_id=publication.source_id,
        model=publication.model,
        run=publication.run,
        attribution=publication.attribution,
        contact=publication.contact,
    )


def _render_warning(rendered, decision, publication, region_of, criteria, nuts3) -> None:
    name = f"{decision['identifier']}.xml"
    event = event_from_dict(decision["data"])
    region = region_of(event.region)
    xml = render_cap(
        event,
        _context(decision, publication),
        criteria=criteria[event.country],
        area_name=region["name"],
        geometry=region.geometry,
        languages=tuple(region["languages"]),
        msg_type=decision["msg_type"],
        message_id=decision["identifier"],
        references=decision["references"],
        level=decision["level"],
        nuts3=tuple(nuts3.get(event.region, ())),
    )
    validate_cap(xml, name=name)
    rendered.add(name, xml)
    if publication.webhook_url:
        rendered.deliveries.append(_delivery(decision, "webhook", publication.webhook_url, [name]))


def _render_trigger(rendered, decision, publication, regions, criteria, cells) -> None:
    name = f"{decision['identifier']}.xml"
    trigger = _named_levels(decision["data"])
    convened = [cells[c] for c in _trigger_cells(trigger, regions, cells)]
    xml = render_trigger_cap(
        trigger,
        _context(decision, publication),
        criteria=criteria,
        regions=regions,
        addresses=[c.address for c in convened],
        cell_names=[c.name for c in convened],
        receivers=tuple((lang, c.country) for c in convened for lang in c.languages),
        msg_type=decision["msg_type"],
        message_id=decision["identifier"],
        references=decision["references"],
    )
    validate_cap(xml, name=name)
    rendered.add(name, xml)
    if publication.webhook_url:
        rendered.deliveries.append(_delivery(decision, "webhook", publication.webhook_url, [name]))


def _render_bulletin(
    rendered, decision, publication, regions, criteria, cells, events_by_region, basemap
) -> None:
    trigger = _named_levels(decision["data"])
    cancelled = decision["msg_type"] == "Cancel"
    convened = [cells[c] for c in _trigger_cells(trigger, regions, cells)]
    languages = tuple(dict.fromkeys(lang for c in convened for lang in c.languages))
    cell_list = [{"name": c.name, "address": c.address} for c in convened]
    provenance = publication.provenance(decision["sent"])
    events = [
        events_by_region[trigger["hazard"], r]
        for r in trigger["regions"]
        if (trigger["hazard"], r) in events_by_region
    ]
    pages, maps = {}, {}
    for language in dict.fromkeys((*languages, "en")):
        pages[language] = page = f"{decision['identifier']}-{language}.html"
        maps[language] = map_name = f"{decision['identifier']}-{language}.png"
        png, drawing = render_trigger_map(
            trigger, language, regions=regions, events=events, basemap=basemap,
            provenance=provenance, cancelled=cancelled,
        )  # fmt: skip
        rendered.files[map_name] = png
        rendered.files[page] = render_bulletin_html(
            trigger, language, regions=regions, events=events, cells=cell_list,
            map_file=map_name, map_size=drawing.size, criteria=criteria, provenance=provenance,
            cancelled=cancelled,
        ).encode()  # fmt: skip
    if publication.email:  # the bulletin in the cell's (first) language is the mail's body
        names = {r: str(regions.loc[r, "name"]) for r in trigger["regions"]}
        for cell in convened:
            spoken = [lang for lang in cell.languages if lang in pages]
            attached = [
                f"{decision['identifier']}.xml",
                *(pages[lang] for lang in spoken),
                *(maps[lang] for lang in spoken),
            ]
            subject = trigger_subject(
                cell.languages[0], trigger, names=names, status=publication.status,
                msg_type=decision["msg_type"],
            )  # fmt: skip
            rendered.deliveries.append(
                _delivery(decision, "email", cell.address, attached, subject=subject)
            )


def _named_levels(trigger: dict) -> dict:
    """The trigger with its levels as colour names: the ledger's data of a trigger it cancels
    holds them as numbers (as its state does), that of an Alert or Update as names."""

    def named(levels: dict) -> dict[str, str]:
        return {k: LEVELS[v] if isinstance(v, int) else v for k, v in levels.items()}

    return trigger | {
        "regions": named(trigger["regions"]),
        "levels_by_country": named(trigger["levels_by_country"]),
    }


def _trigger_cells(
    trigger: dict, regions: gpd.GeoDataFrame, cells: dict[str, CrisisCell]
) -> list[str]:
    """The cells the trigger named when it was decided; a trigger recorded before a cell was
    renamed or retired (an Update or Cancel of an older trigger) convenes its regions' cells as
    configured now instead."""
    named = list(trigger.get("crisis_cells", ()))
    if named and all(c in cells for c in named):
        return named
    current = {c for r in trigger["regions"] for c in regions.loc[r, "crisis_cells"]}
    return sorted(current | {c for c in named if c in cells})


def _delivery(
    decision: dict, channel: str, target: str, names: list[str], subject: str = ""
) -> Delivery:
    return Delivery(
        identifier=decision["identifier"],
        channel=channel,
        target=target,
        files=names,
        subject=subject or f"crosswarn {decision['msg_type']} {decision['identifier']}",
        text=f"crosswarn {decision['msg_type']} {decision['identifier']}; files attached.",
    )

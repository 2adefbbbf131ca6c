"""The main job's stages, each keyed by (source, run) and idempotent: one call per Airflow task.

fetch -> statistics -> assess -> publish. Intermediate products go to ``{work}/{source}/{run}/``
(written atomically); warning files to ``{out}/{source}/{run}/`` (swapped in atomically).
Functions take and return plain strings and paths so that XCom carries ids and paths only.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import xarray as xr

from pipeline.bulletin import render_bulletin_html, render_map_png
from pipeline.cap import AlertContext, read_cap, render_cap, render_trigger_cap, validate_cap
from pipeline.combine import combine_events
from pipeline.consultation import (
    find_triggers,
    linked_pairs,
    load_consultation,
    trigger_to_dict,
)
from pipeline.criteria import (
    HAZARDS,
    LEVELS,
    assess_levels,
    hazards_of,
    load_criteria,
    mismatch_levels,
    mismatches,
    thresholds_for,
)
from pipeline.errors import DataNotYetAvailable, InvalidDataError, SourceUnavailable
from pipeline.events import event_from_dict, event_to_dict, find_events
from pipeline.exceedance import region_statistics
from pipeline.feed import render_feed
from pipeline.ledger import Delivery
from pipeline.nuts import nuts3_of_regions
from pipeline.outbox import Outbox, deliver_pending, enqueue
from pipeline.publish import StagedOutput, write_bytes_atomic, write_json_atomic
from pipeline.regions import cross_border_neighbours, load_crisis_cells, load_regions
from pipeline.settings import Settings
from pipeline.sources import get_source, make_source
from pipeline.sources.base import PRECIPITATION_WINDOWS, parse_run
from pipeline.weights import cached_weights, grid_from_dataset, region_coverage

log = logging.getLogger(__name__)

#: The pseudo-source of the cross-model consultation (its outputs, work and ledger entries).
CONSULTATION = "consultation"

#: A model speaks for a region only if its grid covers at least this share of the region's
#: area (KNMI HARMONIE P1 ends at 49° N, ECMWF's fields are cropped to the regions' area).
MIN_REGION_COVERAGE = 0.9

#: Variables whose statistics every run computes; thresholds come from the criteria.
STATISTIC_VARIABLES = (
    "wind_gust",
    *(f"precipitation_{n}h" for n in PRECIPITATION_WINDOWS),
    "air_temperature",
)


def work_dir(settings: Settings, source_id: str, run: str) -> Path:
    return settings.work_dir / source_id / run


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


def statistics(source_id: str, run: str, settings: Settings, param: str | None = None) -> str:
    """Region statistics of the canonical variables, written as NetCDF.

    With ``param``, only the variables derived from that provider variable, into
    ``parts/{param}.nc`` (a mapped Airflow task, followed by :func:`merge_statistics`);
    without, every default variable, merged into ``statistics.nc``.
    """
    source = make_source(source_id, settings)
    params = [param] if param else list(source.default_params)
    parts = [_statistics_part(source, run, settings, p) for p in params]
    return parts[0] if param else merge_statistics(source_id, run, settings)


def _statistics_part(source, run: str, settings: Settings, param: str) -> str:
    forecast = source.open(run, settings.archive_dir, params=[param])
    regions = load_regions(settings.regions_dir)
    criteria = load_criteria(settings.regions_dir)
    weights = cached_weights(regions, grid_from_dataset(forecast), settings.cache_dir)
    parts = []
    for variable in STATISTIC_VARIABLES:
        if variable not in forecast:
            continue
        above = thresholds_for(criteria, variable, "above")
        below = thresholds_for(criteria, variable, "below")
        wanted = ["mean", "max", "min", "p90"]
        wanted += (["fraction_above"] if above else []) + (["fraction_below"] if below else [])
        stats = region_statistics(
            forecast[variable], weights, sorted({*above, *below}), stats=wanted
        )
        if "threshold" in stats.dims:
            stats = stats.rename({"threshold": f"{variable}_threshold"})
        parts.append(stats.rename({name: f"{variable}_{name}" for name in stats.data_vars}))
    result = xr.merge(parts, combine_attrs="drop")
    result.attrs = dict(forecast.attrs)
    result["region_area_km2"] = ("region", weights.region_area_km2.astype(np.float32))
    if "cell" not in forecast.dims:  # exact on lat-lon grids; ICON's cells tile the globe
        coverage = region_coverage(regions, weights).astype(np.float32)
        result["region_coverage"] = ("region", coverage)
        result["region_coverage"].attrs["long_name"] = "share of the region's area the grid covers"
    result = compute(result, settings)
    target = work_dir(settings, source.id, run) / "parts" / f"{param}.nc"
    _write_netcdf(result, target)
    return str(target)


def compute(result: xr.Dataset, settings: Settings) -> xr.Dataset:
    """Compute on the Dask cluster of ``CROSSWARN_DASK_SCHEDULER`` if set, else in threads."""
    if settings.dask_scheduler:
        from distributed import Client

        with Client(settings.dask_scheduler, timeout="30s") as client:
            log.info("computing on the Dask cluster at %s", client.scheduler.address)
            return result.compute()
    return result.compute(scheduler="threads", num_workers=settings.decode_workers)


def merge_statistics(source_id: str, run: str, settings: Settings) -> str:
    """Merge the per-variable parts of the source's default variables into statistics.nc."""
    source = make_source(source_id, settings)
    folder = work_dir(settings, source_id, run) / "parts"
    paths = [folder / f"{p}.nc" for p in source.default_params]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise InvalidDataError(f"{source_id} {run}: statistics parts missing: {missing}")
    parts = []
    for path in paths:
        with xr.open_dataset(path, engine="netcdf4") as part:
            parts.append(part.load())
    result = xr.merge(parts, combine_attrs="override")
    result.attrs["title"] = f"crosswarn region statistics, {source_id} {run}"
    target = work_dir(settings, source_id, run) / "statistics.nc"
    _write_netcdf(result, target)
    return str(target)


def _write_netcdf(data: xr.Dataset, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    data.to_netcdf(tmp, engine="netcdf4")
    os.replace(tmp, target)


def assess(source_id: str, run: str, settings: Settings) -> str:
    """Levels under every authority, events under each region's own criteria, criteria
    mismatches, consultation triggers, and the ledger's decision of what to send."""
    source_cls = get_source(source_id)
    regions = load_regions(settings.regions_dir)
    criteria = load_criteria(settings.regions_dir)
    consultation = load_consultation(settings.regions_dir, set(regions.index))
    countries = regions["country"].to_dict()
    links, mismatch_pairs = _linking(regions, consultation, criteria)
    reference = parse_run(run, cycle_hours=source_cls.cycle_hours, source_id=source_id)
    stats_path = work_dir(settings, source_id, run) / "statistics.nc"
    with xr.open_dataset(stats_path, engine="netcdf4") as stats:
        stats = stats.load()
    not_covered = []
    if "region_coverage" in stats:
        covered = stats["region_coverage"] >= MIN_REGION_COVERAGE
        not_covered = [str(r) for r in stats.region.values[~covered.values]]
        if not_covered:
            log.warning(
                "%s covers less than %d %% of %d region(s), which it does not assess: %s",
                source_id,
                MIN_REGION_COVERAGE * 100,
                len(not_covered),
                ", ".join(not_covered),
            )
        stats = stats.sel(region=covered)
    events, level_summary = [], {}
    for hazard in hazards_of(criteria):
        variable, direction = HAZARDS[hazard]
        name = f"{variable}_fraction_{direction}"
        if name not in stats:
            continue  # this source does not provide the variable
        view = xr.Dataset(
            {f"fraction_{direction}": stats[name].rename({f"{variable}_threshold": "threshold"})}
        )
        levels = assess_levels(view, criteria, hazard, reference_time=reference)
        extreme = "min" if direction == "below" else "max"
        regional = stats[f"{variable}_{extreme}"]
        regional = regional.min("member") if extreme == "min" else regional.max("member")
        found = find_events(
            levels,
            regional,
            countries,
            hazard,
            merge_gap_hours=consultation.events.merge_gap_hours,
            extreme=extreme,
        )
        if view.sizes["member"] > 1:
            found = [_with_probability(e, view, criteria, direction) for e in found]
        events += found
        peak = levels.max("valid_time")
        level_summary[hazard] = {
            region: {str(c): int(peak.sel(region=region, criteria=c)) for c in peak.criteria.values}
            for region in map(str, peak.region.values)
        }

    def mismatch_text(event) -> list[str]:
        return mismatches(mismatch_pairs(event), criteria)

    triggers = find_triggers(
        events, links, regions["crisis_cell"].to_dict(), consultation.rule, mismatch_pairs
    )
    ledger = settings.ledger()
    try:
        decisions = ledger.record_run(
            source_id,
            run,
            reference_time=reference,
            sent=reference + timedelta(minutes=source_cls.publication_delay_minutes),
            events=events,
            triggers=[],  # consultation triggers are decided across models: see consult()
            policy=consultation.events,
        )
    finally:
        ledger.close()
    target = work_dir(settings, source_id, run) / "assessment.json"
    write_json_atomic(
        target,
        {
            "source": source_id,
            "run": run,
            "production_status": int(stats.attrs.get("production_status", 0)),
            "levels": level_summary,
            "not_covered": not_covered,
            "events": [
                event_to_dict(e) | {"criteria_mismatches": mismatch_text(e)} for e in events
            ],
            "triggers": [trigger_to_dict(t) for t in triggers],
            "decisions": [asdict(d) for d in decisions],
        },
    )
    return str(target)


def _with_probability(event, view: xr.Dataset, criteria, direction: str):
    """The share of ensemble members that reach the event's peak level at its peak time."""
    rule = criteria[event.country].hazards[event.hazard]
    name = LEVELS[event.peak_level]
    fraction = (
        view[f"fraction_{direction}"]
        .sel(
            region=event.region,
            valid_time=np.datetime64(event.peak_time.replace(tzinfo=None), "ns"),
        )
        .sel(threshold=rule.threshold(name), method="nearest")
    )
    reached = fraction >= rule.levels[name].min_area_fraction
    return replace(event, probability=round(float(reached.mean("member")), 3))


def cap_status(settings: Settings, production_status: int) -> str:
    """Scenario, test and research data are never published as Actual."""
    if production_status != 0 and settings.cap_status == "Actual":
        return "Exercise"
    return settings.cap_status


def publish(source_id: str, run: str, settings: Settings) -> str:
    """Render and validate every file of the run, then write them: the run's directory (swapped
    in atomically), the outbox (immutable files named by identifier), the Atom feed, and the
    pending deliveries. Return the run's output directory."""
    regions = load_regions(settings.regions_dir)
    criteria = load_criteria(settings.regions_dir)
    cells = load_crisis_cells(settings.regions_dir)
    assessment = json.loads((work_dir(settings, source_id, run) / "assessment.json").read_text())
    if source_id == CONSULTATION:
        inputs = {s: get_source(s) for s in assessment["inputs"]}
        model_name = ", ".join(
            f"{c.model_name} {assessment['inputs'][s]}" for s, c in inputs.items()
        )
        attribution = "; ".join(c.attribution for c in inputs.values())
    else:
        source_cls = get_source(source_id)
        model_name, attribution = source_cls.model_name, source_cls.attribution
    # Messages are dated by the ledger from the run (published time), never by the clock, so
    # that a rerun writes identical files.
    status = cap_status(settings, assessment["production_status"])
    final = settings.out_dir / source_id / run
    events_by_region = {(e["hazard"], e["region"]): e for e in assessment["events"]}
    authorities = {country: c.authority for country, c in criteria.items()}
    nuts3 = nuts3_of_regions(
        regions, version=2024, cache_dir=settings.cache_dir, mirror=settings.nuts_mirror
    )
    files: dict[str, bytes] = {}  # outbox name -> content, all validated before any is written
    deliveries: list[Delivery] = []

    def context(decision: dict, authority: str) -> AlertContext:
        return AlertContext(
            sender=settings.cap_sender,
            oid_prefix=settings.cap_oid_prefix,
            status=status,
            sent=datetime.fromisoformat(decision["sent"]),
            source_id=source_id,
            model=model_name,
            run=run,
            authority=authority,
            attribution=attribution,
        )

    for decision in assessment["decisions"]:
        name = f"{decision['identifier']}.xml"
        if decision["kind"] == "warning":
            event = event_from_dict(decision["data"])
            region = regions.loc[event.region]
            xml = render_cap(
                event,
                context(decision, criteria[event.country].authority),
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
            files[name] = xml
            if settings.webhook_url:
                deliveries.append(_delivery(decision, "webhook", settings.webhook_url, [name]))
            continue
        trigger = decision["data"]
        convened = [cells[c] for c in _trigger_cells(trigger, regions)]
        languages = tuple(dict.fromkeys(lang for c in convened for lang in c.languages))
        xml = render_trigger_cap(
            trigger,
            context(decision, "crosswarn"),
            regions=regions,
            addresses=[c.address for c in convened],
            cell_names=[c.name for c in convened],
            languages=languages,
            msg_type=decision["msg_type"],
            message_id=decision["identifier"],
            references=decision["references"],
            authorities=authorities,
        )
        validate_cap(xml, name=name)
        files[name] = xml
        map_name = f"{decision['identifier']}-map.png"
        levels = dict(trigger["regions"])
        files[map_name] = render_map_png(regions, levels, f"{trigger['hazard']}: {trigger['id']}")
        pages = {}
        for language in dict.fromkeys((*languages, "en")):
            page = f"{decision['identifier']}-{language}.html"
            pages[language] = page
            files[page] = render_bulletin_html(
                trigger,
                language,
                regions=regions,
                events=[
                    events_by_region[trigger["hazard"], r]
                    for r in trigger["regions"]
                    if (trigger["hazard"], r) in events_by_region
                ],
                cells=[{"name": c.name, "address": c.address} for c in convened],
                map_file=map_name,
                exercise=status != "Actual",
                authorities=authorities,
            ).encode()
        for cell in convened:
            attached = [name, *(pages[lang] for lang in cell.languages if lang in pages), map_name]
            texts = files[pages[cell.languages[0]]].decode()
            if settings.smtp_host:
                deliveries.append(
                    _delivery(decision, "email", cell.address, attached, subject=_title(texts))
                )
        if settings.webhook_url:
            deliveries.append(_delivery(decision, "webhook", settings.webhook_url, [name]))

    outbox = Outbox(settings.out_dir / "outbox")
    with StagedOutput(final) as staged:
        for name, data in files.items():
            folder = "cap" if name.endswith(".xml") else "bulletins"
            staged.write(f"{folder}/{name}", data)
        staged.write("warnings.geojson", _warnings_geojson(regions, assessment, status).encode())
        staged.write(
            "triggers.json",
            (
                json.dumps(_with_cells(assessment["triggers"], cells), indent=1, ensure_ascii=False)
                + "\n"
            ).encode(),
        )
        stats_src = work_dir(settings, source_id, run) / "statistics.nc"
        if stats_src.exists():  # models have statistics; the consultation combines events
            staged.write("statistics.nc", stats_src.read_bytes())
        staged.write(
            "summary.json", (json.dumps(summarise(assessment, regions), indent=1) + "\n").encode()
        )
        for name, data in files.items():  # validated above; immutable once written
            outbox.put(name, data)
        ledger = settings.ledger()
        try:
            enqueue(ledger, deliveries)
            feed = _feed(ledger, outbox, source_id, assessment, settings)
        finally:
            ledger.close()
        staged.write("feed.atom", feed)
        write_bytes_atomic(outbox.root / f"feed-{source_id}.atom", feed)
        staged.commit()
    log.info("%s %s: %d files, status %s, in %s", source_id, run, len(files), status, final)
    return str(final)


def consult(settings: Settings) -> str:
    """Combine the newest run of every model into the consultation triggers, and publish them.

    Models combine per region and hazard as :mod:`pipeline.combine` states (highest level over
    models, each model named). The run is keyed by the newest model run and by the set of
    model runs it combines, so a model publishing later for the same run decides again.
    Return the output directory (``{out}/consultation/{run}``).
    """
    regions = load_regions(settings.regions_dir)
    criteria = load_criteria(settings.regions_dir)
    consultation = load_consultation(settings.regions_dir, set(regions.index))
    links, mismatch_pairs = _linking(regions, consultation, criteria)
    ledger = settings.ledger()
    try:
        latest = {
            source: run
            for source, run in ledger.latest_runs().items()
            if source != CONSULTATION
            and (work_dir(settings, source, run) / "assessment.json").exists()
        }
        if not latest:
            raise DataNotYetAvailable("no model run has been assessed yet: nothing to combine")
        by_model, levels, status = {}, {}, 0
        for source_id, run in sorted(latest.items()):
            path = work_dir(settings, source_id, run) / "assessment.json"
            assessment = json.loads(path.read_text())
            by_model[get_source(source_id).model_name] = [
                event_from_dict(e) for e in assessment["events"]
            ]
            status = max(status, assessment["production_status"])
            for hazard, by_region in assessment["levels"].items():
                for region, by_criteria in by_region.items():
                    merged = levels.setdefault(hazard, {}).setdefault(region, {})
                    for country, level in by_criteria.items():
                        merged[country] = max(merged.get(country, 0), level)
        events = combine_events(by_model)
        triggers = find_triggers(
            events, links, regions["crisis_cell"].to_dict(), consultation.rule, mismatch_pairs
        )
        run = max(latest.values())
        sent = max(
            parse_run(r, cycle_hours=get_source(s).cycle_hours, source_id=s)
            + timedelta(minutes=get_source(s).publication_delay_minutes)
            for s, r in latest.items()
        )
        inputs = hashlib.sha256(json.dumps(sorted(latest.items())).encode()).hexdigest()[:16]
        decisions = ledger.record_run(
            CONSULTATION,
            run,
            reference_time=datetime.strptime(run, "%Y%m%d%H").replace(tzinfo=UTC),
            sent=sent,
            events=[],
            triggers=triggers,
            policy=consultation.events,
            inputs=inputs,
        )
    finally:
        ledger.close()
    write_json_atomic(
        work_dir(settings, CONSULTATION, run) / "assessment.json",
        {
            "source": CONSULTATION,
            "run": run,
            "inputs": latest,
            "production_status": status,
            "levels": levels,
            "events": [event_to_dict(e) for e in events],
            "triggers": [trigger_to_dict(t) for t in triggers],
            "decisions": [asdict(d) for d in decisions],
        },
    )
    return publish(CONSULTATION, run, settings)


def _linking(regions, consultation, criteria):
    """Linked region pairs (border or shared area), and a function giving an event's criteria
    mismatches against the countries its region is linked to."""
    countries = regions["country"].to_dict()
    links = linked_pairs(cross_border_neighbours(regions), consultation.areas)
    linked_countries: dict[str, set[str]] = {}
    for pair in links:
        a, b = sorted(pair)
        linked_countries.setdefault(a, set()).add(countries[b])
        linked_countries.setdefault(b, set()).add(countries[a])

    def mismatch_pairs(event) -> list[tuple[str, int, str, int]]:
        return mismatch_levels(
            event.country,
            event.levels_by_criteria,
            linked_countries.get(event.region, set()),
            criteria,
            event.hazard,
        )

    return links, mismatch_pairs


def deliver(source_id: str, run: str, settings: Settings) -> str:
    """Send every pending delivery, of any source and run: what an earlier crash left is sent
    now. (``source_id`` and ``run`` only key the task.)"""
    ledger = settings.ledger()
    try:
        counts = deliver_pending(
            ledger,
            Outbox(settings.out_dir / "outbox"),
            webhook_secret=settings.webhook_secret.get_secret_value()
            if settings.webhook_secret
            else "",
            smtp=(settings.smtp_host, settings.smtp_port) if settings.smtp_host else None,
            sender=settings.cap_sender,
        )
    finally:
        ledger.close()
    if counts["failed"]:
        raise SourceUnavailable(
            f"{counts['failed']} deliveries failed and stay pending (see the log); "
            f"{counts['delivered']} delivered"
        )
    return f"{counts['delivered']} delivered"


def _trigger_cells(trigger: dict, regions: gpd.GeoDataFrame) -> list[str]:
    if "crisis_cells" in trigger:
        return list(trigger["crisis_cells"])
    return sorted({regions.loc[r, "crisis_cell"] for r in trigger["regions"]})


def _title(page: str) -> str:
    return html.unescape(page.split("<title>", 1)[1].split("</title>", 1)[0])


def _delivery(decision: dict, channel: str, target: str, names: list[str], subject: str = ""):
    return Delivery(
        identifier=decision["identifier"],
        channel=channel,
        target=target,
        files=names,
        subject=subject or f"crosswarn {decision['msg_type']} {decision['identifier']}",
        text=f"crosswarn {decision['msg_type']} {decision['identifier']}; files attached.",
        status="pending",
        attempts=0,
        last_error="",
    )


def _feed(ledger, outbox: Outbox, source_id: str, assessment: dict, settings: Settings) -> bytes:
    """Atom entries for the last message of every active event and trigger of the source."""
    identifiers = [e.last_message for e in ledger.events(source_id) if e.status == "active"]
    identifiers += [t.last_message for t in ledger.triggers(source_id) if t.status == "active"]
    entries = []
    for identifier in identifiers:
        path = outbox.root / f"{identifier}.xml"
        if not path.exists():
            log.warning("feed: %s is not in the outbox (pruned?), left out", path)
            continue
        message = read_cap(path.read_bytes())
        english = next((i for i in message["info"] if i["language"].startswith("en")), None)
        entries.append(
            {
                "identifier": identifier,
                "sent": message["sent"],
                "headline": (english or message["info"][0])["headline"],
                "href": f"{identifier}.xml",
                "msg_type": message["msgType"],
                "scope": message["scope"],
            }
        )
    sent = [d["sent"] for d in assessment["decisions"]]
    return render_feed(
        entries,
        feed_id=f"urn:crosswarn:{settings.cap_sender}:{source_id}",
        title=f"crosswarn active alerts: {source_id}",
        updated=max(sent + [e["sent"] for e in entries], default="1970-01-01T00:00:00+00:00"),
    )


def _with_cells(triggers: list[dict], cells: dict) -> list[dict]:
    return [
        {
            **t,
            "convene": [
                {
                    "id": c,
                    "name": cells[c].name,
                    "address": cells[c].address,
                    "languages": list(cells[c].languages),
                }
                for c in t["crisis_cells"]
            ],
        }
        for t in triggers
    ]


def _warnings_geojson(regions: gpd.GeoDataFrame, assessment: dict, status: str) -> str:
    """RFC 7946 FeatureCollection of warned regions with own and per-authority levels."""
    warned = {e["region"] for e in assessment["events"]}
    features = []
    for region_id in sorted(warned):
        region = regions.loc[region_id]
        props = {
            "region": region_id,
            "name": region["name"],
            "country": region["country"],
            "crisis_cell": region["crisis_cell"],
            "status": status,
        }
        for hazard, by_region in assessment["levels"].items():
            if region_id not in by_region:
                continue  # no model assessing this hazard covers the region
            levels = by_region[region_id]
            props[f"{hazard}_level"] = LEVELS[levels[region["country"]]]
            props[f"{hazard}_level_by_criteria"] = {c: LEVELS[v] for c, v in levels.items()}
        features.append(
            {"type": "Feature", "geometry": region.geometry.__geo_interface__, "properties": props}
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def summarise(assessment: dict, regions: gpd.GeoDataFrame) -> dict:
    """Regions per own peak level per country, and the triggers."""
    counts: dict[str, dict[str, int]] = {}
    for hazard, by_region in assessment["levels"].items():
        for region_id, levels in by_region.items():
            country = regions.loc[region_id, "country"]
            name = LEVELS[levels[country]]
            counts.setdefault(hazard, {}).setdefault(country, {n: 0 for n in LEVELS})
            counts[hazard][country][name] += 1
    return {
        "source": assessment["source"],
        "run": assessment["run"],
        "regions_per_level": counts,
        "events": len(assessment["events"]),
        "messages": {
            kind: sum(1 for d in assessment["decisions"] if d["msg_type"] == kind)
            for kind in ("Alert", "Update", "Cancel")
        },
        "triggers": [
            {
                "id": t["id"],
                "countries": t["levels_by_country"],
                "cells": t["crisis_cells"],
                "start": t["start"],
                "end": t["end"],
            }
            for t in assessment["triggers"]
        ],
    }

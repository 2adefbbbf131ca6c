"""The main job's stages, each keyed by (source, run) and idempotent: one call per Airflow task.

fetch -> statistics -> assess -> publish. Intermediate products go to ``{work}/{source}/{run}/``
(written atomically); warning files to ``{out}/{source}/{run}/`` (swapped in atomically).
Functions take and return plain strings and paths so that XCom carries ids and paths only.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import xarray as xr

from pipeline.cap import AlertContext, render_cap, validate_cap
from pipeline.consultation import Trigger, find_triggers, linked_pairs, load_consultation
from pipeline.criteria import (
    HAZARDS,
    LEVELS,
    assess_levels,
    hazards_of,
    load_criteria,
    mismatches,
    thresholds_for,
)
from pipeline.events import event_from_dict, event_to_dict, find_events
from pipeline.exceedance import region_statistics
from pipeline.publish import StagedOutput, write_json_atomic
from pipeline.regions import cross_border_neighbours, load_crisis_cells, load_regions
from pipeline.settings import Settings
from pipeline.sources import get_source, make_source
from pipeline.sources.base import PRECIPITATION_WINDOWS, parse_run
from pipeline.weights import cached_weights, grid_from_dataset

log = logging.getLogger(__name__)

#: Variables whose statistics every run computes; thresholds come from the criteria.
STATISTIC_VARIABLES = (
    "wind_gust",
    *(f"precipitation_{n}h" for n in PRECIPITATION_WINDOWS),
    "air_temperature",
)


def work_dir(settings: Settings, source_id: str, run: str) -> Path:
    return settings.work_dir / source_id / run


def fetch(source_id: str, run: str, settings: Settings) -> str:
    """Download and verify every file of the run into the archive."""
    source = make_source(source_id, settings)
    run_dir = source.fetch(run, settings.archive_dir, workers=settings.download_workers)
    return str(run_dir)


def statistics(source_id: str, run: str, settings: Settings) -> str:
    """Region statistics of every canonical variable, written as NetCDF."""
    source = make_source(source_id, settings)
    forecast = source.open(run, settings.archive_dir)
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
    result.attrs = {**forecast.attrs, "title": f"crosswarn region statistics, {source_id} {run}"}
    result["region_area_km2"] = ("region", weights.region_area_km2.astype(np.float32))
    result = result.compute(scheduler="threads", num_workers=settings.decode_workers)
    target = work_dir(settings, source_id, run) / "statistics.nc"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    result.to_netcdf(tmp, engine="netcdf4")
    os.replace(tmp, target)
    return str(target)


def assess(source_id: str, run: str, settings: Settings) -> str:
    """Levels under every authority, events under each region's own criteria, criteria
    mismatches, consultation triggers, and the ledger's decision of what to send."""
    source_cls = get_source(source_id)
    regions = load_regions(settings.regions_dir)
    criteria = load_criteria(settings.regions_dir)
    consultation = load_consultation(settings.regions_dir, set(regions.index))
    countries = regions["country"].to_dict()
    neighbours = cross_border_neighbours(regions)
    links = linked_pairs(neighbours, consultation.areas)
    neighbour_countries: dict[str, set[str]] = {}
    for pair in links:
        a, b = sorted(pair)
        neighbour_countries.setdefault(a, set()).add(countries[b])
        neighbour_countries.setdefault(b, set()).add(countries[a])
    reference = parse_run(run, cycle_hours=source_cls.cycle_hours, source_id=source_id)
    stats_path = work_dir(settings, source_id, run) / "statistics.nc"
    with xr.open_dataset(stats_path, engine="netcdf4") as stats:
        stats = stats.load()
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
        events += find_events(
            levels,
            regional,
            countries,
            hazard,
            merge_gap_hours=consultation.events.merge_gap_hours,
            extreme=extreme,
        )
        peak = levels.max("valid_time")
        level_summary[hazard] = {
            region: {str(c): int(peak.sel(region=region, criteria=c)) for c in peak.criteria.values}
            for region in map(str, peak.region.values)
        }

    def mismatch_text(event) -> list[str]:
        return mismatches(
            event.country,
            event.levels_by_criteria,
            neighbour_countries.get(event.region, set()),
            criteria,
        )

    triggers = find_triggers(
        events, links, regions["crisis_cell"].to_dict(), consultation.rule, mismatch_text
    )
    ledger = settings.ledger()
    try:
        decisions = ledger.record_run(
            source_id,
            run,
            reference_time=reference,
            sent=reference + timedelta(minutes=source_cls.publication_delay_minutes),
            events=events,
            triggers=triggers,
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
            "events": [
                event_to_dict(e) | {"criteria_mismatches": mismatch_text(e)} for e in events
            ],
            "triggers": [_trigger_to_dict(t) for t in triggers],
            "decisions": [asdict(d) for d in decisions],
        },
    )
    return str(target)


def _trigger_to_dict(trigger: Trigger) -> dict:
    return {
        "id": trigger.id,
        "hazard": trigger.hazard,
        "start": trigger.start.isoformat(),
        "end": trigger.end.isoformat(),
        "regions": {r: LEVELS[level] for r, level in trigger.regions.items()},
        "levels_by_country": {c: LEVELS[level] for c, level in trigger.levels_by_country.items()},
        "crisis_cells": list(trigger.crisis_cells),
        "criteria_mismatches": list(trigger.mismatches),
        "areas": list(trigger.areas),
    }


def cap_status(settings: Settings, production_status: int) -> str:
    """Scenario, test and research data are never published as Actual."""
    if production_status != 0 and settings.cap_status == "Actual":
        return "Exercise"
    return settings.cap_status


def publish(source_id: str, run: str, settings: Settings) -> str:
    """Render, validate and write the run's warning files; return the output directory."""
    source_cls = get_source(source_id)
    regions = load_regions(settings.regions_dir)
    criteria = load_criteria(settings.regions_dir)
    cells = load_crisis_cells(settings.regions_dir)
    assessment = json.loads((work_dir(settings, source_id, run) / "assessment.json").read_text())
    # Messages are dated by the ledger from the run (published time), never by the clock, so
    # that a rerun writes identical files.
    status = cap_status(settings, assessment["production_status"])
    final = settings.out_dir / source_id / run
    written = []
    decisions = [d for d in assessment["decisions"] if d["kind"] == "warning"]
    with StagedOutput(final) as staged:
        for decision in decisions:
            event = event_from_dict(decision["data"])
            region = regions.loc[event.region]
            context = AlertContext(
                sender=settings.cap_sender,
                oid_prefix=settings.cap_oid_prefix,
                status=status,
                sent=datetime.fromisoformat(decision["sent"]),
                source_id=source_id,
                model=source_cls.model_name,
                run=run,
                authority=criteria[event.country].authority,
                attribution=source_cls.attribution,
            )
            xml = render_cap(
                event,
                context,
                area_name=region["name"],
                geometry=region.geometry,
                languages=tuple(region["languages"]),
                msg_type=decision["msg_type"],
                message_id=decision["identifier"],
                references=decision["references"],
                level=decision["level"],
            )
            name = f"cap/{decision['identifier']}.xml"
            validate_cap(xml, name=name)
            written.append(staged.write(name, xml))
        staged.write("warnings.geojson", _warnings_geojson(regions, assessment, status).encode())
        staged.write(
            "triggers.json",
            (
                json.dumps(_with_cells(assessment["triggers"], cells), indent=1, ensure_ascii=False)
                + "\n"
            ).encode(),
        )
        stats_src = work_dir(settings, source_id, run) / "statistics.nc"
        staged.write("statistics.nc", stats_src.read_bytes())
        staged.write(
            "summary.json", (json.dumps(summarise(assessment, regions), indent=1) + "\n").encode()
        )
        staged.commit()
    log.info("%s %s: %d CAP files, status %s, in %s", source_id, run, len(written), status, final)
    return str(final)


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

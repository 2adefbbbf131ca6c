"""``warnings.geojson``: a run's warned regions as an RFC 7946 FeatureCollection whose
properties are flat, so that GIS tools read each as a column.

One Feature per region with at least one event: its outline as a Polygon or MultiPolygon in
longitude/latitude (WGS 84, as RFC 7946 requires; no ``crs`` member). ``properties``:

- ``region``, ``name``, ``country``: the region's EMMA_ID (``BE008``), name and country code.
- ``crisis_cells``: ids of the crisis cells convened for it.
- ``status``: the CAP status of the run's messages (Actual, Exercise, Test).
- ``source``: what computed the file: the model's source id (``dwd-icon-d2``), or
  ``consultation``; ``run``: the model run, ``YYYYMMDDHH`` in UTC. The consultation adds
  ``inputs``, the model runs it combines (``dwd-icon-d2 2026011500; knmi-harmonie 2026011500``).
- For every hazard assessed over the region (``wind``, ``rain_24h``, ...):
  ``{hazard}_level``, its level under the region's own country's criteria (none, yellow,
  orange, red), and ``{hazard}_level_{CC}`` the level under each country's authority's
  criteria (``wind_level_DE``): where the authorities would disagree.
- For every hazard warned (an event at yellow or above):
  ``{hazard}_onset`` and ``{hazard}_expiry``, the start of the first and the end of the last
  warned hour, and ``{hazard}_peak_time``, in local time with its offset as in the CAP
  messages (``2026-01-15T10:00:00+01:00``); ``{hazard}_peak_value`` and ``{hazard}_peak_unit``,
  the peak as the texts state it (rounded, in km/h, mm, cm or °C; both null for a phenomenon
  without an amount: a thunderstorm, freezing rain). The consultation adds
  ``{hazard}_models``, the models whose events make it up (``DWD ICON-D2, KNMI HARMONIE-AROME``).
  Several events of one hazard in a region (one ends, a later one begins): the earliest
  onset, the latest expiry, the peak of the highest-level event (of equals, the first).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

import geopandas as gpd

from pipeline.assessment.criteria import LEVELS
from pipeline.publishing.amounts import display, rounded
from pipeline.publishing.cap import cap_local_time


def warnings_geojson(regions: gpd.GeoDataFrame, assessment: dict, status: str) -> str:
    """The FeatureCollection of ``assessment``'s warned regions (see the module docstring)."""
    events: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for event in assessment["events"]:
        events[event["region"]][event["hazard"]].append(event)
    features = []
    for region_id in sorted(events):
        region = regions.loc[region_id]
        country = region["country"]  # read once: every hazard's level is its country's
        props = {
            "region": region_id,
            "name": region["name"],
            "country": country,
            "crisis_cells": list(region["crisis_cells"]),
            "status": status,
            "source": assessment["source"],
            "run": assessment["run"],
        }
        if "inputs" in assessment:
            props["inputs"] = "; ".join(f"{s} {r}" for s, r in sorted(assessment["inputs"].items()))
        warned = events[region_id]
        for hazard in sorted(set(assessment["levels"]) | set(warned)):
            levels = assessment["levels"].get(hazard, {}).get(region_id)
            if levels is not None:  # else no model assessing this hazard covers the region
                props[f"{hazard}_level"] = LEVELS[levels[country]]
                props |= {f"{hazard}_level_{c}": LEVELS[v] for c, v in sorted(levels.items())}
            if hazard in warned:
                props |= _timing(hazard, warned[hazard])
        features.append(
            {"type": "Feature", "geometry": region.geometry.__geo_interface__, "properties": props}
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _timing(hazard: str, events: list[dict]) -> dict:
    """When a hazard is warned in a region, and its peak, from its events."""
    onsets = [datetime.fromisoformat(e["onset"]) for e in events]
    expiries = [datetime.fromisoformat(e["expiry"]) for e in events]
    top = min(events, key=lambda e: (-e["peak_level"], datetime.fromisoformat(e["onset"])))
    shown, unit = display(hazard, top["peak_value"])
    props = {
        f"{hazard}_onset": cap_local_time(min(onsets)),
        f"{hazard}_expiry": cap_local_time(max(expiries)),
        f"{hazard}_peak_time": cap_local_time(datetime.fromisoformat(top["peak_time"])),
        f"{hazard}_peak_value": rounded(shown, hazard) if unit else None,
        f"{hazard}_peak_unit": unit or None,
    }
    models = sorted({m for e in events for m in e.get("models", {})})
    if models:
        props[f"{hazard}_models"] = ", ".join(models)
    return props

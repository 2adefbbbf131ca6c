"""A run's summary (``summary.json``) and its triggers with the crisis cells to convene
(``triggers.json``)."""

from __future__ import annotations

import geopandas as gpd

from pipeline.assessment.criteria import LEVELS
from pipeline.geo.regions import CrisisCell


def summarise(assessment: dict, regions: gpd.GeoDataFrame) -> dict:
    """Regions per own peak level per country, and the triggers."""
    counts: dict[str, dict[str, int]] = {}
    countries = regions["country"].to_dict()  # looked up per region and hazard
    for hazard, by_region in assessment["levels"].items():
        for region_id, levels in by_region.items():
            country = countries[region_id]
            name = LEVELS[levels[country]]
            counts.setdefault(hazard, {}).setdefault(country, {n: 0 for n in LEVELS})
            counts[hazard][country][name] += 1
    summary = {
        "source": assessment["source"],
        "run": assessment["run"],
        # Data time and issue time of what this summary describes (see assess / consult).
        "issued": assessment.get("issued"),
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
    if "inputs" in assessment:  # the consultation: which model runs it combined, which not
        summary["inputs"] = assessment["inputs"]
        summary["ignored_inputs"] = assessment.get("ignored_inputs", {})
    return summary


def with_cells(triggers: list[dict], cells: dict[str, CrisisCell]) -> list[dict]:
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

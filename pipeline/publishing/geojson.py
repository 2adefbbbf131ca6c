"""``warnings.geojson``: an RFC 7946 FeatureCollection of the warned regions, with each region's
own level and its level under every authority's criteria, per hazard."""

from __future__ import annotations

import json

import geopandas as gpd

from pipeline.assessment.criteria import LEVELS


def warnings_geojson(regions: gpd.GeoDataFrame, assessment: dict, status: str) -> str:
    """RFC 7946 FeatureCollection of warned regions with own and per-authority levels."""
    warned = {e["region"] for e in assessment["events"]}
    features = []
    for region_id in sorted(warned):
        region = regions.loc[region_id]
        props = {
            "region": region_id,
            "name": region["name"],
            "country": region["country"],
            "crisis_cells": list(region["crisis_cells"]),
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

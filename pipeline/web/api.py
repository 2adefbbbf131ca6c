"""The web view's public data as plain JSON-ready objects: the map's region outlines, the
warned regions of each source's newest run (GeoJSON) and one region's levels and timeline.
Only public warnings enter: the consultation is no source here."""

from __future__ import annotations

from collections.abc import Mapping

import shapely

from pipeline.web.catalogue import Catalogue

#: Tolerance of the map's outlines (degrees, about 500 m): the browser gets tens of kB.
SIMPLIFY_DEGREES = 0.005


def map_shapes(regions) -> dict:
    """The in-scope regions' outlines for the map (GeoJSON), simplified and rounded to
    0.001° (about 100 m)."""
    simple = shapely.set_precision(
        shapely.simplify(regions.geometry.to_numpy(), SIMPLIFY_DEGREES), 0.001
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": region,
                "geometry": shapely.geometry.mapping(shape),
                "properties": {"name": str(row["name"]), "country": str(row["country"])},
            }
            for (region, row), shape in zip(regions.iterrows(), simple, strict=True)
        ],
    }


def public_warnings(
    catalogue: Catalogue, shapes: dict, regions: Mapping[str, tuple[str, str]], source: str | None
) -> dict:
    """Public GeoJSON of the warned regions of every source's newest run (or one)."""
    outlines = {f["id"]: f["geometry"] for f in shapes["features"]}
    features = []
    for run in catalogue.runs.values():
        if source and run.source != source:
            continue
        for region, hazards in sorted(run.hazards.items()):
            if region not in regions:
                continue
            name, country = regions[region]
            features.append(
                {
                    "type": "Feature",
                    "id": f"{run.source}/{region}",
                    "geometry": outlines[region],
                    "properties": {
                        "region": region,
                        "name": name,
                        "country": country,
                        "source": run.source,
                        "run": run.run,
                        "status": run.status,
                        "level": run.level(region),
                        "hazards": hazards,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}


def region_detail(
    catalogue: Catalogue, regions: Mapping[str, tuple[str, str]], region: str
) -> dict:
    """A region's level per hazard under each authority's criteria and its public warnings in
    force (the timeline), per source."""
    name, country = regions[region]
    by_source = {}
    for run in catalogue.runs.values():
        warnings = [w for w in run.warnings if w.region == region]
        by_source[run.source] = {
            "run": run.run,
            "level": run.level(region),
            "hazards": run.hazards.get(region, {}),
            "timeline": [
                {
                    "identifier": w.identifier,
                    "level": w.level,
                    "onset": w.onset.isoformat(),
                    "expires": w.expires.isoformat(),
                    "events": w.events,
                    "cap": f"/cap/{w.identifier}.xml",
                }
                for w in sorted(warnings, key=lambda w: (w.onset, w.identifier))
            ],
        }
    return {"region": region, "name": name, "country": country, "sources": by_source}

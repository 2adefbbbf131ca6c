"""What crosswarn derives from the regions' outlines alone, kept per set of outlines.

Two facts need the outlines projected: the regions in different countries that share a border
(with its length, :func:`pipeline.geo.regions.cross_border_neighbours`) and each region's true
size (equal-area, for the share of it a model's grid covers). The first projection of a process
costs PROJ's set-up (0.07 s) and the borders 0.02 s more, on every run; with a cache directory
both are read from a small file keyed by the regions' fingerprint (their ids and geometries)
and by the rules that measure them, so a change of either computes them again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from pipeline.files import write_json_atomic
from pipeline.geo.regions import (
    BORDER_SNAP_M,
    METRIC_CRS,
    MIN_SHARED_BORDER_M,
    cross_border_neighbours,
)

log = logging.getLogger(__name__)

#: The equal-area CRS regions' true sizes are measured in.
EQUAL_AREA_CRS = "EPSG:6933"
#: What the facts depend on besides the outlines: a change here computes them again.
_RULES = f"v1|{METRIC_CRS}|{BORDER_SNAP_M}|{MIN_SHARED_BORDER_M}|{EQUAL_AREA_CRS}"


@dataclass(frozen=True)
class RegionFacts:
    #: Cross-border neighbours (pairs sorted, each once) and their shared border in km.
    neighbours: dict[tuple[str, str], float]
    #: Each region's area in km² (equal-area).
    area_km2: dict[str, float]


def regions_fingerprint(regions: gpd.GeoDataFrame) -> str:
    """The regions' ids and geometries, hashed."""
    digest = hashlib.sha256()
    for region_id, geometry in zip(regions.index, regions.geometry, strict=True):
        digest.update(region_id.encode())
        digest.update(geometry.wkb)
    return digest.hexdigest()[:16]


def measure(regions: gpd.GeoDataFrame) -> RegionFacts:
    """The facts of ``regions`` (EPSG:4326, indexed by region id), computed."""
    return RegionFacts(neighbours=cross_border_neighbours(regions), area_km2=_areas(regions))


def _areas(regions: gpd.GeoDataFrame) -> dict[str, float]:
    area = regions.geometry.to_crs(EQUAL_AREA_CRS).area / 1e6
    return {str(k): float(v) for k, v in area.items()}


def true_area_km2(regions: gpd.GeoDataFrame, cache_dir: Path | None = None) -> dict[str, float]:
    """Each region's area in km² (equal-area): from the cache with ``cache_dir``, else
    measured alone."""
    return region_facts(regions, cache_dir).area_km2 if cache_dir is not None else _areas(regions)


def region_facts(regions: gpd.GeoDataFrame, cache_dir: Path | None = None) -> RegionFacts:
    """:func:`measure`, kept under ``cache_dir`` (if given) per set of outlines."""
    if cache_dir is None:
        return measure(regions)
    key = hashlib.sha256(f"{regions_fingerprint(regions)}|{_RULES}".encode()).hexdigest()[:20]
    path = Path(cache_dir) / "regions" / f"facts-{key}.json"
    try:
        stored = json.loads(path.read_text())
        facts = RegionFacts(
            neighbours={(a, b): float(km) for a, b, km in stored["neighbours"]},
            area_km2={str(k): float(v) for k, v in stored["area_km2"].items()},
        )
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError) as exc:  # any damage: measured again
        log.warning("region facts cache %s is damaged (%s): measuring again", path, exc)
    else:
        if set(facts.area_km2) == set(regions.index):
            return facts
        log.warning("region facts cache %s lists other regions: measuring again", path)
    facts = measure(regions)
    write_json_atomic(
        path,
        {
            "neighbours": [[a, b, km] for (a, b), km in facts.neighbours.items()],
            "area_km2": facts.area_km2,
        },
    )
    return facts

"""Warning regions in NUTS-3 terms: which NUTS-3 units (of GISCO's files, read by
:mod:`pipeline.sources.gisco`) each warning region covers, and the table publishing reads
(``regions/nuts3.yaml``). © EuroGeographics for the administrative boundaries."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import yaml

from pipeline.config import Frozen, load_yaml_model
from pipeline.files import write_bytes_atomic


def nuts3_of_regions(regions: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> dict[str, list[str]]:
    """NUTS-3 codes per warning region, from the same country: each unit goes to the region it
    overlaps most, and a unit covering at least half of a region goes to it too (Luxembourg's
    one unit, LU000, covers both of its warning regions).

    Regions of coastal waters have none. Publishing reads the result from ``regions/nuts3.yaml``
    (:func:`regions_nuts3`), written by ``crosswarn regions nuts3``, so that a run's files never
    depend on what happens to be in a cache.
    """
    equal_area = "EPSG:3035"
    unit_shapes = units.to_crs(equal_area).geometry
    region_shapes = regions.to_crs(equal_area).geometry
    codes: dict[str, set[str]] = {}
    for country in sorted(set(regions["country"])):
        mine = regions.index[regions["country"] == country]
        theirs = units.index[units["country"] == country]
        overlap = np.array(
            [[unit_shapes[u].intersection(region_shapes[r]).area for r in mine] for u in theirs]
        ).reshape(len(theirs), len(mine))
        for i, unit in enumerate(theirs):
            if overlap[i].max() > 0:
                codes.setdefault(str(mine[overlap[i].argmax()]), set()).add(str(unit))
            for j, region in enumerate(mine):
                if overlap[i, j] >= 0.5 * region_shapes[region].area:
                    codes.setdefault(str(region), set()).add(str(unit))
    return {region: sorted(ids) for region, ids in codes.items()}


#: The EMMA_ID -> NUTS-3 table publishing reads, beside the other region files.
NUTS3_FILE = "nuts3.yaml"


class Nuts3Table(Frozen):
    nuts_version: int
    source: str
    regions: dict[str, tuple[str, ...]]


def regions_nuts3(regions_dir: Path) -> dict[str, tuple[str, ...]]:
    """NUTS-3 codes per warning region, from ``regions/nuts3.yaml`` (none if it is absent)."""
    path = Path(regions_dir) / NUTS3_FILE
    if not path.exists():
        return {}
    return dict(load_yaml_model(path, Nuts3Table).regions)


def write_regions_nuts3(
    regions: gpd.GeoDataFrame, units: gpd.GeoDataFrame, regions_dir: Path, *, release
) -> Path:
    """Write :func:`nuts3_of_regions` of GISCO's ``units`` (of the pinned ``release``) to
    ``regions/nuts3.yaml``."""
    codes = nuts3_of_regions(regions, units)
    header = (
        "# NUTS-3 units per warning region, derived by `crosswarn regions nuts3` from Eurostat\n"
        f"# GISCO's {release.file} (sha256 {release.sha256}).\n"
        "# Administrative boundaries: (c) EuroGeographics. Do not edit by hand.\n"
    )
    table = {
        "nuts_version": release.version,
        "source": release.url,
        "regions": {region: list(ids) for region, ids in sorted(codes.items())},
    }
    target = Path(regions_dir) / NUTS3_FILE
    write_bytes_atomic(target, (header + yaml.safe_dump(table, sort_keys=False)).encode())
    return target

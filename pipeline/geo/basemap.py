"""The land under the warning regions and around them, for maps, offline.

A map must show sea as sea: the MeteoAlarm EMMA_ID asset the regions come from covers all of
Europe's land with warning areas, so the land in and around the scope is the union, per country,
of every EMMA_ID land area within a margin of the regions; whatever is not land on a map is sea.
Coastal and marine water areas are EMMA_IDs numbered from 801 within a country (BE801,
NL801-NL807 with the Waddenzee and IJsselmeer, DE802): they are never land. Without the asset
(tests with made-up regions) the land is the regions' own land areas.

Known gap: the asset has no areas of the United Kingdom (it left MeteoAlarm), so Kent would be
drawn as sea on a map reaching west of 1.8° E; crosswarn's maps stay east of it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from pipeline.files import write_json_atomic
from pipeline.geo.emma import marine
from pipeline.geo.regions import _emma_geometries, emma_asset

#: How far around the regions (degrees) the neighbouring land is kept: past any map's frame.
MARGIN_DEG = 1.5


@dataclass(frozen=True, eq=False)  # compared (and cached) by identity
class Basemap:
    """Land per country (EMMA country code -> geometry, EPSG:4326), scope and surroundings."""

    land: dict[str, shapely.Geometry]

    @classmethod
    def from_regions(cls, regions: gpd.GeoDataFrame) -> Basemap:
        """The regions' own land areas, dissolved per country (no surroundings)."""
        land = regions[[not marine(r) for r in regions.index]]
        return cls(_dissolve(land.geometry.to_numpy(), land["country"].to_numpy()))


def load_basemap(regions: gpd.GeoDataFrame, cache_dir: Path | None = None) -> Basemap:
    """The land in and around ``regions`` from the EMMA_ID asset. Reading the asset takes about
    a second, so with a ``cache_dir`` the result is kept there (a few tens of kB of WKB), keyed
    by the asset and the regions' extent."""
    asset = emma_asset()
    bounds = [round(float(v), 3) for v in regions.total_bounds]
    if cache_dir is None:
        return Basemap(_surroundings(asset, bounds))
    stat = asset.stat()
    key = hashlib.sha256(
        f"{asset}|{stat.st_size}|{stat.st_mtime_ns}|{bounds}|{MARGIN_DEG}".encode()
    )
    cached = Path(cache_dir) / "regions" / f"basemap-{key.hexdigest()[:20]}.json"
    try:
        stored = json.loads(cached.read_text())
        return Basemap({c: shapely.from_wkb(bytes.fromhex(wkb)) for c, wkb in stored.items()})
    except (OSError, ValueError, shapely.errors.ShapelyError):
        pass  # not cached yet, or unreadable: build it and cache it again
    land = _surroundings(asset, bounds)
    write_json_atomic(cached, {c: shapely.to_wkb(g, hex=True) for c, g in land.items()})
    return Basemap(land)


def _surroundings(asset: Path, bounds: list[float]) -> dict[str, shapely.Geometry]:
    west, south, east, north = bounds
    frame = _emma_geometries(asset)
    near = frame.cx[west - MARGIN_DEG : east + MARGIN_DEG, south - MARGIN_DEG : north + MARGIN_DEG]
    near = near[[not marine(code) for code in near.index]]
    return _dissolve(shapely.make_valid(near.geometry.to_numpy()), near["country"].to_numpy())


def _dissolve(shapes, countries) -> dict[str, shapely.Geometry]:
    return {
        str(country): shapely.union_all(shapes[countries == country])
        for country in sorted(set(countries))
    }

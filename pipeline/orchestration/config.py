"""The configuration every stage reads, loaded once per process (and again when a file in
``regions/`` changes): regions with their geometries, criteria, the consultation rule, crisis
cells, and which regions are linked across borders."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from pipeline.assessment.assess import Linking, linking
from pipeline.assessment.consultation import ConsultationConfig, linked_pairs, load_consultation
from pipeline.assessment.criteria import AuthorityCriteria, load_criteria
from pipeline.geo.region_facts import region_facts
from pipeline.geo.regions import (
    CrisisCell,
    load_crisis_cells,
    load_regions,
)


@dataclass(frozen=True)
class Config:
    regions: gpd.GeoDataFrame
    criteria: dict[str, AuthorityCriteria]
    consultation: ConsultationConfig
    cells: dict[str, CrisisCell]
    linking: Linking

    @property
    def countries(self) -> dict[str, str]:
        return self.regions["country"].to_dict()

    @property
    def crisis_cells(self) -> dict[str, tuple[str, ...]]:
        """Region id -> the crisis cells convened for it (a trigger convenes its regions')."""
        return {region: tuple(cells) for region, cells in self.regions["crisis_cells"].items()}


def load_config(regions_dir: Path, cache_dir: Path | None = None) -> Config:
    """The configuration in ``regions_dir`` (kept while its files are unchanged); with
    ``cache_dir``, the regions' geometries come from a small cache there."""
    files = sorted(p for p in Path(regions_dir).rglob("*.yaml"))
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    return _load(Path(regions_dir), signature, cache_dir)


@functools.lru_cache(maxsize=4)
def _load(regions_dir: Path, signature: tuple, cache_dir: Path | None) -> Config:
    cells = load_crisis_cells(regions_dir)  # read once: the largest file
    regions = load_regions(regions_dir, cache_dir, cells=cells)
    criteria = load_criteria(regions_dir)
    consultation = load_consultation(regions_dir, set(regions.index))
    links = linked_pairs(region_facts(regions, cache_dir).neighbours, consultation.areas)
    return Config(
        regions=regions,
        criteria=criteria,
        consultation=consultation,
        cells=cells,
        linking=linking(links, regions["country"].to_dict(), criteria),
    )

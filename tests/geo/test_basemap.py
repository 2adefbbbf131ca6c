"""The land the maps draw, from the MeteoAlarm asset (offline): the scope's countries and their
neighbours' areas around it, never the coastal and marine water areas."""

from __future__ import annotations

import pytest
import shapely

from pipeline.geo.basemap import Basemap, load_basemap
from pipeline.geo.emma import marine
from pipeline.geo.regions import load_regions
from pipeline.settings import DEFAULT_REGIONS_DIR


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    return load_regions(DEFAULT_REGIONS_DIR, tmp_path_factory.mktemp("cache"))


def test_water_areas_are_the_emma_ids_from_801():
    assert [marine(r) for r in ("BE801", "NL806", "NL807", "DE802", "NL019", "DE387")] == [
        True, True, True, True, False, False,
    ]  # fmt: skip


def test_land_reaches_past_the_scope_and_leaves_out_sea_and_coastal_waters(regions, tmp_path):
    basemap = load_basemap(regions, tmp_path)
    assert {"BE", "NL", "LU", "DE", "FR"} <= set(basemap.land)
    land = shapely.union_all(list(basemap.land.values()))
    inside = {
        "Utrecht": (5.2, 52.08), "Köln (out of scope)": (6.95, 50.94),
        "Reims (out of scope)": (4.03, 49.26), "Luxembourg": (6.13, 49.61),
    }  # fmt: skip
    outside = {"North Sea": (3.0, 52.5), "Waddenzee": (5.3, 53.2), "IJsselmeer": (5.4, 52.8)}
    assert all(land.contains(shapely.Point(p)) for p in inside.values())
    assert not any(land.contains(shapely.Point(p)) for p in outside.values())


def test_the_land_is_cached_and_read_back_identical(regions, tmp_path, monkeypatch):
    first = load_basemap(regions, tmp_path)
    assert len(list((tmp_path / "regions").glob("basemap-*.json"))) == 1

    def unread(asset):
        raise AssertionError(f"{asset} read again")

    monkeypatch.setattr("pipeline.geo.basemap._emma_geometries", unread)
    second = load_basemap(regions, tmp_path)
    for country, shape in first.land.items():
        assert shapely.equals_exact(second.land[country], shape, tolerance=0)


def test_without_the_asset_the_land_is_the_regions_own(regions):
    own = Basemap.from_regions(regions)
    assert set(own.land) == {"BE", "DE", "FR", "LU", "NL"}
    assert not own.land["NL"].contains(shapely.Point(5.3, 53.2))  # Waddenzee: water
    assert own.land["NL"].contains(shapely.Point(5.2, 52.08))

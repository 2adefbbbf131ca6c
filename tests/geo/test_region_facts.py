"""Region facts (cross-border neighbours, true areas) measured once per set of outlines and
read back from the cache: squares in an equal-area CRS, whose areas and borders are known."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from pipeline.geo import region_facts as facts_module
from pipeline.geo.region_facts import region_facts
from tests.geo.test_regions import _squares as boxes_in_metres


def _squares(**cells) -> gpd.GeoDataFrame:
    """Regions as boxes in metres of EPSG:3035 (equal-area, as the facts' EPSG:6933 is), given
    in longitude and latitude as the registry's are."""
    return boxes_in_metres(**cells).to_crs("EPSG:4326")


TWO = {"A": ("BE", (0, 0, 5000, 5000)), "B": ("NL", (5000, 0, 10000, 5000))}


def _cached(cache) -> list:
    return sorted((cache / "regions").glob("facts-*.json"))


def test_facts_are_measured_once_then_read_back(tmp_path, monkeypatch):
    regions = _squares(**TWO)
    first = region_facts(regions, tmp_path)
    assert first.neighbours == {("A", "B"): 5.0}
    assert first.area_km2 == {
        "A": pytest.approx(25.0, rel=1e-4),
        "B": pytest.approx(25.0, rel=1e-4),
    }
    assert len(_cached(tmp_path)) == 1

    def unexpected(_regions):
        raise AssertionError("measured again although cached")

    monkeypatch.setattr(facts_module, "measure", unexpected)
    assert region_facts(regions, tmp_path) == first


def test_other_outlines_are_measured_anew(tmp_path):
    region_facts(_squares(**TWO), tmp_path)
    wider = region_facts(_squares(A=TWO["A"], B=("NL", (5000, 0, 12000, 5000))), tmp_path)
    assert wider.area_km2["B"] == pytest.approx(35.0, rel=1e-4)
    assert len(_cached(tmp_path)) == 2


@pytest.mark.parametrize(
    "damage",
    [b"{not json", b'{"neighbours": [["A"]], "area_km2": {}}', b'{"neighbours": []}'],
    ids=["truncated", "short pair", "no areas"],
)
def test_a_damaged_cache_is_measured_again_and_rewritten(tmp_path, damage, caplog):
    regions = _squares(**TWO)
    region_facts(regions, tmp_path)
    (path,) = _cached(tmp_path)
    path.write_bytes(damage)
    facts = region_facts(regions, tmp_path)
    assert facts.neighbours == {("A", "B"): 5.0}
    assert "damaged" in caplog.text and path.name in caplog.text
    assert json.loads(path.read_text())["neighbours"] == [["A", "B", 5.0]]


def test_a_cache_listing_other_regions_is_not_used(tmp_path, caplog):
    regions = _squares(**TWO)
    region_facts(regions, tmp_path)
    (path,) = _cached(tmp_path)
    path.write_text(json.dumps({"neighbours": [], "area_km2": {"A": 1.0}}))
    assert region_facts(regions, tmp_path).area_km2["B"] == pytest.approx(25.0, rel=1e-4)
    assert "other regions" in caplog.text

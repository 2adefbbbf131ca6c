"""The region registry: loading and validating regions/, and cross-border neighbours."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from pipeline.errors import ConfigError
from pipeline.geo.regions import cross_border_neighbours, load_regions

REGIONS_DIR = Path(__file__).resolve().parents[2] / "regions"


@pytest.fixture(scope="module")
def shipped() -> gpd.GeoDataFrame:
    return load_regions(REGIONS_DIR)


def test_the_shipped_registry_has_53_regions_in_five_countries(shipped):
    assert len(shipped) == 53
    assert shipped.index.is_unique
    assert shipped.index.name == "region"
    assert set(shipped["country"]) == {"BE", "NL", "LU", "DE", "FR"}
    assert shipped.crs.to_epsg() == 4326
    assert list(shipped.columns) == ["name", "country", "crisis_cell", "languages", "geometry"]


def test_every_shipped_region_has_a_valid_geometry_in_its_own_country(shipped):
    assert shipped.geometry.is_valid.all()
    assert not shipped.geometry.is_empty.any()
    for region, country in shipped["country"].items():
        assert region.startswith(country)
    # All of BE, NL and LU lie roughly within 2-10 E, 48-54 N.
    west, south, east, north = shipped.total_bounds
    assert west > 1.0 and east < 11.0 and south > 47.0 and north < 56.0


def test_shipped_region_attributes(shipped):
    assert shipped.loc["BE008", "name"] == "Liège"
    assert tuple(shipped.loc["BE008", "languages"]) == ("fr", "de")
    assert shipped.loc["LU001", "crisis_cell"] == "lu-hcpn"


def _registry(tmp_path: Path, lines: list[str]) -> Path:
    """A regions dir with the shipped crisis cells and a scope.yaml of ``lines``."""
    folder = tmp_path / "regions"
    folder.mkdir()
    shutil.copy(REGIONS_DIR / "crisis_cells.yaml", folder / "crisis_cells.yaml")
    (folder / "scope.yaml").write_text(
        "version: 1\ngeometry_source: test\nregions:\n" + "".join(f"  - {x}\n" for x in lines)
    )
    return folder


LIEGE = "{id: BE008, name: Liège, country: BE, crisis_cell: be-nccn, languages: [fr, de]}"
LIMBURG = "{id: NL012, name: Limburg, country: NL, crisis_cell: nl-ncc, languages: [nl]}"


def test_a_small_valid_registry_loads(tmp_path):
    regions = load_regions(_registry(tmp_path, [LIEGE, LIMBURG]))
    assert list(regions.index) == ["BE008", "NL012"]
    assert cross_border_neighbours(regions) == [("BE008", "NL012")]


def test_a_duplicate_region_id_is_a_config_error_naming_the_file(tmp_path):
    folder = _registry(tmp_path, [LIEGE, LIMBURG, LIEGE])
    with pytest.raises(ConfigError, match="duplicate region ids") as caught:
        load_regions(folder)
    assert str(folder / "scope.yaml") in str(caught.value)
    assert "BE008" in str(caught.value)


def test_a_region_in_the_wrong_country_is_a_config_error_naming_the_file(tmp_path):
    wrong = "{id: BE008, name: Liège, country: NL, crisis_cell: nl-ncc, languages: [fr]}"
    folder = _registry(tmp_path, [wrong])
    with pytest.raises(ConfigError, match="not in country NL") as caught:
        load_regions(folder)
    assert str(folder / "scope.yaml") in str(caught.value)


def test_an_unknown_crisis_cell_is_a_config_error_naming_the_file(tmp_path):
    folder = _registry(tmp_path, [LIEGE.replace("be-nccn", "be-nowhere")])
    with pytest.raises(ConfigError, match="be-nowhere") as caught:
        load_regions(folder)
    assert str(folder / "scope.yaml") in str(caught.value)


def test_a_region_without_an_emma_geometry_is_a_config_error(tmp_path):
    folder = _registry(tmp_path, [LIEGE.replace("BE008", "BE999")])
    with pytest.raises(ConfigError, match="BE999") as caught:
        load_regions(folder)
    assert str(folder / "scope.yaml") in str(caught.value)


def test_an_unknown_key_or_bad_id_is_a_config_error_naming_the_file(tmp_path):
    folder = _registry(tmp_path, [LIEGE.replace("BE008", "B008")])
    with pytest.raises(ConfigError) as caught:
        load_regions(folder)
    assert str(folder / "scope.yaml") in str(caught.value)


def test_a_missing_scope_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_regions(tmp_path)


# --- cross_border_neighbours --------------------------------------------------------------------


def test_shipped_neighbours_are_pairs_of_different_countries_each_once(shipped):
    pairs = cross_border_neighbours(shipped)
    assert pairs, "the scope is chosen along borders: there must be neighbours"
    country = shipped["country"]
    for a, b in pairs:
        assert a < b
        assert country[a] != country[b]
    assert pairs == sorted(set(pairs))
    # Limburg (BE) and Limburg (NL) share a border; Hainaut and Namur do too, but in one country.
    assert ("BE007", "NL012") in pairs
    assert ("BE005", "BE006") not in pairs
    assert ("BE008", "LU002") in pairs  # Liège and Luxembourg Nord


def _squares(**cells) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"country": [c for c, _ in cells.values()]},
        index=list(cells),
        geometry=[box(*b) for _, b in cells.values()],
        crs="EPSG:4326",
    )


def test_neighbours_of_synthetic_squares_with_gaps_around_the_tolerance():
    # Tolerance 0.01°: a 0.009° gap still counts as a shared border, a 0.011° gap does not.
    regions = _squares(
        A1=("BE", (0.0, 0.0, 1.0, 1.0)),
        A2=("BE", (1.0, 0.0, 2.0, 1.0)),  # touches A1, same country
        B1=("NL", (2.009, 0.0, 3.0, 1.0)),  # 0.009° east of A2
        B2=("NL", (0.0, 1.011, 1.0, 2.0)),  # 0.011° north of A1
        C1=("DE", (1.2, -1.0, 1.8, 0.0)),  # touches A2 along y = 0, far from the others
    )
    assert cross_border_neighbours(regions) == [("A2", "B1"), ("A2", "C1")]

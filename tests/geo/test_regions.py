"""The region registry: loading and validating regions/ (regions and their crisis cells), and
cross-border neighbours measured on the geometries."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from shapely.geometry import box

from pipeline.errors import ConfigError
from pipeline.geo.regions import cross_border_neighbours, load_crisis_cells, load_regions

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
    assert list(shipped.columns) == ["name", "country", "crisis_cells", "languages", "geometry"]


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
    # Luxembourg: the HCPN's cellule de crise, advised by the CERI in which the CGDIS sits.
    assert tuple(shipped.loc["LU001", "crisis_cells"]) == ("lu-hcpn", "lu-cgdis")
    # Liège: its governor (EMRIC partner) for the provincial phase, the NCCN for the federal one.
    assert tuple(shipped.loc["BE008", "crisis_cells"]) == ("be-gov-liege", "be-nccn")


def _registry(tmp_path: Path, lines: list[str]) -> Path:
    """A regions dir with the shipped crisis cells and a scope.yaml of ``lines``."""
    folder = tmp_path / "regions"
    folder.mkdir()
    shutil.copy(REGIONS_DIR / "crisis_cells.yaml", folder / "crisis_cells.yaml")
    (folder / "scope.yaml").write_text(
        "version: 1\ngeometry_source: test\nregions:\n" + "".join(f"  - {x}\n" for x in lines)
    )
    return folder


LIEGE = (
    "{id: BE008, name: Liège, country: BE, crisis_cells: [be-gov-liege, be-nccn], "
    "languages: [fr, de]}"
)
LIMBURG = (
    "{id: NL012, name: Limburg, country: NL, crisis_cells: [nl-vr-zuid-limburg], languages: [nl]}"
)


def test_a_small_valid_registry_loads(tmp_path):
    regions = load_regions(_registry(tmp_path, [LIEGE, LIMBURG]))
    assert list(regions.index) == ["BE008", "NL012"]
    # Liège meets Dutch Limburg from the Meuse at Eijsden to the tripoint at Vaals (~30 km).
    ((pair, km),) = cross_border_neighbours(regions).items()
    assert pair == ("BE008", "NL012")
    assert 15 < km < 40


def test_a_duplicate_region_id_is_a_config_error_naming_the_file(tmp_path):
    folder = _registry(tmp_path, [LIEGE, LIMBURG, LIEGE])
    with pytest.raises(ConfigError, match="duplicate region ids") as caught:
        load_regions(folder)
    assert str(folder / "scope.yaml") in str(caught.value)
    assert "BE008" in str(caught.value)


def test_a_region_in_the_wrong_country_is_a_config_error_naming_the_file(tmp_path):
    wrong = "{id: BE008, name: Liège, country: NL, crisis_cells: [nl-ncc], languages: [fr]}"
    folder = _registry(tmp_path, [wrong])
    with pytest.raises(ConfigError, match="not in country NL") as caught:
        load_regions(folder)
    assert str(folder / "scope.yaml") in str(caught.value)


def test_an_unknown_crisis_cell_is_a_config_error_naming_the_file_and_key(tmp_path):
    folder = _registry(tmp_path, [LIMBURG, LIEGE.replace("be-nccn", "be-nowhere")])
    with pytest.raises(ConfigError, match="be-nowhere") as caught:
        load_regions(folder)
    assert str(folder / "scope.yaml") in str(caught.value)
    assert "regions[1] (BE008).crisis_cells" in str(caught.value)


def test_a_cell_of_another_country_is_a_config_error(tmp_path):
    folder = _registry(tmp_path, [LIEGE.replace("be-nccn", "nl-vr-zuid-limburg")])
    with pytest.raises(ConfigError, match=r"\['nl-vr-zuid-limburg'\] are not cells of BE"):
        load_regions(folder)


def test_a_region_without_crisis_cells_is_a_config_error(tmp_path):
    folder = _registry(tmp_path, [LIEGE.replace("be-gov-liege, be-nccn", "")])
    with pytest.raises(ConfigError, match=r"regions\.0\.crisis_cells") as caught:
        load_regions(folder)
    assert str(folder / "scope.yaml") in str(caught.value)


def _cells_file(tmp_path: Path, edit) -> Path:
    """A regions dir whose crisis_cells.yaml is the shipped one changed by ``edit(data)``."""
    folder = tmp_path / "regions"
    folder.mkdir()
    data = yaml.safe_load((REGIONS_DIR / "crisis_cells.yaml").read_text())
    edit(data)
    (folder / "crisis_cells.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    return folder


def _cell(data: dict, cell_id: str) -> dict:
    return next(c for c in data["crisis_cells"] if c["id"] == cell_id)


def test_a_cell_citing_an_unknown_source_is_a_config_error_naming_file_and_key(tmp_path):
    folder = _cells_file(tmp_path, lambda d: _cell(d, "be-gov-liege")["sources"].append("nope"))
    with pytest.raises(ConfigError) as caught:
        load_crisis_cells(folder)
    message = str(caught.value)
    assert str(folder / "crisis_cells.yaml") in message
    assert "(be-gov-liege).sources: unknown source ids ['nope']" in message


def test_a_verified_cell_without_sources_is_a_config_error(tmp_path):
    folder = _cells_file(tmp_path, lambda d: _cell(d, "be-gov-hainaut").update(sources=[]))
    with pytest.raises(ConfigError, match="be-gov-hainaut: verified: true needs the sources"):
        load_crisis_cells(folder)


def test_an_unverified_cell_must_say_what_is_missing(tmp_path):
    folder = _cells_file(tmp_path, lambda d: _cell(d, "fr-pref-aisne").update(note=""))
    with pytest.raises(ConfigError, match="fr-pref-aisne: verified: false needs a note"):
        load_crisis_cells(folder)


def test_a_cell_id_names_its_country(tmp_path):
    folder = _cells_file(tmp_path, lambda d: _cell(d, "lu-cgdis").update(country="FR"))
    with pytest.raises(ConfigError, match="'lu-cgdis' must start with its country, fr-"):
        load_crisis_cells(folder)


def test_shipped_cells_are_named_by_regions_and_use_placeholder_addresses(shipped):
    cells = load_crisis_cells(REGIONS_DIR)
    named = {c for region_cells in shipped["crisis_cells"] for c in region_cells}
    assert named == set(cells), "every cell is convened for some region, and only those"
    reserved = (".example.org", ".example.com", ".example.net", ".example")  # RFC 2606
    for cell in cells.values():
        assert cell.address.startswith("mailto:") and cell.address.endswith(reserved), cell.id


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
    assert list(pairs) == sorted(pairs)
    # Limburg (BE) and Limburg (NL) share a border; Hainaut and Namur do too, but in one country.
    assert ("BE007", "NL012") in pairs
    assert ("BE005", "BE006") not in pairs
    assert ("BE008", "LU002") in pairs  # Liège and Luxembourg Nord


def test_shipped_neighbours_follow_the_real_borders(shipped):
    pairs = cross_border_neighbours(shipped)
    # Kreis Heinsberg has a 77 km border with the Netherlands, all of it with Limburg; the
    # generalised EMMA shapes shorten winding borders, but it stays long.
    assert pairs[("DE157", "NL012")] > 20
    # Kreis Viersen borders Limburg at Venlo and Roermond, though its EMMA shape, a straight
    # chord, never comes closer than 240 m to the detailed Dutch outline.
    assert ("DE113", "NL012") in pairs
    # Luxembourg lies between the Belgian province of Luxembourg and Trier-Saarburg.
    assert ("BE001", "DE051") not in pairs
    # Vulkaneifel comes within 250 m of Belgium at Ormont, but a strip of North
    # Rhine-Westphalia lies between (de.wikipedia, "Landkreis Vulkaneifel"); the former
    # 0.01° buffer linked them.
    assert ("BE008", "DE356") not in pairs
    # Regions that meet only in a point, which the former buffer linked too: Oost-Vlaanderen
    # does not reach the sea (Kustwater Vlissingen), Belgian coastal waters meet Nord where the
    # land border reaches the coast.
    assert ("BE003", "NL801") not in pairs
    assert ("BE801", "FR070") not in pairs


def _squares(**cells) -> gpd.GeoDataFrame:
    """Regions as boxes given in metres of the metric CRS (EPSG:3035)."""
    return gpd.GeoDataFrame(
        {"country": [c for c, _ in cells.values()]},
        index=list(cells),
        geometry=[box(*b) for _, b in cells.values()],
        crs="EPSG:3035",
    )


def test_squares_sharing_a_5_km_edge_are_neighbours_with_that_border():
    regions = _squares(A=("BE", (0, 0, 5000, 5000)), B=("NL", (5000, 0, 10000, 5000)))
    assert cross_border_neighbours(regions) == {("A", "B"): 5.0}


def test_squares_touching_at_one_corner_are_not_neighbours():
    regions = _squares(A=("BE", (0, 0, 5000, 5000)), B=("NL", (5000, 5000, 10000, 10000)))
    assert cross_border_neighbours(regions) == {}


def test_squares_of_one_country_are_not_neighbours():
    regions = _squares(A=("BE", (0, 0, 5000, 5000)), B=("BE", (5000, 0, 10000, 5000)))
    assert cross_border_neighbours(regions) == {}


def test_a_gap_wider_than_the_snapping_distance_is_no_border():
    # 1.5 km apart: further than the 1 km the EMMA shapes leave between real neighbours.
    regions = _squares(A=("BE", (0, 0, 5000, 5000)), B=("NL", (6500, 0, 11500, 5000)))
    assert cross_border_neighbours(regions) == {}


def test_a_gap_as_the_dutch_and_german_shapes_leave_still_is_a_border():
    # 500 m apart, as the generalised shapes run along real borders: the facing edges (5 km)
    # and 500 m of each side edge lie within 1 km of the other square; less 2 km of snap: 4 km.
    regions = _squares(A=("NL", (0, 0, 5000, 5000)), B=("DE", (5500, 0, 10500, 5000)))
    assert cross_border_neighbours(regions) == {("A", "B"): 4.0}


def test_a_short_contact_below_the_minimum_is_no_border():
    # B's corner overlaps A's by 400 m x 400 m: 2.8 km of each outline lies within 1 km of the
    # other square, less 2 km of snap: 0.8 km, below the 1 km minimum.
    regions = _squares(A=("BE", (0, 0, 5000, 5000)), B=("NL", (4600, 4600, 9600, 9600)))
    assert cross_border_neighbours(regions) == {}

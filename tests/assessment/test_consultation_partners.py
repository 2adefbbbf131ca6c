"""Consultation partners as they cooperate: the cross-border areas' members under their cited
rule, consultation.yaml validated on load, and the crisis cells a trigger convenes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pytest
import yaml

from pipeline.assessment.consultation import (
    Area,
    Rule,
    find_triggers,
    linked_pairs,
    load_consultation,
)
from pipeline.assessment.events import Event
from pipeline.errors import ConfigError
from pipeline.geo.regions import cross_border_neighbours, load_crisis_cells, load_regions
from pipeline.settings import DEFAULT_REGIONS_DIR


@pytest.fixture(scope="module")
def regions() -> gpd.GeoDataFrame:
    return load_regions(DEFAULT_REGIONS_DIR)


@pytest.fixture(scope="module")
def areas(regions) -> dict[str, Area]:
    config = load_consultation(DEFAULT_REGIONS_DIR, set(regions.index))
    return {area.id: area for area in config.areas}


# --- members under the rule "a region counts when it contains a member territory" ----------------


def test_walloon_brabant_makes_brabant_a_greater_region_member(areas):
    # Wallonia is in the Greater Region, and Walloon Brabant, one of its five provinces, lies
    # in BE004 (with Flemish Brabant and Brussels, which the Fédération Wallonie-Bruxelles
    # covers too). The other four are BE001, BE005, BE006 and BE008.
    members = set(areas["greater-region"].members)
    assert {"BE001", "BE004", "BE005", "BE006", "BE008"} <= members
    assert "FR074" not in members  # the Ardennes are in Grand Est but not in Lorraine


def test_kreis_kleve_is_in_euregio_rhein_maas_nord(areas):
    # The south of Kreis Kleve, Geldern and Straelen, is a member; DE283 is Kreis Kleve.
    assert "DE283" in areas["euregio-rhein-maas-nord"].members


def test_fryslan_and_its_islands_are_in_the_ems_dollart_region(areas):
    members = set(areas["ems-dollart-region"].members)
    assert {"NL007", "NL017", "NL018"} <= members  # Groningen, Fryslân, Drenthe
    assert "NL019" in members  # Waddeneilanden: Vlieland to Schiermonnikoog are Frisian
    assert not {"NL805", "NL806"} & members  # waters, no member territory


def test_the_members_contain_their_territories_by_geometry(regions, shared_data):
    """GISCO's NUTS polygons, drawn independently of the EMMA shapes, show the containment."""
    nuts = gpd.read_file(shared_data / "regions" / "NUTS_RG_10M_2021_4326.geojson")
    nuts = nuts.set_index("NUTS_ID").to_crs("EPSG:3035").geometry
    shapes = regions.to_crs("EPSG:3035").geometry
    # About half of the Waddeneilanden region is Frisian land (Texel, in Noord-Holland, the rest).
    assert shapes["NL019"].intersection(nuts["NL12"]).area / shapes["NL019"].area > 0.4
    # Walloon Brabant (BE31) lies almost wholly in BE004.
    assert nuts["BE31"].intersection(shapes["BE004"]).area / nuts["BE31"].area > 0.8
    # Kreis Kleve (DEA1B) is DE283.
    assert nuts["DEA1B"].intersection(shapes["DE283"]).area / nuts["DEA1B"].area > 0.8


def test_every_area_cites_its_sources(areas):
    config = load_consultation(DEFAULT_REGIONS_DIR)
    for area in areas.values():
        assert area.sources, area.id
        assert all(config.sources[s].url.startswith("http") for s in area.sources)


# --- validation ------------------------------------------------------------------------------


def _consultation(tmp_path: Path, edit) -> Path:
    """A regions dir whose consultation.yaml is the shipped one changed by ``edit(data)``."""
    folder = tmp_path / "regions"
    shutil.copytree(DEFAULT_REGIONS_DIR, folder)
    path = folder / "consultation.yaml"
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return folder


def _area(data: dict, area_id: str) -> dict:
    return next(a for a in data["areas"] if a["id"] == area_id)


def test_an_unknown_member_is_a_config_error_naming_file_and_key(tmp_path, regions):
    folder = _consultation(tmp_path, lambda d: _area(d, "euregio")["members"].append("DE999"))
    with pytest.raises(ConfigError) as caught:
        load_consultation(folder, set(regions.index))
    message = str(caught.value)
    assert str(folder / "consultation.yaml") in message
    assert "areas[3] (euregio).members: unknown region ids ['DE999']" in message


def test_an_unknown_source_is_a_config_error_naming_file_and_key(tmp_path):
    folder = _consultation(tmp_path, lambda d: _area(d, "euregio")["sources"].append("nope"))
    with pytest.raises(ConfigError) as caught:
        load_consultation(folder)
    message = str(caught.value)
    assert str(folder / "consultation.yaml") in message
    assert "areas[3] (euregio).sources: unknown source ids ['nope']" in message


def test_an_area_without_sources_is_a_config_error(tmp_path):
    folder = _consultation(tmp_path, lambda d: _area(d, "euregio").update(sources=[]))
    with pytest.raises(ConfigError, match=r"consultation\.yaml: areas\.3\.sources"):
        load_consultation(folder)


def test_the_former_free_text_source_key_is_rejected(tmp_path):
    folder = _consultation(tmp_path, lambda d: _area(d, "euregio").update(source="euregio.eu"))
    with pytest.raises(ConfigError, match=r"areas\.3\.source: Extra inputs are not permitted"):
        load_consultation(folder)


# --- the crisis cells a trigger convenes --------------------------------------------------------


def _event(region: str, country: str, level: int) -> Event:
    start = datetime(2026, 1, 15, 10, tzinfo=UTC)
    return Event(
        region=region, country=country, hazard="wind", onset=start,
        expiry=start.replace(hour=16), peak_level=level, peak_time=start, peak_value=30.0,
        timeline=(), levels_by_criteria={country: level},
    )  # fmt: skip


def test_a_limburg_heinsberg_trigger_convenes_the_cells_of_both_regions(regions, areas):
    links = linked_pairs(cross_border_neighbours(regions), tuple(areas.values()))
    cells = {r: tuple(c) for r, c in regions["crisis_cells"].items()}
    events = [_event("NL012", "NL", 2), _event("DE157", "DE", 1)]
    rule = Rule(min_level_one_side="orange", min_level_other_side="yellow")
    (trigger,) = find_triggers(events, links, cells, rule)
    # Both veiligheidsregio's of Dutch Limburg, the Kreis and NRW's situation centre.
    assert trigger.crisis_cells == (
        "de-kreis-heinsberg",
        "de-nw-lagezentrum",
        "nl-vr-limburg-noord",
        "nl-vr-zuid-limburg",
    )
    # A shared border, the Euregio Meuse-Rhine and (since 2022) euregio rhein-maas-nord.
    assert trigger.areas == ("border", "euregio-meuse-rhine", "euregio-rhein-maas-nord")


def test_regions_linked_abroad_convene_the_bodies_that_cooperate(regions, areas):
    cells = load_crisis_cells(DEFAULT_REGIONS_DIR)
    links = linked_pairs(cross_border_neighbours(regions), tuple(areas.values()))
    linked = {region for pair in links for region in pair}
    for region in sorted(linked):
        if regions.loc[region, "country"] == "LU":
            continue  # the HCPN and the CGDIS are national and are the ones that cooperate
        levels = {cells[c].level for c in regions.loc[region, "crisis_cells"]}
        assert levels - {"national"}, f"{region} convenes no body below the national level"
    # Flevoland, Zuid-Holland, Noord-Holland, Utrecht and their waters touch no border and no
    # area: they can never be in a trigger and name the national centre only.
    unlinked = sorted(set(regions.index) - linked)
    assert unlinked == ["NL008", "NL009", "NL011", "NL015", "NL802", "NL803", "NL804", "NL807"]
    assert {tuple(regions.loc[r, "crisis_cells"]) for r in unlinked} == {("nl-ncc",)}

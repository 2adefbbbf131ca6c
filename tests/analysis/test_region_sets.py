"""Region sets: warning regions, NUTS 0-3 of GISCO's releases (from a mirror, sha256 pinned),
and polygon files in GeoJSON, GeoPackage and Shapefile, each checked on load."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pipeline.analysis.region_sets import load_region_set, read_polygon_file
from pipeline.errors import ConfigError, InvalidDataError
from pipeline.geo.spherical import lonlat_areas_km2
from pipeline.settings import Settings
from pipeline.sources.gisco import load_nuts3

BENELUX = {"BE", "NL", "LU"}


@pytest.fixture
def settings(shared_data, tmp_path):
    return Settings(nuts_mirror=shared_data / "regions", cache_dir=tmp_path / "cache")


def test_the_warning_regions(settings):
    regions = load_region_set("emma", settings=settings)
    assert len(regions) == 53 and regions.crs.to_epsg() == 4326
    assert regions.loc["BE004", "name"] and list(regions.columns) == ["name", "geometry"]


@pytest.mark.parametrize("version", [2021, 2024])
@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_nuts_levels_of_each_version(settings, shared_data, level, version):
    regions = load_region_set(f"nuts{level}", settings=settings, nuts_version=version)
    name = (
        f"NUTS_RG_20M_2021_4326_LEVL_{level}.geojson"
        if version == 2021
        else "NUTS_RG_20M_2024_4326.geojson"
    )
    units = gpd.read_file(shared_data / "regions" / name)
    units = units[units["LEVL_CODE"] == level]
    benelux = set(units.loc[units["CNTR_CODE"].isin(BENELUX), "NUTS_ID"])
    assert {r for r in regions.index if r[:2] in BENELUX} == benelux
    assert all(len(r) == level + 2 for r in regions.index)
    assert {r[:2] for r in regions.index} == BENELUX | {"DE", "FR"}  # neighbours in the belt
    assert f"NUTS level {level}, version {version}" in regions.attrs["region_set"]


def test_nuts3_scope_from_a_mirror(shared_data, tmp_path):
    units = load_nuts3(2021, cache_dir=tmp_path / "cache", mirror=shared_data / "regions")
    counts = units["country"].value_counts().to_dict()
    # PROVENANCE.md: BE 44, NL 40, LU 1 NUTS-3 units; the belt adds 39 DE and 7 FR units.
    assert counts == {"BE": 44, "NL": 40, "LU": 1, "DE": 39, "FR": 7}
    v2024 = load_nuts3(2024, cache_dir=tmp_path / "cache", mirror=shared_data / "regions")
    assert "NL33A" in units.index and "NL33A" not in v2024.index  # renumbered in 2024


def test_nuts_file_with_another_sha256_is_refused(shared_data, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    original = shared_data / "regions" / "NUTS_RG_20M_2021_4326_LEVL_0.geojson"
    (mirror / original.name).write_bytes(original.read_bytes().replace(b"Belgique", b"Belgien"))
    broken = Settings(nuts_mirror=mirror, cache_dir=tmp_path / "cache")
    with pytest.raises(InvalidDataError, match="not the pinned NUTS 2021 release"):
        load_region_set("nuts0", settings=broken, nuts_version=2021)
    assert not (tmp_path / "cache" / "nuts" / original.name).exists()


def _boxes(crs="EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"code": ["a", "b"], "label": ["Alpha", "Beta"]},
        geometry=[shapely.box(4, 50, 5, 51), shapely.box(5, 50, 6, 51)],
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"])
def test_polygon_files_of_each_format(tmp_path, suffix):
    path = tmp_path / f"boxes{suffix}"
    _boxes("EPSG:3035").to_file(path)  # stored projected: read back in longitude-latitude
    regions = read_polygon_file(path, id_field="code", name_field="label")
    assert regions.index.tolist() == ["a", "b"] and regions["name"].tolist() == ["Alpha", "Beta"]
    assert regions.crs.to_epsg() == 4326
    expected = lonlat_areas_km2(_boxes().geometry.to_numpy())
    np.testing.assert_allclose(lonlat_areas_km2(regions.geometry.to_numpy()), expected, rtol=1e-4)


def test_a_geopackage_with_several_layers_needs_one_chosen(tmp_path):
    path = tmp_path / "two.gpkg"
    _boxes().to_file(path, layer="east")
    _boxes().iloc[:1].to_file(path, layer="west")
    with pytest.raises(
        ConfigError, match=r"holds layers \['east', 'west'\]; choose one with --layer"
    ):
        read_polygon_file(path, id_field="code")
    assert read_polygon_file(path, id_field="code", layer="west").index.tolist() == ["a"]
    with pytest.raises(ConfigError, match="no layer 'north'"):
        read_polygon_file(path, id_field="code", layer="north")


def test_a_shapefile_without_its_prj_is_refused(tmp_path):
    _boxes().to_file(tmp_path / "boxes.shp")
    (tmp_path / "boxes.prj").unlink()
    with pytest.raises(InvalidDataError, match=r"no coordinate reference system .*\.prj"):
        read_polygon_file(tmp_path / "boxes.shp", id_field="code")


def test_the_id_field_must_be_named_present_and_unique(tmp_path):
    path = tmp_path / "boxes.geojson"
    _boxes().to_file(path)
    with pytest.raises(ConfigError, match=r"with --id-field, one of \['code', 'label'\]"):
        read_polygon_file(path, id_field=None)
    with pytest.raises(ConfigError, match=r"no field 'NUTS_ID' \(--id-field\)"):
        read_polygon_file(path, id_field="NUTS_ID")
    same = _boxes().assign(code=["a", "a"])
    same.to_file(tmp_path / "same.geojson")
    with pytest.raises(InvalidDataError, match=r"code is not unique \(\['a'\] repeat\)"):
        read_polygon_file(tmp_path / "same.geojson", id_field="code")


def test_points_and_unreadable_files_are_refused(tmp_path):
    points = gpd.GeoDataFrame({"code": ["p"]}, geometry=[shapely.Point(4, 50)], crs="EPSG:4326")
    points.to_file(tmp_path / "points.geojson")
    with pytest.raises(InvalidDataError, match=r"must be polygons; it holds \['Point'\]"):
        read_polygon_file(tmp_path / "points.geojson", id_field="code")
    (tmp_path / "notes.geojson").write_text("these are not polygons")
    with pytest.raises(InvalidDataError, match="not a polygon file GDAL can read"):
        read_polygon_file(tmp_path / "notes.geojson", id_field="code")


def test_a_self_crossing_outline_is_repaired(tmp_path):
    bowtie = shapely.Polygon([(4, 50), (5, 51), (5, 50), (4, 51), (4, 50)])
    frame = gpd.GeoDataFrame({"code": ["x"]}, geometry=[bowtie], crs="EPSG:4326")
    frame.to_file(tmp_path / "bowtie.geojson")
    regions = read_polygon_file(tmp_path / "bowtie.geojson", id_field="code")
    assert regions.geometry.is_valid.all()
    # Two triangles, each a quarter of the 1° square.
    square = lonlat_areas_km2(np.array([shapely.box(4, 50, 5, 51)]))
    assert lonlat_areas_km2(regions.geometry.to_numpy())[0] == pytest.approx(square[0] / 2, 1e-3)


def test_a_region_set_that_is_no_file_says_what_it_may_be(settings):
    with pytest.raises(ConfigError, match=r"neither a region set \(emma, nuts0, .*\) nor an"):
        load_region_set("nuts4", settings=settings)


def test_a_repaired_outline_keeps_only_its_area(tmp_path):
    spike = shapely.Polygon([(4, 50), (5, 50), (5, 51), (4, 51), (4, 50), (3.5, 49.5), (4, 50)])
    frame = gpd.GeoDataFrame({"code": ["s"]}, geometry=[spike], crs="EPSG:4326")
    frame.to_file(tmp_path / "spike.geojson")
    [geometry] = read_polygon_file(tmp_path / "spike.geojson", id_field="code").geometry
    assert geometry.geom_type == "Polygon"  # make_valid's leftover line dropped
    assert geometry.equals(shapely.box(4, 50, 5, 51))

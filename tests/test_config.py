"""Configuration data: the shipped files load; bad files are named with their key."""

from __future__ import annotations

import shutil

import pytest

from pipeline.assessment.criteria import load_criteria
from pipeline.errors import ConfigError
from pipeline.geo.regions import cross_border_neighbours, load_regions
from pipeline.settings import DEFAULT_REGIONS_DIR


def test_scope_is_benelux_plus_every_bordering_de_fr_region():
    regions = load_regions(DEFAULT_REGIONS_DIR)
    assert set(regions["country"]) == {"BE", "NL", "LU", "DE", "FR"}
    neighbours = cross_border_neighbours(regions)
    benelux = {"BE", "NL", "LU"}
    for region in regions[regions["country"].isin(["DE", "FR"])].index.drop("DE356"):
        partners = {b if a == region else a for a, b in neighbours if region in (a, b)}
        assert any(p[:2] in benelux for p in partners), f"{region} borders no Benelux region"
    assert ("DE283", "NL014") in neighbours  # Kleve - Gelderland
    assert ("BE008", "DE258") in neighbours  # Liège - Aachen
    assert ("BE008", "DE356") not in neighbours  # Vulkaneifel: in scope as Greater Region member


def test_criteria_carry_sources_and_rising_thresholds():
    criteria = load_criteria(DEFAULT_REGIONS_DIR)
    assert sorted(criteria) == ["BE", "DE", "FR", "LU", "NL"]
    # Published yellow gust thresholds (km/h): DWD 50, KNMI 75, KMI-IRM 80 (regions/audit/).
    wind = {c: a.hazards["wind"].levels["yellow"].threshold for c, a in criteria.items()}
    assert (wind["DE"], wind["NL"], wind["BE"]) == (50, 75, 80)
    assert criteria["BE"].hazards["wind"].area_of("orange").min_fraction == 0.5


def test_unknown_key_names_file_and_key(tmp_path):
    shutil.copytree(DEFAULT_REGIONS_DIR, tmp_path / "regions")
    path = tmp_path / "regions" / "criteria" / "knmi.yaml"
    path.write_text(path.read_text().replace("min_probability: 0.6", "min_probabilty: 0.6", 1))
    with pytest.raises(
        ConfigError,
        match=r"knmi\.yaml: .*yellow\.min_probabilty: Extra inputs are not permitted",
    ):
        load_criteria(tmp_path / "regions")


def test_malformed_yaml_names_the_file(tmp_path):
    shutil.copytree(DEFAULT_REGIONS_DIR, tmp_path / "regions")
    (tmp_path / "regions" / "scope.yaml").write_text("regions: [\n")
    with pytest.raises(ConfigError, match=r"scope\.yaml: not valid YAML"):
        load_regions(tmp_path / "regions")


def _scope_with(tmp_path, content: bytes):
    shutil.copytree(DEFAULT_REGIONS_DIR, tmp_path / "regions")
    (tmp_path / "regions" / "scope.yaml").write_bytes(content)
    return tmp_path / "regions"


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path):
    regions = _scope_with(tmp_path, b"version: 1\ngeometry_source: x\nversion: 2\nregions: []\n")
    with pytest.raises(ConfigError, match=r"scope\.yaml: not valid YAML: line 3, column 1: "
                       r"duplicate key 'version' \(first on line 1\)$"):  # fmt: skip
        load_regions(regions)


def test_a_file_not_in_utf8_is_named_with_its_line(tmp_path):
    regions = _scope_with(tmp_path, b"version: 1\ngeometry_source: Li\xe8ge\n")
    with pytest.raises(ConfigError, match=r"scope\.yaml: line 2: not UTF-8 \(byte 0xe8\)"):
        load_regions(regions)


def test_a_control_character_is_named_with_its_line(tmp_path):
    regions = _scope_with(tmp_path, b"version: 1\n\ngeometry_source: a\x1bb\n")
    with pytest.raises(ConfigError, match=r"scope\.yaml: line 3: control character U\+001B"):
        load_regions(regions)

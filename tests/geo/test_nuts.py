"""The NUTS-3 codes of the warning regions, from GISCO's pinned file (read from a mirror)."""

from __future__ import annotations

from pipeline.geo.nuts import nuts3_of_regions, regions_nuts3
from pipeline.geo.regions import load_regions
from pipeline.settings import DEFAULT_REGIONS_DIR
from pipeline.sources.gisco import load_nuts3


def test_nuts3_codes_of_the_warning_regions(shared_data, tmp_path):
    units = load_nuts3(2024, cache_dir=tmp_path, mirror=shared_data / "regions")
    codes = nuts3_of_regions(load_regions(DEFAULT_REGIONS_DIR), units)
    # Province of Luxembourg (NUTS-2 BE34): its five arrondissements, Arlon to Virton.
    assert codes["BE001"] == ["BE341", "BE342", "BE343", "BE344", "BE345"]
    assert all(code.startswith("BE33") for code in codes["BE008"])  # Liège province, BE33
    assert codes["LU001"] == codes["LU002"] == ["LU000"]  # one NUTS-3 unit for the country
    assert "BE801" not in codes and "NL806" not in codes  # coastal waters, Waddenzee
    every = [c for region_codes in codes.values() for c in region_codes]
    assert all(code[:2] == region[:2] for region, cs in codes.items() for code in cs)
    assert len(set(every)) == len(every) - 1  # only LU000 is shared


def test_the_shipped_nuts3_table_is_gisco_pinned_file_derived(shared_data, tmp_path):
    """Publishing reads regions/nuts3.yaml, never a cache: the table must equal a fresh
    derivation from GISCO's pinned file (rerun `crosswarn regions nuts3` when regions change)."""
    units = load_nuts3(2024, cache_dir=tmp_path, mirror=shared_data / "regions")
    fresh = nuts3_of_regions(load_regions(DEFAULT_REGIONS_DIR), units)
    shipped = regions_nuts3(DEFAULT_REGIONS_DIR)
    assert {r: list(codes) for r, codes in shipped.items()} == fresh
    assert regions_nuts3(tmp_path) == {}  # a registry without the table: EMMA_ID geocodes only

"""``crosswarn aggregate`` on real files, and NUTS-3 from a mirror with a pinned sha256."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import xarray as xr

from pipeline.cli import main
from pipeline.errors import InvalidDataError
from pipeline.sources.gisco import load_nuts3

D2_U10 = "icon-d2_germany_regular-lat-lon_single-level_2022042600_000_2d_u_10m.grib2"


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSWARN_CACHE_DIR", str(tmp_path / "cache"))


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
    original = shared_data / "regions" / "NUTS_RG_20M_2021_4326_LEVL_3.geojson"
    (mirror / original.name).write_bytes(original.read_bytes().replace(b"Bruxelles", b"Brussels"))
    with pytest.raises(InvalidDataError, match="not the pinned NUTS 2021 release"):
        load_nuts3(2021, cache_dir=tmp_path / "cache", mirror=mirror)
    assert not (tmp_path / "cache" / "nuts" / original.name).exists()


def test_aggregate_grib_over_nuts3_to_csv(shared_data, tmp_path):
    out = tmp_path / "u10.csv"
    code = main([
        "aggregate", str(shared_data / "nwp" / "dwd_icon-d2" / D2_U10), "--variable", "10u",
        "--threshold", "-100", "--threshold", "100", "--regions", "nuts3",
        "--nuts-version", "2021", "--nuts-mirror", str(shared_data / "regions"), "--out", str(out),
    ])  # fmt: skip
    assert code == 0
    table = pd.read_csv(out)
    assert len(table) == 131 * 2  # one row per region and threshold (one time, one member)
    assert list(table.columns[:5]) == ["region", "region_name", "valid_time", "member", "threshold"]
    low, high = table[table.threshold == -100], table[table.threshold == 100]
    assert (low.fraction_above == 1).all() and (high.fraction_above == 0).all()
    assert (low["min"] <= low["mean"]).all() and (low["mean"] <= low["max"]).all()
    assert (low["p90"] <= low["max"]).all()


def test_netcdf_crop_gives_the_grib_answer(shared_data, tmp_path):
    """The derived NetCDF is a crop of the same GRIB: regions inside it agree exactly."""
    nc = shared_data / "nwp" / "derived" / "icon-d2_2022042600_000_uv10m_benelux.nc"
    grib = shared_data / "nwp" / "dwd_icon-d2" / D2_U10
    main(["aggregate", str(nc), "--variable", "u10", "--out", str(tmp_path / "a.nc")])
    main(["aggregate", str(grib), "--variable", "10u", "--out", str(tmp_path / "b.nc")])
    a, b = xr.open_dataset(tmp_path / "a.nc"), xr.open_dataset(tmp_path / "b.nc")
    inside = ["BE004", "NL014", "LU001"]  # well inside the crop's 48.5-54.5 N, 1.5-9.5 E
    for stat in ("mean", "max", "min", "p90"):
        xr.testing.assert_allclose(
            a[stat].sel(region=inside).squeeze(drop=True),
            b[stat].sel(region=inside).squeeze(drop=True),
            atol=1e-6,
        )


def test_aggregate_names_a_missing_variable(shared_data, tmp_path, capsys):
    grib = tmp_path / "u.grib2"
    shutil.copy(shared_data / "nwp" / "dwd_icon-d2" / D2_U10, grib)
    assert main(["aggregate", str(grib), "--variable", "2t", "--out", str(tmp_path / "x.csv")]) == 2
    assert "no GRIB variable '2t'; it holds ['10u']" in capsys.readouterr().err


def test_nuts3_codes_of_the_warning_regions(shared_data, tmp_path):
    from pipeline.geo.nuts import nuts3_of_regions
    from pipeline.geo.regions import load_regions
    from pipeline.settings import DEFAULT_REGIONS_DIR

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
    from pipeline.geo.nuts import nuts3_of_regions, regions_nuts3
    from pipeline.geo.regions import load_regions
    from pipeline.settings import DEFAULT_REGIONS_DIR

    units = load_nuts3(2024, cache_dir=tmp_path, mirror=shared_data / "regions")
    fresh = nuts3_of_regions(load_regions(DEFAULT_REGIONS_DIR), units)
    shipped = regions_nuts3(DEFAULT_REGIONS_DIR)
    assert {r: list(codes) for r, codes in shipped.items()} == fresh
    assert regions_nuts3(tmp_path) == {}  # a registry without the table: EMMA_ID geocodes only

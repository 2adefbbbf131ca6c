"""Area weights of regions on a regular grid, checked against hand geometry on the sphere."""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from pipeline.geo import weights as weights_module
from pipeline.geo.grids import RegularGrid
from pipeline.geo.weights import build_weights, cached_weights, region_coverage

R = 6371.229  # km, ICON's sphere

#: Cell centres at 50, 51, 52 N and 4, 5, 6 E: cell edges at 49.5 ... 52.5 N, 3.5 ... 6.5 E.
GRID = RegularGrid(lat0=50.0, lon0=4.0, dlat=1.0, dlon=1.0, nlat=3, nlon=3)


def band_area(south: float, north: float, west: float, east: float) -> float:
    """Area (km²) of a latitude-longitude rectangle on the sphere: R² Δλ (sin φ2 - sin φ1)."""
    return (
        R**2
        * math.radians(east - west)
        * (math.sin(math.radians(north)) - math.sin(math.radians(south)))
    )


def _regions(**boxes) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"country": ["BE"] * len(boxes)},
        index=list(boxes),
        geometry=[box(*b) for b in boxes.values()],
        crs="EPSG:4326",
    )


def flat(lat_row: int, lon_col: int) -> int:
    """Index of a cell in the flattened (latitude ascending, longitude) order."""
    return lat_row * GRID.nlon + lon_col


def test_weights_of_whole_and_half_cells_are_their_spherical_areas():
    regions = _regions(
        # the centre cell (51 N, 5 E) whole, and the western half of the cell east of it
        centre=(4.5, 50.5, 6.0, 51.5),
        # exactly the south-western cell (50 N, 4 E)
        south_west=(3.5, 49.5, 4.5, 50.5),
    )
    weights = build_weights(regions, GRID)
    matrix = weights.matrix.toarray()
    assert matrix.shape == (2, 9)
    assert weights.regions == ("centre", "south_west")

    centre_cell = band_area(50.5, 51.5, 4.5, 5.5)
    expected_centre = np.zeros(9)
    expected_centre[flat(1, 1)] = centre_cell
    expected_centre[flat(1, 2)] = centre_cell / 2  # a half cell split along a meridian
    np.testing.assert_allclose(matrix[0], expected_centre, rtol=1e-9, atol=1e-9)

    expected_sw = np.zeros(9)
    expected_sw[flat(0, 0)] = band_area(49.5, 50.5, 3.5, 4.5)
    np.testing.assert_allclose(matrix[1], expected_sw, rtol=1e-9, atol=1e-9)

    np.testing.assert_allclose(
        weights.region_area_km2, [1.5 * centre_cell, band_area(49.5, 50.5, 3.5, 4.5)], rtol=1e-9
    )


def test_cells_further_north_weigh_less():
    # A column of three whole cells along 5 E: each cell's weight is its own band's area.
    weights = build_weights(_regions(column=(4.5, 49.5, 5.5, 52.5)), GRID)
    row = weights.matrix.toarray()[0]
    expected = [band_area(lat - 0.5, lat + 0.5, 4.5, 5.5) for lat in (50, 51, 52)]
    np.testing.assert_allclose(row[[flat(0, 1), flat(1, 1), flat(2, 1)]], expected, rtol=1e-9)
    assert expected[0] > expected[1] > expected[2]
    assert np.count_nonzero(row) == 3


def test_a_region_smaller_than_a_cell_gets_its_share_of_that_cell():
    # A quarter of the north-eastern cell, split along a meridian (lon 6.0 .. 6.25).
    weights = build_weights(_regions(tiny=(6.0, 51.5, 6.25, 52.5)), GRID)
    row = weights.matrix.toarray()[0]
    assert np.flatnonzero(row).tolist() == [flat(2, 2)]
    assert row[flat(2, 2)] == pytest.approx(band_area(51.5, 52.5, 6.0, 6.25), rel=1e-9)


def test_a_region_outside_the_grid_gets_no_weights_and_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="pipeline.geo.weights"):
        weights = build_weights(
            _regions(inside=(4.5, 50.5, 5.5, 51.5), away=(20, 40, 21, 41)), GRID
        )
    assert weights.matrix.getrow(1).nnz == 0
    assert weights.region_area_km2[1] == 0.0
    assert "away" in caplog.text


def _equal_area_km2(geometry) -> float:
    """Area in the equal-area EPSG:6933 projection (a lat-lon box maps to a rectangle)."""
    to_6933 = Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)
    return shapely.transform(geometry, to_6933.transform, interleaved=False).area / 1e6


def test_region_coverage_of_a_region_half_outside_the_grid():
    # 5.5 .. 7.5 E, 51.5 .. 52.5 N: the grid ends at 6.5 E, so half of it (along a meridian)
    # lies inside; on the sphere that half is the western half of the NE cell plus nothing else.
    half_out = box(5.5, 51.5, 7.5, 52.5)
    regions = _regions(half_out=half_out.bounds, inside=(4.5, 50.5, 5.5, 51.5))
    weights = build_weights(regions, GRID)
    coverage = region_coverage(regions, weights)

    inside_km2 = band_area(51.5, 52.5, 5.5, 6.5)
    assert weights.region_area_km2[0] == pytest.approx(inside_km2, rel=1e-9)
    expected = inside_km2 / _equal_area_km2(half_out)
    assert coverage[0] == pytest.approx(expected, rel=1e-6)
    # the sphere and the WGS84 ellipsoid differ by well under 1 % here
    assert coverage[0] == pytest.approx(0.5, abs=0.005)
    # a region wholly inside is covered (clipped at 1; the sphere/ellipsoid ratio is ~1)
    assert coverage[1] == pytest.approx(1.0, abs=0.01)
    assert coverage[1] <= 1.0


def test_cached_weights_writes_once_and_reads_back_identical(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    regions = _regions(centre=(4.5, 50.5, 6.0, 51.5), south_west=(3.5, 49.5, 4.5, 50.5))
    first = cached_weights(regions, GRID, cache)

    files = sorted(p.name for p in cache.iterdir())
    assert len(files) == 1
    assert files[0].startswith(f"weights-{GRID.fingerprint}-")
    assert files[0].endswith(".npz")

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the cached weights were rebuilt instead of read")

    monkeypatch.setattr(weights_module, "build_weights", no_rebuild)
    second = cached_weights(regions, GRID, cache)
    assert second.regions == first.regions
    assert second.grid == GRID
    assert (second.matrix != first.matrix).nnz == 0
    np.testing.assert_array_equal(second.matrix.indices, first.matrix.indices)
    np.testing.assert_array_equal(second.matrix.indptr, first.matrix.indptr)
    np.testing.assert_array_equal(second.matrix.data, first.matrix.data)
    assert sorted(p.name for p in cache.iterdir()) == files  # no temporary file left behind


def test_cached_weights_keys_on_the_regions(tmp_path):
    cache = tmp_path / "cache"
    cached_weights(_regions(a=(4.5, 50.5, 5.5, 51.5)), GRID, cache)
    cached_weights(_regions(a=(3.5, 49.5, 4.5, 50.5)), GRID, cache)  # same id, other shape
    assert len(list(cache.iterdir())) == 2


def test_cached_weights_without_a_cache_dir_builds(tmp_path):
    regions = _regions(a=(4.5, 50.5, 5.5, 51.5))
    weights = cached_weights(regions, GRID, None)
    assert weights.region_area_km2[0] == pytest.approx(band_area(50.5, 51.5, 4.5, 5.5), rel=1e-9)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_a_damaged_weights_cache_is_rebuilt_not_fatal(tmp_path, damage):
    """A cache file cut short (a kill mid-write on a volume without atomic rename, disk full)
    or overwritten is rebuilt with the same weights, and every later run reads the new one."""
    cache = tmp_path / "cache"
    regions = _regions(centre=(4.5, 50.5, 6.0, 51.5))
    first = cached_weights(regions, GRID, cache)
    (path,) = cache.iterdir()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"\x00" * len(data))
    second = cached_weights(regions, GRID, cache)
    assert (second.matrix != first.matrix).nnz == 0
    assert path.read_bytes() == data  # rewritten whole

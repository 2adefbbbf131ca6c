"""Exact region weights on rotated-pole, curvilinear and ICON triangle grids, checked against
areas computed independently on ICON's sphere (closed formulas and pyproj's geodesic polygon
areas), against the regular path where the grids coincide, and on the real COSMO-E and
ICON-EU-EPS samples."""

from __future__ import annotations

import logging
import math

import geopandas as gpd
import netCDF4
import numpy as np
import pytest
import shapely
import xarray as xr
from pyproj import CRS, Geod, Transformer
from shapely.geometry import Polygon, box

from pipeline.geo import weights as weights_module
from pipeline.geo.any_grid import grid_of, to_grid_layout
from pipeline.geo.cell_grids import CurvilinearGrid, RotatedPoleGrid
from pipeline.geo.grids import RegularGrid
from pipeline.geo.icon_grid import UnstructuredGrid
from pipeline.geo.weights import build_weights, cached_weights, region_coverage
from pipeline.statistics.exceedance import region_statistics
from tests.geo.test_any_grid import COSMO_E, ICON_EU_EPS, write_icon_grid

R = 6371.229  # km, ICON's sphere
SPHERE = Geod(a=R * 1000, b=R * 1000)  # geodesics on a sphere are great circles


def band_area(south: float, north: float, west: float, east: float) -> float:
    """R² Δλ (sin φ2 - sin φ1): a longitude-latitude rectangle on the sphere, km²."""
    return (
        R**2
        * math.radians(east - west)
        * (math.sin(math.radians(north)) - math.sin(math.radians(south)))
    )


def geodesic_area(lon, lat) -> float:
    """Area (km²) of the polygon with these vertices and great-circle edges (pyproj)."""
    return abs(SPHERE.polygon_area_perimeter(np.asarray(lon), np.asarray(lat))[0]) / 1e6


def lonlat_polygon_area(polygon) -> float:
    """Area (km²) of a polygon whose edges are straight in longitude-latitude: its outline
    sampled every 1e-4° and measured with great-circle edges (the two differ by < 1e-9)."""
    if polygon.is_empty:
        return 0.0
    total = 0.0
    for part in getattr(polygon, "geoms", [polygon]):
        xy = np.asarray(shapely.segmentize(part, 1e-4).exterior.coords)
        total += geodesic_area(xy[:, 0], xy[:, 1])
        for hole in part.interiors:
            xy = np.asarray(shapely.segmentize(hole, 1e-4).coords)
            total -= geodesic_area(xy[:, 0], xy[:, 1])
    return total


def _regions(**geometries) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"country": ["BE"] * len(geometries)},
        index=list(geometries),
        geometry=[g if isinstance(g, shapely.Geometry) else box(*g) for g in geometries.values()],
        crs="EPSG:4326",
    )


def _curvilinear(lat2d, lon2d) -> CurvilinearGrid:
    ds = xr.Dataset(
        {"t": (("y", "x"), np.zeros(lat2d.shape))},
        coords={"lat": (("y", "x"), lat2d), "lon": (("y", "x"), lon2d)},
    )
    grid, _ = grid_of(ds, "t")
    assert isinstance(grid, CurvilinearGrid)
    return grid


#: 3 x 3 cells centred on 50..52 N, 4..6 E: edges 49.5 .. 52.5 N, 3.5 .. 6.5 E.
REGULAR = RegularGrid(lat0=50.0, lon0=4.0, dlat=1.0, dlon=1.0, nlat=3, nlon=3)
LON2, LAT2 = np.meshgrid([4.0, 5.0, 6.0], [50.0, 51.0, 52.0])


# --- rotated pole -------------------------------------------------------------------------


def test_a_rotated_grid_whose_pole_is_the_true_pole_weighs_as_the_regular_grid():
    """CF pole (90 N, 180 E) is no rotation at all: same cells, same weights (incl. parts)."""
    rotated = RotatedPoleGrid(90.0, 180.0, 0.0, rotated=REGULAR)
    regions = _regions(
        centre=(4.5, 50.5, 6.0, 51.5),
        corner=(4.2, 50.1, 6.3, 52.2),  # cuts cells along parallels and meridians
        tilted=Polygon([(3.7, 49.8), (6.2, 50.6), (5.1, 52.4)]),
    )
    expected = build_weights(regions, REGULAR).matrix.toarray()
    got = build_weights(regions, rotated).matrix.toarray()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    assert rotated.fingerprint != REGULAR.fingerprint  # cached apart


def _rotated_outline(grid: RotatedPoleGrid, rlon0, rlat0, rlon1, rlat1) -> Polygon:
    """A rotated-coordinates box, sampled densely and turned into true longitude-latitude."""
    ring = np.asarray(shapely.segmentize(box(rlon0, rlat0, rlon1, rlat1), 1e-4).exterior.coords)
    to_true = Transformer.from_crs(grid.crs, "EPSG:4326", always_xy=True)
    return Polygon(np.column_stack(to_true.transform(ring[:, 0], ring[:, 1])))


def test_rotated_weights_are_the_cells_spherical_areas():
    """With the pole at 40 N (a real rotation), a region drawn on cell edges of the rotated
    grid gets each whole cell's area, R² Δλ' (sin φ2' - sin φ1') in rotated degrees, and the
    cells cut along a rotated meridian through their centres exactly half of it."""
    grid = RotatedPoleGrid(40.0, -170.0, 0.0, rotated=RegularGrid(-1.0, -2.0, 1.0, 1.0, 3, 4))
    regions = _regions(
        cells=_rotated_outline(grid, -1.5, -0.5, 0.5, 1.5),  # columns 1, 2 of rows 1, 2
        halves=_rotated_outline(grid, -2.5, -1.5, -2.0, -0.5),  # west half of cell (0, 0)
    )
    matrix = build_weights(regions, grid).matrix.toarray()
    expected = np.zeros((2, 12))
    for row in (1, 2):
        rlat = -1.0 + row
        for col in (1, 2):
            expected[0, row * 4 + col] = band_area(rlat - 0.5, rlat + 0.5, 0, 1)
    expected[1, 0] = band_area(-1.5, -0.5, 0, 1) / 2
    np.testing.assert_allclose(matrix, expected, rtol=1e-6, atol=1e-6 * expected.max())
    # and the total is the outline's own area, measured by pyproj on the sphere
    ring = np.asarray(regions.geometry["cells"].exterior.coords)
    assert matrix[0].sum() == pytest.approx(geodesic_area(ring[:, 0], ring[:, 1]), rel=1e-6)


def test_real_cosmo_e_region_weights_and_statistics(shared_data):
    ds = xr.open_dataset(shared_data / COSMO_E)
    grid, dims = grid_of(ds, "VMAX_10M")
    # A box inside the domain: its weights add up to its area on the sphere.
    inside = (9.95, 46.97, 10.05, 47.03)
    # The south-eastern corner cell (y_1 = 0, x_1 = 4) alone, drawn on its rotated edges.
    corner = _rotated_outline(grid, 0.03, -0.05, 0.05, -0.03)
    regions = _regions(inside=inside, corner=corner, benelux=(4.0, 50.0, 5.0, 51.0))
    weights = build_weights(regions, grid)
    assert weights.region_area_km2[0] == pytest.approx(
        band_area(46.97, 47.03, 9.95, 10.05), rel=1e-6
    )
    row = weights.matrix.toarray()[1]
    assert row.argmax() == 4 and row[4] == pytest.approx(band_area(-0.05, -0.03, 0, 0.02), rel=1e-6)
    assert row.sum() == pytest.approx(row[4], rel=1e-6)
    assert weights.matrix.getrow(2).nnz == 0
    field = to_grid_layout(ds["VMAX_10M"], grid, dims).rename(time="valid_time", epsd_1="member")
    stats = region_statistics(field, weights, [20.0], stats=["mean", "max"])
    np.testing.assert_allclose(
        stats["mean"].sel(region="corner").values,
        ds["VMAX_10M"].isel(y_1=0, x_1=4).values,
        rtol=1e-5,
    )


# --- curvilinear ----------------------------------------------------------------------------


def test_a_curvilinear_grid_that_is_regular_weighs_as_the_regular_path():
    """Whole cells and cells cut along meridians: the same numbers as exactextract's."""
    grid = _curvilinear(LAT2, LON2)
    regions = _regions(
        centre=(4.5, 50.5, 6.0, 51.5),  # a whole cell and half of its eastern neighbour
        column=(4.5, 49.5, 5.5, 52.5),
        tiny=(6.0, 51.5, 6.25, 52.5),  # a quarter of a cell, split along a meridian
    )
    regular = build_weights(regions, REGULAR).matrix.toarray()
    np.testing.assert_allclose(
        build_weights(regions, grid).matrix.toarray(), regular, rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(grid.cell_areas_km2(), REGULAR.cell_areas_km2().ravel(), rtol=1e-12)


def test_cells_cut_along_a_parallel_get_their_exact_spherical_part():
    """exactextract's coverage is a fraction of the cell's flat (degree) area, so a cut along
    a parallel is split linearly in latitude; the curvilinear path measures the sphere. Each
    is what it says: the regular weight is (flat fraction) x (cell area), ours is the band."""
    grid = _curvilinear(LAT2, LON2)
    regions = _regions(south=(3.5, 49.5, 4.5, 50.1))  # the southern 0.6 of cell (0, 0)
    ours = build_weights(regions, grid).matrix.toarray()[0, 0]
    regular = build_weights(regions, REGULAR).matrix.toarray()[0, 0]
    assert ours == pytest.approx(band_area(49.5, 50.1, 3.5, 4.5), rel=1e-12)
    assert regular == pytest.approx(0.6 * band_area(49.5, 50.5, 3.5, 4.5), rel=1e-6)
    # 1° cells at 50 N: the sphere puts 0.4 % more of the cell south of 50.1 N than 60 %
    assert ours / regular - 1 == pytest.approx(0.00416, abs=1e-5)


def _sheared(ny=6, nx=7):
    """Centres of a sheared grid, (y, x) -> lon 4 + 0.1 x + 0.02 y, lat 50 + 0.08 y + 0.01 x:
    corners halfway between centres are the same formula at half indices."""
    y, x = np.mgrid[0:ny, 0:nx].astype(float)
    return 50 + 0.08 * y + 0.01 * x, 4 + 0.1 * x + 0.02 * y


def test_curvilinear_corners_are_interpolated_and_extrapolated():
    lat, lon = _sheared()
    grid = _curvilinear(lat, lon)
    y, x = 2, 0  # a cell on the western edge: its western corners are extrapolated
    corners_yx = [(y - 0.5, x - 0.5), (y - 0.5, x + 0.5), (y + 0.5, x + 0.5), (y + 0.5, x - 0.5)]
    k = y * lat.shape[1] + x
    np.testing.assert_allclose(
        grid.vertex_lat[k], [50 + 0.08 * a + 0.01 * b for a, b in corners_yx]
    )
    np.testing.assert_allclose(grid.vertex_lon[k], [4 + 0.1 * b + 0.02 * a for a, b in corners_yx])


def test_curvilinear_weights_agree_with_geodesic_areas():
    """A sheared grid and a triangle cutting through it: every weight is the pyproj area of
    (hand-built cell polygon ∩ region), and a region inside the grid gets its whole area."""
    lat, lon = _sheared()
    grid = _curvilinear(lat, lon)
    triangle = Polygon([(4.12, 50.1), (4.55, 50.18), (4.3, 50.41)])
    regions = _regions(triangle=triangle, edge=(3.9, 49.9, 4.1, 50.1))
    matrix = build_weights(regions, grid).matrix.toarray()
    ny, nx = lat.shape
    expected = np.zeros_like(matrix)
    for j in range(ny):
        for i in range(nx):
            cell = Polygon(
                [
                    (4 + 0.1 * b + 0.02 * a, 50 + 0.08 * a + 0.01 * b)
                    for a, b in (
                        (j - 0.5, i - 0.5),
                        (j - 0.5, i + 0.5),
                        (j + 0.5, i + 0.5),
                        (j + 0.5, i - 0.5),
                    )
                ]
            )
            for r, region in enumerate(regions.geometry):
                expected[r, j * nx + i] = lonlat_polygon_area(cell.intersection(region))
    np.testing.assert_allclose(matrix, expected, rtol=1e-6, atol=1e-9)
    assert matrix[0].sum() == pytest.approx(lonlat_polygon_area(triangle), rel=1e-6)
    assert np.count_nonzero(matrix[0]) > 6  # a real cut through many cells


def test_cf_bounds_are_used_when_present():
    """Bounds that differ from the midpoints (cells of unequal width) decide the cells."""
    lat, lon = np.meshgrid([50.0, 51.0], [4.0, 5.0], indexing="ij")
    west = np.array([[3.0, 4.8], [3.0, 4.8]])
    east = np.array([[4.8, 5.2], [4.8, 5.2]])
    south, north = lat - 0.5, lat + 0.5
    ds = xr.Dataset(
        {
            "t": (("y", "x"), np.zeros((2, 2))),
            "lat_bnds": (("y", "x", "nv"), np.stack([south, south, north, north], -1)),
            "lon_bnds": (("y", "x", "nv"), np.stack([west, east, east, west], -1)),
        },
        coords={
            "lat": (("y", "x"), lat, {"bounds": "lat_bnds"}),
            "lon": (("y", "x"), lon, {"bounds": "lon_bnds"}),
        },
    )
    grid, _ = grid_of(ds, "t")
    np.testing.assert_allclose(
        grid.cell_areas_km2(),
        [
            band_area(south, south + 1, west, east)
            for south in (49.5, 50.5)
            for west, east in ((3.0, 4.8), (4.8, 5.2))
        ],
        rtol=1e-12,
    )
    weights = build_weights(_regions(a=(4.5, 49.5, 5.0, 50.5)), grid).matrix.toarray()[0]
    np.testing.assert_allclose(
        weights,
        [band_area(49.5, 50.5, 4.5, 4.8), band_area(49.5, 50.5, 4.8, 5.0), 0, 0],
        rtol=1e-12,
    )


def test_a_region_exactly_on_cell_edges_takes_that_cell_and_nothing_else():
    grid = _curvilinear(LAT2, LON2)
    weights = build_weights(_regions(cell=(4.5, 50.5, 5.5, 51.5)), grid)
    assert weights.matrix.nnz == 1
    assert weights.matrix[0, 4] == pytest.approx(band_area(50.5, 51.5, 4.5, 5.5), rel=1e-12)


def test_a_curvilinear_grid_across_the_antimeridian():
    lon, lat = np.meshgrid([170.0, 175.0, 180.0, 185.0], [-20.0, -15.0])
    grid = _curvilinear(lat, lon)
    weights = build_weights(_regions(fiji=(-179.0, -18.0, -176.0, -16.0)), grid)
    assert weights.region_area_km2[0] == pytest.approx(band_area(-18, -16, -179, -176), rel=1e-12)
    assert set(weights.matrix.indices) == {2, 3, 6, 7}  # the cells at 180 and 185 (-175)


def test_curvilinear_regions_outside_the_grid_are_warned(caplog):
    grid = _curvilinear(LAT2, LON2)
    with caplog.at_level(logging.WARNING, logger="pipeline.geo.weights"):
        weights = build_weights(
            _regions(inside=(4.5, 50.5, 5.5, 51.5), away=(20, 40, 21, 41)), grid
        )
    assert weights.matrix.getrow(1).nnz == 0
    assert "away" in caplog.text and "curvilinear" in caplog.text


# --- ICON triangles -----------------------------------------------------------------------


@pytest.fixture
def icon_grid_file(tmp_path):
    return write_icon_grid(tmp_path / "icon_grid_0028_R02B07_N02.nc")


def _icon(path, **kwargs):
    ds = xr.Dataset({"t": (("ncells",), np.arange(8.0))})
    return grid_of(ds, "t", grid_file=path, **kwargs)[0]


def test_whole_triangles_weigh_their_spherical_area(icon_grid_file):
    grid = _icon(icon_grid_file)
    regions = _regions(all=(4.9, 50.9, 5.9, 51.3))
    row = build_weights(regions, grid).matrix.toarray()[0]
    expected = [
        geodesic_area(lon, lat) for lat, lon in zip(grid.vertex_lat, grid.vertex_lon, strict=True)
    ]
    np.testing.assert_allclose(row, expected, rtol=1e-9)
    np.testing.assert_allclose(grid.cell_areas_km2(), expected, rtol=1e-9)


def _meridian_crossing(a, b, lon0):
    """Where the great circle through a and b (lon, lat) crosses the meridian lon0."""

    def xyz(p):
        lon, lat = np.radians(p)
        return np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])

    normal = np.cross(xyz(a), xyz(b))
    plane = np.cross(xyz((lon0, 0.0)), xyz((lon0, 90.0)))  # the meridian's plane normal
    p = np.cross(normal, plane)
    p *= np.sign(p[2])  # the northern-hemisphere intersection
    return (lon0, math.degrees(math.asin(p[2] / np.linalg.norm(p))))


def test_triangles_cut_by_a_meridian(icon_grid_file):
    """A region west of 5.3 E: triangles straddling it keep the part west of the meridian,
    built by hand (great-circle edges meet the meridian where their planes do) and measured
    by pyproj."""
    grid = _icon(icon_grid_file)
    row = build_weights(_regions(west=(4.0, 50.0, 5.3, 52.0)), grid).matrix.toarray()[0]
    for k in range(8):
        pts = list(zip(grid.vertex_lon[k], grid.vertex_lat[k], strict=True))
        clipped = []
        for p, q in zip(pts, pts[1:] + pts[:1], strict=True):
            if p[0] <= 5.3:
                clipped.append(p)
            if (p[0] - 5.3) * (q[0] - 5.3) < 0:
                clipped.append(_meridian_crossing(p, q, 5.3))
        lon, lat = np.array(clipped).T if len(clipped) >= 3 else ([], [])
        expected = geodesic_area(lon, lat) if len(clipped) >= 3 else 0.0
        assert row[k] == pytest.approx(expected, rel=1e-7, abs=1e-9), k
    assert 0 < row[2] < grid.cell_areas_km2()[2]  # (5.2..5.4) is cut


def test_icon_centre_weights_stay_the_operational_rule(icon_grid_file):
    """icon_weights="centre": each cell wholly in the region holding its centre, with the
    file's cell_area, as the operational sources weigh (no change to their outputs)."""
    grid = _icon(icon_grid_file, icon_weights="centre")
    assert isinstance(grid, UnstructuredGrid)
    row = build_weights(_regions(west=(4.0, 50.0, 5.3, 52.0)), grid).matrix.toarray()[0]
    west_centres = grid.longitudes < 5.3
    np.testing.assert_array_equal(row, np.where(west_centres, 100.0, 0.0))  # 1e8 m²


def test_real_icon_eu_eps_cells_with_a_polygon_of_our_own(shared_data, tmp_path, caplog):
    """The 49 real cells lie at 67..71.6 N, 36..64 E. CLIMADA's crop has no areas nor
    vertices, so we add areas (0.2° cells, as the source contract test does): then the cells
    weigh by their centres (with a warning that exact triangles need the vertices)."""
    with netCDF4.Dataset(shared_data / ICON_EU_EPS / "test_storm_europe_icon_grid.nc") as src:
        clat, clon = src["clat"][:], src["clon"][:]
    path = tmp_path / "icon_grid_0028_R02B07_N02.nc"
    areas = np.linspace(250e6, 300e6, clat.size)  # distinct per cell, to see which are taken
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("cell", clat.size)
        for name, values in (("clat", clat), ("clon", clon)):
            nc.createVariable(name, "f8", ("cell",)).setncattr("units", "radian")
            nc[name][:] = values
        nc.createVariable("cell_area", "f8", ("cell",))[:] = areas
    ds = xr.open_dataset(
        shared_data / ICON_EU_EPS / "test_storm_europe_icon_2021012800_001_vmax_10m.grib2",
        engine="cfgrib",
        backend_kwargs={"indexpath": "", "read_keys": ["numberOfGridUsed", "uuidOfHGrid"]},
    )
    with caplog.at_level(logging.WARNING):
        grid, dims = grid_of(ds, "fg10", grid_file=path)
    assert isinstance(grid, UnstructuredGrid) and "no cell vertices" in caplog.text
    lat, lon = np.degrees(clat), np.degrees(clon)
    north = (50.0, 69.0, 70.0, 72.0)  # a box of our own over the northern cells
    regions = _regions(north=north, benelux=(2.5, 49.4, 7.2, 53.6))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        weights = build_weights(regions, grid)
    inside = (lon > 50.0) & (lon < 70.0) & (lat > 69.0) & (lat < 72.0)
    assert 0 < inside.sum() < 49
    np.testing.assert_allclose(weights.matrix.toarray()[0], np.where(inside, areas / 1e6, 0.0))
    assert weights.matrix.getrow(1).nnz == 0
    assert region_coverage(regions, weights)[1] == 0.0
    assert "regions outside the grid" in caplog.text and "['benelux']" in caplog.text
    field = to_grid_layout(ds["fg10"], grid, dims).rename(number="member")
    stats = region_statistics(field.expand_dims(valid_time=1), weights, stats=["max"])
    assert float(stats["max"].sel(region="north").max()) == pytest.approx(
        float(ds["fg10"].values[:, inside].max()), rel=1e-6
    )


# --- cache ----------------------------------------------------------------------------------


def test_cached_weights_on_new_grids_read_back_identical(tmp_path, monkeypatch, icon_grid_file):
    grids = [
        RotatedPoleGrid(40.0, -170.0, 0.0, rotated=RegularGrid(-1.0, -2.0, 1.0, 1.0, 3, 4)),
        _curvilinear(LAT2, LON2),
        _icon(icon_grid_file),
    ]
    regions = _regions(a=(4.6, 50.6, 5.7, 51.4), b=(-10.0, 40.0, 20.0, 60.0))
    cache = tmp_path / "cache"
    first = [cached_weights(regions, grid, cache) for grid in grids]
    assert len({g.fingerprint for g in grids}) == 3 and len(list(cache.iterdir())) == 3

    def no_rebuild(*args, **kwargs):
        raise AssertionError("rebuilt instead of read")

    monkeypatch.setattr(weights_module, "build_weights", no_rebuild)
    for grid, before in zip(grids, first, strict=True):
        again = cached_weights(regions, grid, cache)
        assert (again.matrix != before.matrix).nnz == 0 and before.matrix.nnz > 0


def test_fingerprints_are_stable_and_tell_grids_apart():
    a = _curvilinear(LAT2, LON2)
    assert a.fingerprint == _curvilinear(LAT2.copy(), LON2.copy()).fingerprint
    assert a.fingerprint != _curvilinear(LAT2 + 0.001, LON2).fingerprint
    rotated = RotatedPoleGrid(40.0, -170.0, 0.0, rotated=REGULAR)
    assert rotated.fingerprint != RotatedPoleGrid(41.0, -170.0, 0.0, rotated=REGULAR).fingerprint
    assert rotated.crs == CRS.from_cf(
        {
            "grid_mapping_name": "rotated_latitude_longitude",
            "grid_north_pole_latitude": 40.0,
            "grid_north_pole_longitude": -170.0,
        }
    )


def test_a_region_without_a_centre_takes_the_nearest_cell_only_inside_the_grid(caplog):
    """Centres 1° apart: a tiny region exactly 1° beyond the last centre still belongs to it
    (the operational rule, unchanged); one a little farther lies outside the grid: no cell,
    and a warning, instead of a cell that may be any distance away."""
    lat, lon = np.meshgrid([0.5, 1.5], [0.5, 1.5, 2.5], indexing="ij")
    grid = UnstructuredGrid(
        name="hand",
        number=0,
        uuid="0" * 32,
        latitudes=lat.ravel(),
        longitudes=lon.ravel(),
        areas=np.arange(1.0, 7.0),
    )
    regions = _regions(edge=(3.5, 1.5, 3.55, 1.55), beyond=(3.5001, 1.5, 3.55, 1.55))
    with caplog.at_level(logging.WARNING, logger="pipeline.geo.weights"):
        weights = build_weights(regions, grid)
    assert list(weights.matrix.getrow(0).indices) == [5]  # the cell at (1.5 N, 2.5 E)
    assert weights.matrix.getrow(1).nnz == 0
    assert "get no statistics: ['beyond']" in caplog.text


def test_cells_with_masked_coordinates_get_no_weight():
    lat, lon = LAT2.copy(), LON2.copy()
    lat[0, 0] = np.nan  # its corners, interpolated, are unknown for the four cells around it
    grid = _curvilinear(lat, lon)
    row = build_weights(_regions(all=(3.0, 49.0, 7.0, 53.0)), grid).matrix.toarray()[0]
    assert np.isfinite(row).all()
    assert row[[0, 1, 3, 4]].tolist() == [0, 0, 0, 0]
    assert row[8] == pytest.approx(band_area(51.5, 52.5, 5.5, 6.5), rel=1e-12)


def test_regions_beyond_a_hemisphere_cannot_be_weighted_on_triangles(icon_grid_file):
    from pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="span more than a hemisphere"):
        build_weights(_regions(wide=(-170.0, -10.0, 170.0, 10.0)), _icon(icon_grid_file))

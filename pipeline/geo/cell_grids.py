"""Grids analysts bring besides the operational ones: rotated-pole, curvilinear, and ICON's
triangles with their vertices. Each flattens its cells to one ``cell`` axis (row-major for the
2-D ones) and keeps the true centre coordinates for output and maps. Pure geometry, no I/O.

- :class:`RotatedPoleGrid` (COSMO, CORDEX, HIRLAM): a regular grid in a rotated latitude-longitude
  system. Rotating the sphere moves no area, so its cells weigh what the same cells of a
  regular grid at the rotated latitudes weigh; regions are rotated instead of the cells.
- :class:`CurvilinearGrid` (2-D latitude/longitude): cell corners from CF bounds or halfway
  between centres; edges straight in longitude-latitude, as in SCRIP and CF.
- :class:`IconTriangleGrid`: an ICON grid with its triangles' vertices; edges are great circles.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import CRS, Transformer

from pipeline.geo.grids import RegularGrid
from pipeline.geo.icon_grid import UnstructuredGrid, _triangle_areas_km2
from pipeline.geo.spherical import gnomonic, lonlat_areas_km2

#: Longest edge (degrees) of a region outline before it is rotated or projected: a straight
#: edge in longitude-latitude bends there, and pieces of 0.001° (about 100 m) follow the bend
#: to well under 1e-6 of a region's area.
DENSIFY_DEG = 0.001


@dataclass(frozen=True)
class RotatedPoleGrid:
    """A regular grid in the CF ``rotated_latitude_longitude`` system; ``rotated`` is that grid
    in rotated degrees (ascending), its cells flattened row-major (rotated latitude first)."""

    pole_latitude: float  # grid_north_pole_latitude
    pole_longitude: float  # grid_north_pole_longitude
    north_pole_grid_longitude: float
    rotated: RegularGrid

    @property
    def shape(self) -> tuple[int]:
        return (self.rotated.nlat * self.rotated.nlon,)

    @property
    def grid_shape(self) -> tuple[int, int]:
        return self.rotated.shape

    @property
    def fingerprint(self) -> str:
        text = (
            f"rotated,{self.pole_latitude:.6f},{self.pole_longitude:.6f},"
            f"{self.north_pole_grid_longitude:.6f},{self.rotated.fingerprint}"
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @functools.cached_property
    def crs(self) -> CRS:
        return CRS.from_cf(
            {
                "grid_mapping_name": "rotated_latitude_longitude",
                "grid_north_pole_latitude": self.pole_latitude,
                "grid_north_pole_longitude": self.pole_longitude,
                "north_pole_grid_longitude": self.north_pole_grid_longitude,
            }
        )

    @functools.cached_property
    def _centres(self) -> tuple[np.ndarray, np.ndarray]:
        rlon, rlat = np.meshgrid(self.rotated.longitudes, self.rotated.latitudes)
        to_true = Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        lon, lat = to_true.transform(rlon, rlat)
        return np.asarray(lat), np.asarray(lon)

    @property
    def latitudes(self) -> np.ndarray:
        """True latitude of each cell centre, shape :attr:`grid_shape`."""
        return self._centres[0]

    @property
    def longitudes(self) -> np.ndarray:
        return self._centres[1]

    def cell_areas_km2(self) -> np.ndarray:
        return np.ascontiguousarray(self.rotated.cell_areas_km2()).ravel()

    def rotate(self, geometries: np.ndarray) -> np.ndarray:
        """Outlines in longitude-latitude, densified, in rotated degrees."""
        to_rotated = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        dense = shapely.segmentize(np.asarray(geometries, dtype=object), DENSIFY_DEG)
        return shapely.transform(dense, lambda xy: np.column_stack(to_rotated.transform(*xy.T)))

    def describe(self) -> str:
        r = self.rotated
        return (
            f"{r.nlat} x {r.nlon} rotated-pole lat-lon (pole {self.pole_latitude}° N "
            f"{self.pole_longitude}° E), {r.dlat}° x {r.dlon}° from rotated ({r.lat0}, {r.lon0})"
        )


@dataclass(frozen=True, eq=False)
class CurvilinearGrid:
    """Cells given by their centres (``latitudes``, ``longitudes``: 2-D, degrees) and corners
    (``vertex_lat``, ``vertex_lon``: one row of 4 per cell, cells row-major)."""

    latitudes: np.ndarray
    longitudes: np.ndarray
    vertex_lat: np.ndarray
    vertex_lon: np.ndarray
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        arrays = (self.latitudes, self.longitudes, self.vertex_lat, self.vertex_lon)
        object.__setattr__(self, "fingerprint", _digest("curvilinear", arrays))

    @property
    def shape(self) -> tuple[int]:
        return (self.latitudes.size,)

    @property
    def grid_shape(self) -> tuple[int, ...]:
        return self.latitudes.shape

    def polygons(self, near_lon: float) -> np.ndarray:
        """The cells as polygons in longitude-latitude, each moved by whole turns to lie
        nearest to ``near_lon`` (so cells and regions meet across the antimeridian); None for
        cells with missing corners (masked coordinates)."""
        lon = self.vertex_lon - 360.0 * np.round((self.vertex_lon - self.vertex_lon[:, :1]) / 360)
        lon -= 360.0 * np.round((lon.mean(axis=1, keepdims=True) - near_lon) / 360)
        corners = np.stack([lon, self.vertex_lat], axis=-1)
        missing = ~np.isfinite(corners).all(axis=(1, 2))
        return np.where(missing, None, shapely.polygons(np.nan_to_num(corners)))

    def cell_areas_km2(self) -> np.ndarray:
        return self._areas

    @functools.cached_property
    def _areas(self) -> np.ndarray:
        return lonlat_areas_km2(self.polygons(0.0))

    def describe(self) -> str:
        ny, nx = self.grid_shape
        return (
            f"{ny} x {nx} curvilinear lat-lon, lat {np.nanmin(self.latitudes):.3f}.."
            f"{np.nanmax(self.latitudes):.3f}, lon {np.nanmin(self.longitudes):.3f}.."
            f"{np.nanmax(self.longitudes):.3f}"
        )


@dataclass(frozen=True, eq=False)
class IconTriangleGrid:
    """An ICON grid (:class:`UnstructuredGrid`) with each cell's three vertices (degrees), for
    exact weights of the triangles instead of centre-in-region."""

    cells: UnstructuredGrid
    vertex_lat: np.ndarray  # (ncells, 3)
    vertex_lon: np.ndarray
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        arrays = (self.vertex_lat, self.vertex_lon)
        object.__setattr__(
            self, "fingerprint", _digest(f"triangles,{self.cells.fingerprint}", arrays)
        )

    @property
    def shape(self) -> tuple[int]:
        return self.cells.shape

    @property
    def latitudes(self) -> np.ndarray:
        return self.cells.latitudes

    @property
    def longitudes(self) -> np.ndarray:
        return self.cells.longitudes

    def polygons(self, centre: tuple[float, float], cells: np.ndarray) -> np.ndarray:
        """Triangles ``cells`` in :func:`gnomonic` coordinates around ``centre`` (None for
        triangles that reach 90° or more from it)."""
        xy = gnomonic(self.vertex_lon[cells], self.vertex_lat[cells], centre)
        polygons = shapely.polygons(np.nan_to_num(xy))
        return np.where(np.isnan(xy).any(axis=(1, 2)), None, polygons)

    def cell_areas_km2(self) -> np.ndarray:
        """Spherical triangle areas from the vertices (not the file's ``cell_area``), so that a
        triangle wholly inside a region weighs exactly what its clipped parts add up to."""
        return self._areas

    @functools.cached_property
    def _areas(self) -> np.ndarray:
        n = self.shape[0]
        corners = np.arange(3 * n).reshape(n, 3).T
        return _triangle_areas_km2(self.vertex_lat.ravel(), self.vertex_lon.ravel(), corners)

    def describe(self) -> str:
        return f"{self.cells.describe()}, exact triangles"


def _digest(kind: str, arrays) -> str:
    digest = hashlib.sha256(kind.encode())
    for array in arrays:
        digest.update(str(array.shape).encode())
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    return digest.hexdigest()[:16]

"""ICON's icosahedral (unstructured) grids: cell centres and areas from DWD's grid files.

DWD publishes the EPS products only on the native triangular grid. Each GRIB message names its
grid by number (``numberOfGridUsed``) and UUID (``uuidOfHGrid``); the coordinates are in a NetCDF
grid file under https://opendata.dwd.de/weather/lib/cdo/ (``icon_grid_0047_R19B07_L.nc.bz2`` for
ICON-D2-EPS, ``icon_grid_0028_R02B07_N02.nc.bz2`` for ICON-EU-EPS). It is downloaded once,
checked, and the few arrays we need (centres, areas) are cached as ``.npz``
(:mod:`pipeline.sources.grid_files`).

No regridding: region statistics weight each cell by its area (see :mod:`pipeline.geo.weights`).
"""

from __future__ import annotations

import bz2
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.errors import InvalidDataError, InvalidGridError
from pipeline.geo.grids import EARTH_RADIUS_KM, UnstructuredRef


@dataclass(frozen=True, eq=False)
class UnstructuredGrid:
    """Cells of an ICON grid: centres (degrees) and areas (km²) as 1-D arrays."""

    name: str
    number: int
    uuid: str
    latitudes: np.ndarray
    longitudes: np.ndarray
    areas: np.ndarray  # km²
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(f"{self.name},{self.number},{self.uuid}".encode())
        for array in (self.latitudes, self.longitudes, self.areas):
            digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
        object.__setattr__(self, "fingerprint", digest.hexdigest()[:16])

    @property
    def shape(self) -> tuple[int]:
        return (self.latitudes.size,)

    def cell_areas_km2(self) -> np.ndarray:
        return self.areas

    def describe(self) -> str:
        return f"{self.name} (grid no. {self.number}, uuid {self.uuid}), {self.shape[0]} cells"

    def within(
        self, bounds: tuple[float, float, float, float]
    ) -> tuple[UnstructuredGrid, np.ndarray]:
        """The cells whose centres lie inside ``(lat_min, lat_max, lon_min, lon_max)``, as a grid
        of their own (same name, number and uuid), and their indices in this grid."""
        lat_min, lat_max, lon_min, lon_max = bounds
        lon = (self.longitudes + 180.0) % 360.0 - 180.0
        inside = (self.latitudes >= lat_min) & (self.latitudes <= lat_max)
        inside &= (lon >= lon_min) & (lon <= lon_max)
        cells = np.flatnonzero(inside)
        if not cells.size:
            raise InvalidGridError(f"{self.describe()} has no cell in the area {bounds}")
        part = UnstructuredGrid(
            name=self.name,
            number=self.number,
            uuid=self.uuid,
            latitudes=self.latitudes[cells],
            longitudes=self.longitudes[cells],
            areas=self.areas[cells],
        )
        return part, cells

    @property
    def ref(self) -> UnstructuredRef:
        """What GRIB messages on this grid must say about it."""
        return UnstructuredRef(npoints=self.shape[0], number=self.number, uuid=self.uuid)


def read_grid_file(path: Path, *, name: str, number: int) -> UnstructuredGrid:
    """Read cell centres and areas from an ICON grid file (NetCDF, optionally ``.bz2``).

    Areas come from ``cell_area`` (m²); without it, from the triangles' vertices
    (``vertex_of_cell``, ``vlon``, ``vlat``) on ICON's sphere.
    """
    import netCDF4  # here, not with the module: `crosswarn run` imports this before it fetches

    try:
        raw = path.read_bytes()
        data = bz2.decompress(raw) if path.suffix == ".bz2" else raw
        with netCDF4.Dataset("grid.nc", memory=data) as nc:
            if "clat" not in nc.variables or "clon" not in nc.variables:
                raise InvalidDataError(
                    f"{path}: no clat/clon variables; is this an ICON grid file ({name})?"
                )
            lat = _degrees(nc.variables["clat"])
            lon = _degrees(nc.variables["clon"])
            if "cell_area" in nc.variables:
                areas = np.asarray(nc.variables["cell_area"][:], dtype=np.float64) / 1e6
            elif {"vertex_of_cell", "vlon", "vlat"} <= set(nc.variables):
                vertices = np.asarray(nc.variables["vertex_of_cell"][:], dtype=np.int64) - 1
                areas = _triangle_areas_km2(
                    _degrees(nc.variables["vlat"]), _degrees(nc.variables["vlon"]), vertices
                )
            else:
                raise InvalidDataError(
                    f"{path}: neither cell_area nor vertex_of_cell/vlon/vlat: cannot weight cells"
                )
            file_number = int(getattr(nc, "number_of_grid_used", 0) or 0)
            uuid = str(getattr(nc, "uuidOfHGrid", "0" * 32)).replace("-", "").lower()
    except (OSError, EOFError, ValueError) as exc:
        raise InvalidDataError(
            f"{path}: not a readable ICON grid file ({exc}); delete it and download it again"
        ) from exc
    if number and file_number and number != file_number:
        raise InvalidGridError(f"{path}: holds grid no. {file_number}, expected {number} ({name})")
    if not (lat.shape == lon.shape == areas.shape):
        raise InvalidDataError(f"{path}: clat, clon and cell areas differ in length")
    return UnstructuredGrid(
        name=name,
        number=file_number or number,
        uuid=uuid,
        latitudes=lat,
        longitudes=lon,
        areas=areas,
    )


def _degrees(variable) -> np.ndarray:
    values = np.asarray(variable[:], dtype=np.float64)
    if getattr(variable, "units", "radian").startswith("rad"):
        values = np.degrees(values)
    return values


def _triangle_areas_km2(vlat: np.ndarray, vlon: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Spherical triangle areas (L'Huilier via the vector formula), vertices (3, ncells)."""
    lat, lon = np.radians(vlat), np.radians(vlon)
    xyz = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    a, b, c = (xyz[vertices[k]] for k in range(3))
    numerator = np.abs(np.einsum("ij,ij->i", a, np.cross(b, c)))
    denominator = 1 + np.einsum("ij,ij->i", a, b) + np.einsum("ij,ij->i", b, c)
    denominator += np.einsum("ij,ij->i", c, a)
    return 2 * np.arctan2(numerator, denominator) * EARTH_RADIUS_KM**2

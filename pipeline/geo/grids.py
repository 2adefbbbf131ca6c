"""The horizontal grids forecasts come on: regular latitude-longitude, and what an unstructured
(ICON icosahedral) GRIB message says about its grid. Pure geometry: no decoding, no I/O."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from pipeline.errors import InvalidGridError

EARTH_RADIUS_KM = 6371.229  # ICON's sphere (GRIB shapeOfTheEarth = 6)


@dataclass(frozen=True)
class RegularGrid:
    """A regular latitude-longitude grid with ascending latitudes and longitudes in [-180, 180)."""

    lat0: float
    lon0: float
    dlat: float
    dlon: float
    nlat: int
    nlon: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.nlat, self.nlon)

    @property
    def latitudes(self) -> np.ndarray:
        return np.round(self.lat0 + self.dlat * np.arange(self.nlat), 6)

    @property
    def longitudes(self) -> np.ndarray:
        return np.round(self.lon0 + self.dlon * np.arange(self.nlon), 6)

    @property
    def fingerprint(self) -> str:
        """A short, stable id of the grid, used to key cached region weights."""
        text = f"{self.lat0:.6f},{self.lon0:.6f},{self.dlat:.6f},{self.dlon:.6f},{self.shape}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def cell_areas_km2(self) -> np.ndarray:
        """Area of each cell on the sphere, shape (nlat, nlon)."""
        lat = np.radians(self.latitudes)
        half = np.radians(self.dlat) / 2
        band = np.sin(np.minimum(lat + half, np.pi / 2)) - np.sin(
            np.maximum(lat - half, -np.pi / 2)
        )
        area = EARTH_RADIUS_KM**2 * np.radians(self.dlon) * band
        return np.broadcast_to(area[:, None], self.shape)

    def crop(self, bounds: tuple[float, float, float, float]) -> tuple[RegularGrid, tuple]:
        """The part of the grid inside ``(lat_min, lat_max, lon_min, lon_max)``, and the
        (row, column) slices that cut it from a field on this grid."""
        lat_min, lat_max, lon_min, lon_max = bounds
        lats, lons = self.latitudes, self.longitudes
        rows = np.flatnonzero((lats >= lat_min) & (lats <= lat_max))
        cols = np.flatnonzero((lons >= lon_min) & (lons <= lon_max))
        if not len(rows) or not len(cols):
            raise InvalidGridError(f"{self.describe()} does not cover the area {bounds}")
        grid = RegularGrid(
            lat0=float(lats[rows[0]]),
            lon0=float(lons[cols[0]]),
            dlat=self.dlat,
            dlon=self.dlon,
            nlat=len(rows),
            nlon=len(cols),
        )
        return grid, (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))

    def describe(self) -> str:
        return (
            f"{self.nlat} x {self.nlon} regular lat-lon, {self.dlat}° x {self.dlon}°, "
            f"from ({self.lat0}, {self.lon0})"
        )


@dataclass(frozen=True)
class UnstructuredRef:
    """What a GRIB message on an unstructured (ICON icosahedral) grid says about its grid.

    The cell coordinates live in a separate grid file; ``number`` and ``uuid`` identify it
    (0 and all zeros when a producer left them unset).
    """

    npoints: int
    number: int  # numberOfGridUsed, e.g. 47 for icon_grid_0047_R19B07_L
    uuid: str  # uuidOfHGrid, 32 hex digits

    @property
    def shape(self) -> tuple[int]:
        return (self.npoints,)

    def describe(self) -> str:
        return f"unstructured grid no. {self.number} (uuid {self.uuid}), {self.npoints} cells"

    def mismatch(self, found: UnstructuredRef) -> str | None:
        """Why ``found`` is not this grid (None if it is); unset numbers and UUIDs match any."""
        problems = []
        if found.npoints != self.npoints:
            problems.append(f"{found.npoints} values for {self.npoints} cells")
        if found.number and self.number and found.number != self.number:
            problems.append(f"grid no. {found.number}, expected {self.number}")
        if int(found.uuid or "0", 16) and int(self.uuid or "0", 16) and found.uuid != self.uuid:
            problems.append(f"grid uuid {found.uuid}, expected {self.uuid}")
        return "; ".join(problems) or None

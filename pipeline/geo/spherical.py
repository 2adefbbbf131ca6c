"""Exact areas of polygons on the sphere, for the two kinds of edge grid cells have.

- Edges straight in longitude-latitude (the cells of regular, rotated and curvilinear grids, and
  the convention of GeoJSON outlines): the area enclosed is R² ∬ cos φ dφ dλ over the polygon in
  the (λ, φ) plane; by Green's theorem that is R² |∮ sin φ dλ|, and along a straight edge the
  integral has a closed form. So intersecting in the (λ, φ) plane and measuring with this formula
  is exact, with no projection and no densifying.
- Great-circle edges (ICON's triangles): the gnomonic projection maps great circles to straight
  lines, so intersecting there is exact too, and the area of a polygon with great-circle edges is
  a sum of spherical triangles (Van Oosterom and Strackee's formula).

All functions are vectorised over shapely geometry arrays; the sphere is ICON's.
"""

from __future__ import annotations

import numpy as np
import shapely

from pipeline.geo.grids import EARTH_RADIUS_KM

_POLYGON = 3  # shapely type id


def lonlat_areas_km2(geometries: np.ndarray) -> np.ndarray:
    """Area of each (multi)polygon whose coordinates are (longitude, latitude) in degrees and
    whose edges are straight in those coordinates; other geometry types count 0."""
    rings, owner, exterior = _rings(geometries)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    lam, phi = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    same = ring[1:] == ring[:-1]  # consecutive vertices of one (closed) ring form an edge
    first = np.searchsorted(ring, np.arange(len(rings)))
    reference = np.sin(phi[first])[ring[:-1][same]]  # a constant per ring: better conditioning
    d_lam = (lam[1:] - lam[:-1])[same]
    mid = ((phi[1:] + phi[:-1]) / 2)[same]
    half = ((phi[1:] - phi[:-1]) / 2)[same]
    # ∫ sin φ dλ along the edge, φ linear in λ: Δλ sin φm · sin(Δφ/2)/(Δφ/2)
    terms = d_lam * (np.sin(mid) * np.sinc(half / np.pi) - reference)
    signed = np.bincount(ring[:-1][same], weights=terms, minlength=len(rings))
    return _combine(np.abs(signed) * EARTH_RADIUS_KM**2, owner, exterior, len(geometries))


def gnomonic(lon: np.ndarray, lat: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """Gnomonic coordinates (x, y; tangent-plane units) of points, centred on ``centre``
    (lon, lat); NaN for points 90° or more from it (the projection does not reach them)."""
    lon0, lat0 = np.radians(centre)
    lam, phi = np.radians(lon) - lon0, np.radians(lat)
    cos_c = np.sin(lat0) * np.sin(phi) + np.cos(lat0) * np.cos(phi) * np.cos(lam)
    cos_c = np.where(cos_c > 0, cos_c, np.nan)
    x = np.cos(phi) * np.sin(lam) / cos_c
    y = (np.cos(lat0) * np.sin(phi) - np.sin(lat0) * np.cos(phi) * np.cos(lam)) / cos_c
    return np.stack([x, y], axis=-1)


def great_circle_areas_km2(geometries: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """Area of each (multi)polygon given in :func:`gnomonic` coordinates around ``centre``,
    whose edges are great-circle arcs (straight lines in that projection)."""
    rings, owner, exterior = _rings(geometries)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    points = _unit_vectors(coords, centre)
    same = ring[1:] == ring[:-1]
    # Fan each ring from its first vertex: the signed triangles add up to the ring's area.
    apex = points[np.searchsorted(ring, np.arange(len(rings)))][ring[:-1][same]]
    a, b = points[:-1][same], points[1:][same]
    triple = np.einsum("ij,ij->i", apex, np.cross(a, b))
    dots = 1 + np.einsum("ij,ij->i", apex, a) + np.einsum("ij,ij->i", a, b)
    dots += np.einsum("ij,ij->i", b, apex)
    terms = 2 * np.arctan2(triple, dots)
    signed = np.bincount(ring[:-1][same], weights=terms, minlength=len(rings))
    return _combine(np.abs(signed) * EARTH_RADIUS_KM**2, owner, exterior, len(geometries))


def _unit_vectors(xy: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """Points on the unit sphere of gnomonic coordinates: centre + x east + y north, normed."""
    lon0, lat0 = np.radians(centre)
    c = np.array([np.cos(lat0) * np.cos(lon0), np.cos(lat0) * np.sin(lon0), np.sin(lat0)])
    east = np.array([-np.sin(lon0), np.cos(lon0), 0.0])
    north = np.array([-np.sin(lat0) * np.cos(lon0), -np.sin(lat0) * np.sin(lon0), np.cos(lat0)])
    v = c + xy[:, :1] * east + xy[:, 1:] * north
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _rings(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rings of the polygons in ``geometries``, the geometry each belongs to, and whether
    it is an exterior ring (shapely lists each polygon's exterior before its holes)."""
    parts, part_owner = shapely.get_parts(np.asarray(geometries, dtype=object), return_index=True)
    keep = shapely.get_type_id(parts) == _POLYGON  # intersections may add lines and points
    parts, part_owner = parts[keep], part_owner[keep]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = ring_part[1:] != ring_part[:-1]
    return rings, part_owner[ring_part], exterior


def _combine(ring_areas, owner, exterior, n: int) -> np.ndarray:
    signed = np.where(exterior, ring_areas, -ring_areas)
    return np.bincount(owner, weights=signed, minlength=n).astype(np.float64)

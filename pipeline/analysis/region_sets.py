"""The region sets an analyst aggregates over: crosswarn's warning regions (``emma``), NUTS
levels 0 to 3 of a GISCO release (``nuts0`` ... ``nuts3``), or any polygon file GDAL reads
(GeoJSON, GeoPackage, Shapefile, ...) with the field holding each region's id.

Every set comes back the same way: a GeoDataFrame in EPSG:4326 indexed by region id (unique
strings), with a ``name`` column and valid polygonal geometries; ``attrs["region_set"]`` says
what it is, for the outputs.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from pipeline.errors import ConfigError, InvalidDataError
from pipeline.settings import Settings

NAMED_SETS = ("emma", "nuts0", "nuts1", "nuts2", "nuts3")
_POLYGONAL = {"Polygon", "MultiPolygon"}


def load_region_set(
    spec: str | Path,
    *,
    settings: Settings,
    nuts_version: int = 2024,
    id_field: str | None = None,
    name_field: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """The regions ``spec`` names: one of :data:`NAMED_SETS`, or a polygon file whose regions
    are identified by ``id_field`` (and named by ``name_field``, else by their ids)."""
    spec = str(spec)
    if spec == "emma":
        from pipeline.geo.regions import load_regions

        frame = load_regions(settings.regions_dir, settings.cache_dir)[["name", "geometry"]]
        frame.attrs["region_set"] = "emma (MeteoAlarm EMMA_ID warning regions in crosswarn's scope)"
        return frame
    if spec in NAMED_SETS:
        from pipeline.sources.gisco import load_nuts

        frame = load_nuts(
            int(spec[-1]),
            nuts_version,
            cache_dir=settings.cache_dir or Path(".cache"),
            mirror=settings.nuts_mirror,
        )
        frame = frame[["name", "geometry"]]
        frame.attrs["region_set"] = (
            f"NUTS level {spec[-1]}, version {nuts_version} (Eurostat GISCO; "
            "(c) EuroGeographics for the administrative boundaries)"
        )
        return frame
    path = Path(spec)
    if not path.exists():
        raise ConfigError(
            f"--regions {spec}: neither a region set ({', '.join(NAMED_SETS)}) nor an existing "
            "polygon file"
        )
    return read_polygon_file(path, id_field=id_field, name_field=name_field, layer=layer)


def read_polygon_file(
    path: Path, *, id_field: str | None, name_field: str | None = None, layer: str | None = None
) -> gpd.GeoDataFrame:
    """The regions of a polygon file, checked: ids unique and present, polygons valid (repaired
    with ``make_valid``), a coordinate reference system known; reprojected to EPSG:4326."""
    import pyogrio

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio's DataSourceError and GDAL's own errors
        raise InvalidDataError(
            f"{path}: not a polygon file GDAL can read ({_first_line(exc)}); give GeoJSON, "
            "GeoPackage or a Shapefile"
        ) from None
    if layer is None and len(layers) > 1:
        raise ConfigError(f"{path}: holds layers {layers}; choose one with --layer")
    if layer is not None and layer not in layers:
        raise ConfigError(f"{path}: no layer {layer!r}; it holds {layers}")
    try:
        frame = gpd.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio's DataSourceError and GDAL's own errors
        raise InvalidDataError(f"{path}: cannot read its polygons ({_first_line(exc)})") from None
    fields = [c for c in frame.columns if c != frame.geometry.name]
    if id_field is None:
        raise ConfigError(
            f"--regions {path}: name the field holding region ids with --id-field, one of {fields}"
        )
    for option, field in (("--id-field", id_field), ("--name-field", name_field)):
        if field is not None and field not in frame.columns:
            raise ConfigError(f"{path}: no field {field!r} ({option}); it has {fields}")
    ids = frame[id_field]
    if ids.isna().any():
        rows = list(np.flatnonzero(ids.isna().to_numpy())[:5])
        raise InvalidDataError(
            f"{path}: features {rows} have no {id_field}; give every region an id"
        )
    ids = ids.astype(str)
    duplicates = sorted(set(ids[ids.duplicated()]))
    if duplicates:
        raise InvalidDataError(
            f"{path}: {id_field} is not unique ({duplicates[:5]} repeat); choose another "
            "--id-field or dissolve the regions first"
        )
    if frame.crs is None:
        raise InvalidDataError(
            f"{path}: no coordinate reference system (a Shapefile without its .prj?); add one "
            "or save the file as GeoJSON"
        )
    geometry = frame.geometry
    empty = ids[geometry.isna() | geometry.is_empty].tolist()
    if empty:
        raise InvalidDataError(f"{path}: regions {empty[:5]} have no geometry")
    kinds = set(geometry.geom_type) - _POLYGONAL
    if kinds:
        raise InvalidDataError(f"{path}: regions must be polygons; it holds {sorted(kinds)}")
    names = frame[name_field].astype(str) if name_field else ids
    valid = [_polygonal(g) for g in shapely.make_valid(geometry.to_crs("EPSG:4326").to_numpy())]
    regions = gpd.GeoDataFrame(
        {"name": names.to_numpy()}, geometry=valid, crs="EPSG:4326", index=ids.to_numpy()
    )
    regions.index.name = "region"
    regions.attrs["region_set"] = f"polygons of {path.name} (ids: {id_field})"
    return regions


def _polygonal(geometry: shapely.Geometry) -> shapely.Geometry:
    """The area of a repaired outline: ``make_valid`` may leave lines or points beside it."""
    if geometry.geom_type in _POLYGONAL:
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in _POLYGONAL]
    return shapely.union_all(parts)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

"""Helpers of the analysts' tests: small real-format files written here, and the CF checker."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

#: Empty area-type and region-name tables for cfchecker: the outputs use neither (no
#: ``area_type`` variable, no standardized region names), and the real tables are downloaded.
_AREA_TYPES = "<area_type_table><version_number>0</version_number><date>-</date></area_type_table>"
_REGIONS = (
    "<standardized_region_list><version_number>0</version_number><date>-</date>"
    "</standardized_region_list>"
)


@pytest.fixture
def cf_problems(tmp_path):
    """cfchecker's FATAL, ERROR and WARN messages on a file, against the CF standard name table
    the compliance-checker package ships (cfchecker would download it)."""
    import compliance_checker
    from cfchecker.cfchecks import CFChecker

    table = Path(compliance_checker.__file__).parent / "data" / "cf-standard-name-table.xml"
    (tmp_path / "area-types.xml").write_text(_AREA_TYPES)
    (tmp_path / "regions.xml").write_text(_REGIONS)

    def check(path: Path) -> list[str]:
        checker = CFChecker(
            cfStandardNamesXML=str(table),
            cfAreaTypesXML=str(tmp_path / "area-types.xml"),
            cfRegionNamesXML=str(tmp_path / "regions.xml"),
            silent=True,
            version="1.8",
        )
        results = checker.checker(str(path))
        found = [f"global {m}" for k in ("FATAL", "ERROR", "WARN") for m in results["global"][k]]
        for name, messages in results["variables"].items():
            found += [f"{name} {m}" for k in ("FATAL", "ERROR", "WARN") for m in messages[k]]
        return found

    return check


def write_grid(
    path: Path,
    values: np.ndarray,
    *,
    lat: np.ndarray,
    lon: np.ndarray,
    name: str = "gust",
    attrs: dict | None = None,
    times: list[str] | None = None,
) -> Path:
    """A CF NetCDF of ``values`` (time, lat, lon) on a regular grid."""
    times = times or ["2026-01-15T06:00"]
    values = np.asarray(values, dtype=np.float32).reshape(len(times), lat.size, lon.size)
    ds = xr.Dataset(
        {
            name: (
                ("time", "lat", "lon"),
                values,
                attrs if attrs is not None else {"units": "m s-1"},
            )
        },
        coords={
            "time": ("time", np.array(times, dtype="datetime64[ns]"), {"standard_name": "time"}),
            "lat": ("lat", lat, {"units": "degrees_north", "standard_name": "latitude"}),
            "lon": ("lon", lon, {"units": "degrees_east", "standard_name": "longitude"}),
        },
    )
    ds.to_netcdf(path)
    return path


def write_regions(path: Path, boxes: dict[str, tuple[float, float, float, float]]) -> Path:
    """A GeoJSON of rectangles (west, south, east, north) with their ids in ``code``."""
    import geopandas as gpd
    import shapely

    frame = gpd.GeoDataFrame(
        {"code": list(boxes), "label": [f"box {k}" for k in boxes]},
        geometry=[shapely.box(*b) for b in boxes.values()],
        crs="EPSG:4326",
    )
    frame.to_file(path)
    return path

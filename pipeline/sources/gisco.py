"""NUTS regions (levels 0 to 3) as region sets, from Eurostat GISCO (versions 2021 and 2024).

The NUTS codes differ between versions (the Dutch COROP codes were renumbered in 2024), so the
version is always explicit. Files are downloaded from GISCO on first use, checked against a
pinned sha256 and cached; a local mirror directory holding the same file names is accepted
instead (``CROSSWARN_NUTS_MIRROR``). GISCO's 2021 release has one file per level, its 2024
release one file of every level. © EuroGeographics for the administrative boundaries.

In scope, at each level: every unit of BE, NL and LU, and the DE and FR units within 0.5° of them.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from pipeline.errors import ConfigError, InvalidDataError
from pipeline.files import atomic_path
from pipeline.sources.download import fetch

GISCO = "https://gisco-services.ec.europa.eu/distribution/v2/nuts/geojson"
BENELUX = ("BE", "NL", "LU")
NEIGHBOURS = ("DE", "FR")
BELT_DEG = 0.5


@dataclass(frozen=True)
class NutsRelease:
    version: int
    file: str
    sha256: str

    @property
    def url(self) -> str:
        return f"{GISCO}/{self.file}"


#: The 1:20M EPSG:4326 GeoJSON releases, pinned by content.
RELEASES = {
    2021: NutsRelease(
        2021,
        "NUTS_RG_20M_2021_4326_LEVL_3.geojson",
        "7261169b7fc3b20c6e76e0e835433502c42574d3a826b0be042ff223c976a819",
    ),
    2024: NutsRelease(
        2024,
        "NUTS_RG_20M_2024_4326.geojson",
        "ee140dff5fb87fb2f5674d0934f2aef52463dace82b13a63c15462d15312daec",
    ),
}


#: GISCO's files of levels 0 to 2 where a release has one file per level (the files of
#: :data:`RELEASES` hold level 3, and in 2024 every level).
LEVEL_RELEASES = {
    (2021, 0): NutsRelease(
        2021,
        "NUTS_RG_20M_2021_4326_LEVL_0.geojson",
        "bc44b301c7f8537b35b963b559f803f633d65b2756c9bd47e802f10f8840cff7",
    ),
    (2021, 1): NutsRelease(
        2021,
        "NUTS_RG_20M_2021_4326_LEVL_1.geojson",
        "3b0c94d262cf2962f84008f6100f6735d98d57d31624e914f3f83ab259a7089b",
    ),
    (2021, 2): NutsRelease(
        2021,
        "NUTS_RG_20M_2021_4326_LEVL_2.geojson",
        "09300511ff7b2c1947420cf831bb7ce5a1a2b292aa6b0858df6491511d67e964",
    ),
}
LEVELS = (0, 1, 2, 3)


def nuts_release(version: int, level: int = 3) -> NutsRelease:
    """The pinned GISCO file holding the NUTS ``level`` units of ``version``."""
    if version not in RELEASES:
        raise ConfigError(f"NUTS version {version}: known versions are {sorted(RELEASES)}")
    if level not in LEVELS:
        raise ConfigError(f"NUTS level {level}: levels are {LEVELS}")
    return LEVEL_RELEASES.get((version, level), RELEASES[version])


def nuts_file(version: int, *, cache_dir: Path, mirror: Path | None = None, level: int = 3) -> Path:
    """The verified GISCO file of ``version`` with the ``level`` units: from the cache, the
    mirror, or GISCO."""
    release = nuts_release(version, level)
    cached = cache_dir / "nuts" / release.file
    if cached.exists():
        return cached
    cached.parent.mkdir(parents=True, exist_ok=True)
    if mirror is not None:
        source = Path(mirror) / release.file
        if not source.exists():
            raise ConfigError(f"NUTS mirror {mirror} has no {release.file}")
        _check_sha256(source, release)
        with atomic_path(cached) as tmp:
            shutil.copyfile(source, tmp)
        return cached

    def verify(path: Path, *, origin: str) -> None:
        _check_sha256(path, release, origin=origin)

    fetch(f"{GISCO}/{release.file}", cached, verify=verify)
    return cached


def _check_sha256(path: Path, release: NutsRelease, *, origin: str | None = None) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != release.sha256:
        raise InvalidDataError(
            f"{origin or path}: sha256 {digest[:16]}... is not the pinned NUTS {release.version} "
            f"release ({release.sha256[:16]}...); GISCO may have republished it: check the file "
            "and update the pin in pipeline/sources/gisco.py, or point CROSSWARN_NUTS_MIRROR at "
            "a copy"
        )


def load_nuts3(version: int, *, cache_dir: Path, mirror: Path | None = None) -> gpd.GeoDataFrame:
    """NUTS-3 units in scope, indexed by NUTS_ID, with ``name`` and ``country`` columns."""
    return load_nuts(3, version, cache_dir=cache_dir, mirror=mirror)


def load_nuts(
    level: int, version: int, *, cache_dir: Path, mirror: Path | None = None
) -> gpd.GeoDataFrame:
    """NUTS units of ``level`` (0: countries ... 3) in scope, indexed by NUTS_ID, with ``name``
    and ``country`` columns."""
    path = nuts_file(version, cache_dir=cache_dir, mirror=mirror, level=level)
    frame = gpd.read_file(path)
    frame = frame[frame["LEVL_CODE"] == level]
    core = frame[frame["CNTR_CODE"].isin(BENELUX)]
    belt = shapely.union_all(core.geometry.to_numpy()).buffer(BELT_DEG)
    near = frame[frame["CNTR_CODE"].isin(NEIGHBOURS) & frame.intersects(belt)]
    units = gpd.GeoDataFrame(
        {
            "name": list(core["NAME_LATN"]) + list(near["NAME_LATN"]),
            "country": list(core["CNTR_CODE"]) + list(near["CNTR_CODE"]),
        },
        geometry=list(core.geometry.make_valid()) + list(near.geometry.make_valid()),
        crs="EPSG:4326",
        index=list(core["NUTS_ID"]) + list(near["NUTS_ID"]),
    ).sort_index()
    units.index.name = "region"
    units.attrs["region_set"] = f"nuts{level}-{version}"
    return units

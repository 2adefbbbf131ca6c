"""A loopback mimic of the KNMI Data Platform Open Data API, serving HARMONIE tars built here.

Values (chosen so that every mapped parameter is recognisable after decoding):

- gust components at step s: u = 12 + s, v = 16 m/s, so the gust speed is hypot(12 + s, 16)
  (20 m/s at +0 h, about 20.6 m/s at +1 h); maxima over the preceding hour (P1 = s - 1).
- 2 m temperature: 280.15 K + 0.01 K per grid row northwards (7 °C on the southern row).
- precipitation since the run start: 2 mm per hour (1 h window = 2 mm, 3 h window = 6 mm).
- 10 m wind: u = 3, v = -4 m/s; mean sea-level pressure 101325 Pa (never asked for).
"""

from __future__ import annotations

import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import eccodes
import numpy as np

from pipeline.geo.grids import RegularGrid
from pipeline.sources.knmi import KnmiHarmonie

API_KEY = "knmi-test-key-0123456789"
API_ROOT = "/open-data/v1"
P1_GRID = KnmiHarmonie.expected_grid


class SmallHarmonie(KnmiHarmonie):
    """HARMONIE with a 3 h run, so that test tars stay small (the product runs to +60 h)."""

    max_lead_hours = 3


def message(
    parameter: int,
    level_type: int,
    level: int,
    values: np.ndarray,
    *,
    run: str,
    step: int,
    time_range: int = 0,
    grid: RegularGrid = P1_GRID,
) -> bytes:
    """One GRIB1 message of KNMI's local table 253 (centre 99)."""
    reference = datetime.strptime(run, "%Y%m%d%H").replace(tzinfo=UTC)
    handle = eccodes.codes_grib_new_from_samples("regular_ll_sfc_grib1")
    try:
        p1, p2 = {0: (step, 0), 2: (max(step - 1, 0), step), 4: (0, step)}[time_range]
        for key, value in (
            ("centre", 99),
            ("table2Version", 253),
            ("indicatorOfParameter", parameter),
            ("indicatorOfTypeOfLevel", level_type),
            ("level", level),
            ("dataDate", int(f"{reference:%Y%m%d}")),
            ("dataTime", int(f"{reference:%H%M}")),
            ("unitOfTimeRange", 1),
            ("timeRangeIndicator", time_range),
            ("P1", p1),
            ("P2", p2),
            ("Ni", grid.nlon),
            ("Nj", grid.nlat),
            ("latitudeOfFirstGridPointInDegrees", grid.lat0),
            ("longitudeOfFirstGridPointInDegrees", grid.lon0),
            ("latitudeOfLastGridPointInDegrees", round(grid.lat0 + grid.dlat * (grid.nlat - 1), 3)),
            (
                "longitudeOfLastGridPointInDegrees",
                round(grid.lon0 + grid.dlon * (grid.nlon - 1), 3),
            ),
            ("iDirectionIncrementInDegrees", grid.dlon),
            ("jDirectionIncrementInDegrees", grid.dlat),
            ("jScansPositively", 1),
            ("bitsPerValue", 12),
        ):
            eccodes.codes_set(handle, key, value)
        eccodes.codes_set_values(handle, np.asarray(values, dtype=np.float64).ravel())
        return eccodes.codes_get_message(handle)
    finally:
        eccodes.codes_release(handle)


def step_file(
    run: str,
    step: int,
    *,
    grid: RegularGrid = P1_GRID,
    drop: int | None = None,
    gradient: bool = True,
) -> bytes:
    """The GRIB1 file of one lead time, as in the tar (``drop``: leave that parameter out;
    ``gradient=False``: constant temperature too, so that every message packs to a few bytes)."""
    shape = grid.shape
    rows = np.arange(grid.nlat, dtype=np.float64)[:, None] * np.ones(shape) * gradient

    def full(value: float) -> np.ndarray:
        return np.full(shape, value)

    fields = [
        (1, 103, 0, full(101325.0), 0),
        (33, 105, 10, full(3.0), 0),
        (34, 105, 10, full(-4.0), 0),
        (11, 105, 2, 280.15 + 0.01 * rows, 0),
        (61, 105, 0, full(2.0 * step), 4),
    ]
    if step:  # gust maxima over the preceding hour exist from +1 h
        fields += [(162, 105, 10, full(12.0 + step), 2), (163, 105, 10, full(16.0), 2)]
    return b"".join(
        message(p, lt, lv, values, run=run, step=step, time_range=tr, grid=grid)
        for p, lt, lv, values, tr in fields
        if p != drop
    )


def run_tar(run: str, steps, *, files: dict[int, bytes] | None = None, **kwargs) -> bytes:
    """The run's tar: one GRIB1 member per lead time (``files`` overrides some; ``kwargs`` go
    to :func:`step_file`)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for step in steps:
            data = (files or {}).get(step) or step_file(run, step, **kwargs)
            info = tarfile.TarInfo(f"HA43_N20_{run}00_{step:03d}00_GB")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def serve(loopback, tars: dict[str, bytes], runs: tuple[str, ...] = ()) -> str:
    """Serve ``tars`` (run -> tar bytes) through a mimic of the Open Data API; return its base.
    ``runs`` are further runs whose URL endpoint exists (answering 404 until a tar is put).

    The API answers 403 without the right ``Authorization`` header; the download URL is a
    pre-signed one on another path (``/s3/``) that needs no key.
    """
    store = loopback.root / "s3"
    store.mkdir(exist_ok=True)
    for run, data in tars.items():
        (store / f"HARM43_V1_P1_{run}.tar").write_bytes(data)
    files = f"{API_ROOT}/datasets/harmonie_arome_cy43_p1/versions/1.0/files"

    def authorised(handler) -> bool:
        return handler.headers.get("Authorization") == API_KEY

    def listing(handler):
        if not authorised(handler):
            return 403, {}, b'{"error": "forbidden"}'
        names = sorted((p.name for p in store.iterdir()), reverse=True)
        body = {
            "isTruncated": False,
            "resultCount": len(names),
            "files": [{"filename": n, "size": (store / n).stat().st_size} for n in names],
            "maxResults": 48,
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    loopback.routes[files] = listing

    def url_route(name: str):
        def answer(handler):
            if not authorised(handler):
                return 403, {}, b'{"error": "forbidden"}'
            if not (store / name).exists():
                return 404, {}, b'{"error": "file not found"}'
            body = {"temporaryDownloadUrl": f"{loopback.url}/s3/{name}?X-Amz-Signature=presigned"}
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

        return answer

    for run in (*tars, *runs):
        name = f"HARM43_V1_P1_{run}.tar"
        loopback.routes[f"{files}/{name}/url"] = url_route(name)
    return loopback.url + API_ROOT


def url_path(run: str) -> str:
    files = f"{API_ROOT}/datasets/harmonie_arome_cy43_p1/versions/1.0/files"
    return f"{files}/HARM43_V1_P1_{run}.tar/url"


def tar_path(run: str) -> str:
    return f"/s3/HARM43_V1_P1_{run}.tar"


def archive_files(archive: Path) -> list[Path]:
    return sorted(p for p in archive.rglob("*") if p.is_file())

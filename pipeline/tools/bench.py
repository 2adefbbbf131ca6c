"""Benchmarks that print ratios measured side by side in one run (``crosswarn bench ...``).

Each ends with one line of JSON holding its figures.
"""

from __future__ import annotations

import bz2
import json
import os
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from pipeline.progress import Stage, progress
from pipeline.sources.grib import decode_bytes, decompress


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def floor_decode(path: Path) -> list:
    """The unavoidable work per file, the floor of ``bench aggregate`` and ``bench run``: one
    bz2 decompression (the decompressor crosswarn uses) and one decode of every message, as
    crosswarn decodes it: the values and the keys read by number, not the names eccodes looks
    up in its tables (a third of a millisecond each, which crosswarn does not ask for)."""
    origin = str(path)
    return decode_bytes(decompress(path.read_bytes(), origin=origin), origin=origin, names=False)


def _floor_one(path: Path) -> float:
    return float(floor_decode(path)[0].values[0, 0])


def bench_ingest(mirror: Path, *, workers: int = 2, baseline_files: int = 12) -> dict:
    """Read a full ICON-D2 run (3 variables x 49 steps) from a local mirror; see the README."""
    import xarray as xr

    from pipeline.sources.dwd import IconD2
    from pipeline.tools.scenario import PARAMS, RUN, write_scenario

    print(f"preparing the scenario mirror in {mirror} (reused when complete) ...", flush=True)
    write_scenario(mirror)
    source = IconD2(f"file://{mirror.resolve()}")
    files = sorted((mirror / "icon-d2" / "grib" / "00").glob(f"*/*_{RUN}_*.grib2.bz2"))
    n_files = len(files)
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"{n_files} files, {size_mb:.0f} MB compressed, {workers} workers\n", flush=True)

    with Stage("bench ingest", ["floor", "fetch", "read", "cfgrib"]) as stage:
        stage.step("floor")
        # Warm the page cache so that every contender reads from memory.
        for path in files:
            path.read_bytes()
        floor_serial, _ = _timed(lambda: [_floor_one(p) for p in files])
        with ThreadPoolExecutor(workers) as pool:
            floor_parallel, _ = _timed(lambda: list(pool.map(_floor_one, files)))

        with tempfile.TemporaryDirectory(prefix="crosswarn-bench-") as tmp:
            stage.step("fetch")
            archive = Path(tmp) / "archive"
            fetch_s, _ = _timed(lambda: source.fetch(RUN, archive, params=list(PARAMS)))
            ds = source.open(RUN, archive, params=list(PARAMS))

            def read_all() -> None:
                # Every canonical variable and step is decoded and normalised in full; keeping
                # one point of each makes the result small, so memory shows what streaming
                # needs.
                ds.isel(latitude=0, longitude=0).compute(scheduler="threads", num_workers=workers)

            stage.step("read")
            tracemalloc.start()
            ours, _ = _timed(read_all)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

            stage.step("cfgrib")
            # Baseline: cfgrib, one file at a time (it cannot read bz2, so decompress first).
            sample = files[:: max(1, n_files // baseline_files)][:baseline_files]

            def cfgrib_one(path: Path) -> None:
                plain = Path(tmp) / path.name.removesuffix(".bz2")
                plain.write_bytes(bz2.decompress(path.read_bytes()))
                with xr.open_dataset(plain, engine="cfgrib", backend_kwargs={"indexpath": ""}) as d:
                    d.load()
                plain.unlink()

            cfgrib_one(files[-1])  # the first open pays for cfgrib's own start-up: not counted
            baseline_sample, _ = _timed(lambda: [cfgrib_one(p) for p in sample])
    baseline = baseline_sample / len(sample) * n_files

    figures = {
        "benchmark": "ingest",
        "files": n_files,
        "compressed_mb": round(size_mb, 1),
        "workers": workers,
        "cpu_count": os.cpu_count(),
        "floor_serial_s": round(floor_serial, 3),
        "floor_parallel_s": round(floor_parallel, 3),
        "ours_read_s": round(ours, 3),
        "ratio_to_floor": round(ours / floor_parallel, 3),
        "fetch_from_mirror_s": round(fetch_s, 3),
        "peak_traced_mb": round(peak / 1e6, 1),
        "cfgrib_baseline_s": round(baseline, 2),
        "cfgrib_baseline_files_timed": len(sample),
        "speedup_vs_cfgrib": round(baseline / ours, 1),
        "speedup_bound_at_floor": round(baseline / floor_parallel, 1),
    }
    rows = [
        ("floor: bz2 + eccodes decode, 1 thread", floor_serial, ""),
        (f"floor: bz2 + eccodes decode, {workers} threads", floor_parallel, "(reference)"),
        ("crosswarn: open + normalise + reduce", ours, f"{ours / floor_parallel:.2f}x floor"),
        (
            f"cfgrib, 1 file at a time ({len(sample)} timed, scaled to {n_files})",
            baseline,
            f"crosswarn is {baseline / ours:.0f}x faster",
        ),
    ]
    for label, seconds, note in rows:
        print(f"  {label:<62} {seconds:8.2f} s  {note}")
    print(
        f"\n  peak traced memory while reading (NumPy + Python): {peak / 1e6:.0f} MB; one field "
        f"is {np.prod(ds.wind_gust.shape[-2:]) * 4 / 1e6:.1f} MB, the run "
        f"{ds.nbytes / 1e6:.0f} MB"
    )
    print(
        f"  no reader can beat the floor: against this baseline the most reachable is "
        f"{baseline / floor_parallel:.1f}x (cfgrib {baseline / n_files * 1e3:.0f} ms per file, "
        f"of which bz2 is {floor_serial / n_files * 1e3:.0f} ms with the decode)"
    )
    print(
        f"  fetch from the file:// mirror (copy + bz2/GRIB verification, done once per run): "
        f"{fetch_s:.2f} s"
    )
    print("\n" + json.dumps(figures))
    return figures


def bench_aggregate(*, members: int = 20, steps: int = 48, baseline_fields: int = 2) -> dict:
    """An ICON-D2-EPS-sized cube over the in-scope regions; see the README."""
    import xarray as xr

    from pipeline.geo.regions import load_regions
    from pipeline.geo.weights import build_weights
    from pipeline.settings import DEFAULT_REGIONS_DIR
    from pipeline.statistics.exceedance import region_statistics
    from pipeline.tools.scenario import GRID

    regions = load_regions(DEFAULT_REGIONS_DIR)
    thresholds = [14.0, 20.0, 25.0]  # about 50, 72 and 90 km/h
    shape = (members, steps, *GRID.shape)
    print(f"cube {shape} float32, {np.prod(shape) * 4 / 1e9:.2f} GB; {len(regions)} regions\n")
    rng = np.random.default_rng(0)
    base = rng.gamma(4.0, 3.0, size=GRID.shape).astype(np.float32)
    cube = np.empty(shape, dtype=np.float32)
    for m in range(members):
        for t in range(steps):
            np.add(base, np.float32(0.1 * m + 0.05 * t), out=cube[m, t])
    field = xr.DataArray(cube, dims=("member", "valid_time", "latitude", "longitude"))

    weights_s, weights = _timed(lambda: build_weights(regions, GRID))

    def reduce(cube: xr.DataArray) -> None:
        region_statistics(cube, weights, thresholds, stats=("mean", "max", "fraction_above"))

    # Both contenders once on one field first (imports, first calls), then timed on the cube.
    float(cube[0, 0].sum(dtype=np.float64))
    reduce(field.isel(member=[0], valid_time=[0]))
    floor, _ = _timed(lambda: float(cube.sum(dtype=np.float64)))
    ours, _ = _timed(lambda: reduce(field))
    tracemalloc.start()  # a second, untimed reduction: tracing slows allocations
    reduce(field)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # Baseline: regionmask's 3-D mask and xarray's weighted reductions, on a few fields.
    import regionmask

    mask_s, mask = _timed(
        lambda: (
            regionmask.from_geopandas(regions.reset_index(), names="region")
            .mask_3D(GRID.longitudes, GRID.latitudes)
            .rename(lat="latitude", lon="longitude")
            .drop_vars(["latitude", "longitude"])
        )
    )
    area = xr.DataArray(GRID.cell_areas_km2(), dims=("latitude", "longitude"))
    subset = field.isel(member=0, valid_time=slice(0, baseline_fields))

    def baseline_stats() -> None:
        weighted = subset.weighted(mask * area)
        weighted.mean(("latitude", "longitude")).compute()
        subset.where(mask).max(("latitude", "longitude")).compute()
        for t in thresholds:
            (subset >= t).weighted(mask * area).mean(("latitude", "longitude")).compute()

    per_subset, _ = _timed(baseline_stats)
    n_fields = members * steps
    baseline = mask_s + per_subset / baseline_fields * n_fields
    check = region_statistics(
        subset.expand_dims(member=1).transpose("member", "valid_time", ...), weights, thresholds
    )
    reference = subset.weighted(mask * area).mean(("latitude", "longitude"))
    agreement = float(
        np.nanmax(np.abs(check["mean"].isel(member=0).values - reference.transpose().values))
    )

    figures = {
        "benchmark": "aggregate",
        "cube": list(shape),
        "regions": len(regions),
        "floor_sum_s": round(floor, 3),
        "ours_s": round(ours, 3),
        "ratio_to_floor": round(ours / floor, 2),
        "weights_s": round(weights_s, 3),
        "peak_extra_mb": round(peak / 1e6, 1),
        "regionmask_baseline_s": round(baseline, 1),
        "regionmask_fields_timed": baseline_fields,
        "speedup_vs_regionmask": round(baseline / ours, 1),
        "max_abs_diff_mean_vs_regionmask": agreement,
    }
    rows = [
        ("floor: one plain sum over the cube", floor, "(reference)"),
        ("crosswarn: mean + max + fraction above 3 thresholds", ours, f"{ours / floor:.2f}x floor"),
        ("crosswarn: exact weights (exactextract), built once per grid", weights_s, ""),
        (
            f"regionmask mask_3D + xarray weighted ({baseline_fields} fields timed, scaled)",
            baseline,
            f"crosswarn is {baseline / ours:.0f}x faster",
        ),
    ]
    for label, seconds, note in rows:
        print(f"  {label:<68} {seconds:8.2f} s  {note}")
    print(f"\n  peak extra memory while reducing (traced, beyond the input): {peak / 1e6:.0f} MB")
    print(
        f"  regionmask's mask took {mask_s:.2f} s (counted once in its time); its means differ "
        f"from ours by at most {agreement:.2g} (centre-in-polygon vs exact coverage)"
    )
    print("\n" + json.dumps(figures))
    return figures


def bench_knmi(*, steps: int = 61) -> dict:
    """A full-size HARMONIE P1 run tar (61 lead times x 7 GRIB1 fields of 390 x 390, noisy so
    that packing is realistic) served on loopback through a minimal Open Data API: crosswarn's
    streamed fetch against the bare transfer, and against download-then-extract."""
    import http.server
    import io
    import tarfile
    import threading

    import eccodes
    import httpx

    from pipeline.sources.grib import iter_messages, message_keys
    from pipeline.sources.knmi import KnmiHarmonie

    run, key = "2026011500", "bench-key"
    grid = KnmiHarmonie.expected_grid
    assert grid is not None
    rng = np.random.default_rng(1)
    codes = [(1, 103, 0, 0), (33, 105, 10, 0), (34, 105, 10, 0), (11, 105, 2, 0), (61, 105, 0, 4)]
    codes += [(162, 105, 10, 2), (163, 105, 10, 2)]

    def message(parameter: int, level_type: int, level: int, time_range: int, step: int) -> bytes:
        handle = eccodes.codes_grib_new_from_samples("regular_ll_sfc_grib1")
        try:
            p1, p2 = {0: (step, 0), 2: (max(step - 1, 0), step), 4: (0, step)}[time_range]
            for name, value in (
                ("centre", 99), ("table2Version", 253), ("indicatorOfParameter", parameter),
                ("indicatorOfTypeOfLevel", level_type), ("level", level),
                ("dataDate", int(run[:8])), ("dataTime", 0), ("unitOfTimeRange", 1),
                ("timeRangeIndicator", time_range), ("P1", p1), ("P2", p2),
                ("Ni", grid.nlon), ("Nj", grid.nlat),
                ("latitudeOfFirstGridPointInDegrees", grid.lat0),
                ("longitudeOfFirstGridPointInDegrees", grid.lon0),
                ("latitudeOfLastGridPointInDegrees", 56.002),
                ("longitudeOfLastGridPointInDegrees", 11.281),
                ("iDirectionIncrementInDegrees", grid.dlon),
                ("jDirectionIncrementInDegrees", grid.dlat),
                ("jScansPositively", 1), ("bitsPerValue", 16),
            ):  # fmt: skip
                eccodes.codes_set(handle, name, value)
            eccodes.codes_set_values(handle, rng.gamma(4.0, 3.0, grid.nlat * grid.nlon))
            return eccodes.codes_get_message(handle)
        finally:
            eccodes.codes_release(handle)

    with tempfile.TemporaryDirectory(prefix="crosswarn-bench-knmi-") as tmp:
        root = Path(tmp)
        tar_path = root / "s3" / f"HARM43_V1_P1_{run}.tar"
        tar_path.parent.mkdir()
        print(f"building a {steps}-step HARMONIE tar ...", flush=True)
        with tarfile.open(tar_path, "w") as tar:
            for step in progress(range(steps), desc="HARMONIE tar", unit="step"):
                data = b"".join(message(*c[:3], c[3], step) for c in codes)
                info = tarfile.TarInfo(f"HA43_N20_{run}00_{step:03d}00_GB")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        size_mb = tar_path.stat().st_size / 1e6
        api = "/open-data/v1/datasets/harmonie_arome_cy43_p1/versions/1.0/files"

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.startswith(api):
                    base = f"http://127.0.0.1:{self.server.server_address[1]}"
                    body = json.dumps({"temporaryDownloadUrl": f"{base}/s3/{tar_path.name}"})
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body.encode())
                    return
                super().do_GET()

        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), lambda *a: Handler(*a, directory=str(root))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            tar_path.read_bytes()  # page cache

            def transfer() -> None:
                with (
                    httpx.Client() as client,
                    client.stream("GET", f"{base}/s3/{tar_path.name}") as r,
                ):
                    for _ in r.iter_bytes(1 << 20):
                        pass

            floor, _ = _timed(transfer)
            source = KnmiHarmonie(base + "/open-data/v1", key)
            ours, _ = _timed(lambda: source.fetch(run, root / "archive"))
            tracemalloc.start()  # a second, untimed fetch: tracing slows allocations
            source.fetch(run, root / "archive-traced")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            archived_mb = sum(p.stat().st_size for p in (root / "archive").rglob("*.grib")) / 1e6

            def naive() -> None:
                local = root / "naive.tar"
                with (
                    httpx.Client() as client,
                    client.stream("GET", f"{base}/s3/{tar_path.name}") as r,
                    local.open("wb") as fh,
                ):
                    for chunk in r.iter_bytes(1 << 20):
                        fh.write(chunk)
                with tarfile.open(local) as tar:
                    tar.extractall(root / "naive", filter="data")
                wanted = {(11, 105, 2), (61, 105, 0), (162, 105, 10), (163, 105, 10)}
                keys = dict.fromkeys(
                    ("indicatorOfParameter", "indicatorOfTypeOfLevel", "level"), int
                )
                for member in sorted((root / "naive").iterdir()):
                    for handle in iter_messages(member.read_bytes(), origin=str(member)):
                        if tuple(message_keys(handle, keys).values()) in wanted:
                            eccodes.codes_get_message(handle)
                        eccodes.codes_release(handle)

            baseline, _ = _timed(naive)
        finally:
            server.shutdown()
            server.server_close()

    figures = {
        "benchmark": "knmi",
        "tar_mb": round(size_mb, 1),
        "steps": steps,
        "floor_transfer_s": round(floor, 3),
        "ours_stream_select_s": round(ours, 3),
        "ratio_to_floor": round(ours / floor, 2),
        "download_extract_select_s": round(baseline, 3),
        "speedup_vs_download_extract": round(baseline / ours, 2),
        "archived_mb": round(archived_mb, 1),
        "peak_traced_mb": round(peak / 1e6, 1),
    }
    rows = [
        ("floor: the tar over loopback HTTP, bytes discarded", floor, "(reference)"),
        (
            "crosswarn: stream the tar, select 4 of 7 fields, archive",
            ours,
            f"{ours / floor:.2f}x floor",
        ),
        (
            "download to disk, extract every member, then select",
            baseline,
            f"crosswarn is {baseline / ours:.1f}x faster",
        ),
    ]
    for label, seconds, note in rows:
        print(f"  {label:<62} {seconds:8.2f} s  {note}")
    print(
        f"\n  tar {size_mb:.0f} MB; archived {archived_mb:.0f} MB; peak traced memory while "
        f"streaming {peak / 1e6:.0f} MB (one lead time at a time, never the whole tar)"
    )
    print("\n" + json.dumps(figures))
    return figures

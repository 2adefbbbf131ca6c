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

from pipeline.grib import decode_bytes


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _floor_one(path: Path) -> float:
    """The unavoidable work per file: bz2 decompression and one eccodes decode."""
    fields = decode_bytes(bz2.decompress(path.read_bytes()), origin=str(path))
    return float(fields[0].values[0, 0])


def bench_ingest(mirror: Path, *, workers: int = 2, baseline_files: int = 12) -> dict:
    """Read a full ICON-D2 run (3 variables x 49 steps) from a local mirror; see the README."""
    import xarray as xr

    from pipeline.scenario import PARAMS, RUN, write_scenario
    from pipeline.sources.dwd import IconD2

    print(f"preparing the scenario mirror in {mirror} (reused when complete) ...", flush=True)
    write_scenario(mirror)
    source = IconD2(f"file://{mirror.resolve()}")
    files = sorted((mirror / "icon-d2" / "grib" / "00").glob(f"*/*_{RUN}_*.grib2.bz2"))
    n_files = len(files)
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    print(f"{n_files} files, {size_mb:.0f} MB compressed, {workers} workers\n", flush=True)

    # Warm the page cache so that every contender reads from memory.
    for path in files:
        path.read_bytes()

    floor_serial, _ = _timed(lambda: [_floor_one(p) for p in files])
    with ThreadPoolExecutor(workers) as pool:
        floor_parallel, _ = _timed(lambda: list(pool.map(_floor_one, files)))

    with tempfile.TemporaryDirectory(prefix="crosswarn-bench-") as tmp:
        archive = Path(tmp) / "archive"
        fetch_s, _ = _timed(lambda: source.fetch(RUN, archive, params=list(PARAMS)))
        ds = source.open(RUN, archive, params=list(PARAMS))

        def read_all() -> None:
            # Every canonical variable and step is decoded and normalised in full; keeping one
            # point of each makes the result small, so memory shows what streaming needs.
            ds.isel(latitude=0, longitude=0).compute(scheduler="threads", num_workers=workers)

        tracemalloc.start()
        ours, _ = _timed(read_all)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

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

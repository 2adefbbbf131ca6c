"""``crosswarn bench run``: a whole model run from mirror to CAP files, against its floor.

The floor is what no implementation can avoid: decompressing every file once and decoding every
message once, with the same number of workers and the same decompressor. crosswarn runs as a
user runs it (``crosswarn run`` in a child process: start-up, imports, fetch, statistics,
assessment, publication, consultation, then the bulletins) on a ledger migrated beforehand and a
warm cache of grids and weights, as a deployment that has run before; its wall time and peak
memory are measured side by side with the floor: to the moment every CAP file is written (the
warnings' end to end, the target), and to the end of the process (bulletin pages and maps
included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.ledger.store import Ledger
from pipeline.progress import Stage
from pipeline.tools.bench import floor_decode

SOURCES = ("dwd-icon-d2", "dwd-icon-d2-eps")


def _floor_one(path: Path) -> int:
    return len(floor_decode(path))


def _mirror(source_id: str, root: Path) -> tuple[Path, list[Path]]:
    """Write (or reuse) the full-size scenario in DWD's layout; its data files."""
    if source_id == "dwd-icon-d2":
        from pipeline.tools.scenario import RUN, write_scenario

        mirror = write_scenario(root / "icon-d2")
        return mirror, sorted((mirror / "icon-d2").rglob(f"*_{RUN}_*.grib2.bz2"))
    from pipeline.tools.scenario_eps import RUN, write_eps_scenario

    mirror = write_eps_scenario(root / "icon-d2-eps")
    return mirror, sorted((mirror / "icon-d2-eps").rglob(f"*_{RUN}_*.grib2.bz2"))


#: ``python -m pipeline.cli`` that, on exit, writes its own peak resident memory (VmHWM, in kB)
#: to the file named by its first argument, and its resident memory every 0.1 s (seconds since
#: the epoch, kB) to the second. Not ``ru_maxrss`` from ``wait4``: Linux carries the parent's
#: high-water mark over the fork and exec into it, so a child reported at least the benchmark's
#: own peak (the scenario generator's, say); VmHWM is the child's memory map alone.
_CHILD = """
import atexit, runpy, sys, threading, time
out, trace = sys.argv.pop(1), open(sys.argv.pop(1), "w")
def status(key):
    with open("/proc/self/status") as lines:
        return next(l for l in lines if l.startswith(key)).split()[1]
def sample():
    while True:
        trace.write(f"{time.time()} {status('VmRSS:')}\\n")
        time.sleep(0.1)
def peak():
    open(out, "w").write(status("VmHWM:"))
    trace.flush()
threading.Thread(target=sample, daemon=True).start()
atexit.register(peak)
runpy.run_module("pipeline.cli", run_name="__main__", alter_sys=True)
"""


def _peak_rss_kb() -> int:
    """This process's peak resident memory since start or :func:`_reset_peak_rss` (kB)."""
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1])


def _reset_peak_rss() -> None:
    """Restart the peak resident memory from the current one (Linux: ``clear_refs`` 5)."""
    Path("/proc/self/clear_refs").write_text("5")


def _run_child(source_id: str, run: str, mirror: Path, tmp: Path, cache: Path, workers: int):
    """``crosswarn run`` in a child process: wall seconds to its end, CPU seconds (user +
    system), peak RSS (bytes), and wall seconds to the end of each stage (``--timings``)."""
    env = os.environ | {
        "CROSSWARN_DWD_BASE_URL": mirror.resolve().as_uri(),
        "CROSSWARN_ARCHIVE_DIR": str(tmp / "archive"),
        "CROSSWARN_WORK_DIR": str(tmp / "work"),
        "CROSSWARN_OUT_DIR": str(tmp / "out"),
        "CROSSWARN_CACHE_DIR": str(cache),
        "CROSSWARN_LEDGER_URL": f"sqlite:///{tmp / 'ledger.sqlite'}",
        "CROSSWARN_DOWNLOAD_WORKERS": str(workers),
        "CROSSWARN_DECODE_WORKERS": str(workers),
    }
    # As an installed crosswarn runs: its modules' bytecode compiled (by the warm-up run if
    # `make` has not compiled them since they changed), not compiled again at every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # The ledger exists, as a deployment's does (`crosswarn ledger migrate` at install): the
    # run finds it at the newest schema, but holds no decision about this run yet.
    with Ledger(env["CROSSWARN_LEDGER_URL"], sender="bench", oid_prefix="bench") as ledger:
        ledger.migrate()
    peak, trace = tmp / "peak-rss-kb", tmp / "rss-trace"
    timings = tmp / "timings.json"
    command = [sys.executable, "-c", _CHILD, str(peak), str(trace), "run", source_id, "--run", run,
               "--timings", str(timings)]  # fmt: skip
    started, start = time.time(), time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if child.returncode:
        raise RuntimeError(f"crosswarn run {source_id} {run} failed:\n{errors[-3000:]}")
    ended = {stage: at - started for stage, at in json.loads(timings.read_text()).items()}
    samples = [(float(t) - started, int(kb) * 1024) for t, kb in map(str.split, trace.open())]
    return wall, usage.ru_utime + usage.ru_stime, int(peak.read_text()) * 1024, ended, samples


def _quarters(samples: list[tuple[float, int]], start: float, end: float) -> list[int]:
    """The highest resident memory (bytes) in each quarter of ``start``..``end`` (seconds):
    flat when memory holds the files being decoded and never the run."""
    span = (end - start) / 4
    return [
        max((rss for t, rss in samples if start + k * span <= t <= start + (k + 1) * span),
            default=0)
        for k in range(4)
    ]  # fmt: skip


def _floor(files: list[Path], workers: int) -> tuple[float, float, int]:
    """One floor pass over ``files``: wall and CPU seconds, and the messages decoded."""
    with ThreadPoolExecutor(workers) as pool:
        start, cpu = time.perf_counter(), time.process_time()
        messages = sum(pool.map(_floor_one, files))
        return time.perf_counter() - start, time.process_time() - cpu, messages


def bench_run(source_id: str, root: Path, *, workers: int = 2, repeats: int = 3) -> dict:
    """Floor and crosswarn end to end on a full-size run of ``source_id``; see the README.

    The floor and the run are measured in turn, ``repeats`` times each, and their medians
    compared: on a machine shared with other work one pass of either moves by a tenth."""
    if source_id not in SOURCES:
        raise ValueError(f"bench run: source {source_id!r}; choose from {SOURCES}")
    if repeats < 1:
        raise ValueError(f"bench run: --repeats {repeats}; measure at least once")
    print(f"preparing the full-size {source_id} scenario in {root} (reused when complete) ...")
    mirror, files = _mirror(source_id, root)
    run = "2026011500"
    size = sum(p.stat().st_size for p in files)
    print(f"{len(files)} files, {size / 1e6:.0f} MB compressed, {workers} workers\n", flush=True)
    cache = root / "cache"  # grid files and weights, as in a deployment that has run before

    steps = ["warm-up run", *(f"floor and run {k + 1}/{repeats}" for k in range(repeats))]
    floors, runs = [], []
    with Stage(f"bench run {source_id}", steps) as stage:
        stage.step("warm-up run")
        for path in files:  # warm the page cache: both contenders read from memory
            path.read_bytes()
        # The runs' archives and outputs beside the mirror, removed after each run.
        with tempfile.TemporaryDirectory(prefix="crosswarn-bench-warm-", dir=root) as tmp:
            _run_child(source_id, run, mirror, Path(tmp), cache, workers)  # fills the cache
        _reset_peak_rss()  # the floor's own peak, not the scenario generator's
        for k in range(repeats):
            stage.step(f"floor and run {k + 1}/{repeats}")
            floors.append(_floor(files, workers))
            with tempfile.TemporaryDirectory(prefix="crosswarn-bench-run-", dir=root) as tmp:
                whole, cpu, peak, ended, samples = _run_child(
                    source_id, run, mirror, Path(tmp), cache, workers
                )
                caps = len(list((Path(tmp) / "out" / source_id / run / "cap").glob("*.xml")))
            runs.append({
                "to_cap": ended["consult"],  # every CAP file written, the consultation's too
                "whole": whole, "cpu": cpu, "peak": peak, "ended": ended, "caps": caps,
                "quarters": _quarters(samples, ended["migrate"], ended["fetch_and_statistics"]),
            })  # fmt: skip
        floor_rss = _peak_rss_kb() * 1024
    floor, floor_cpu, messages = sorted(floors)[len(floors) // 2]  # the median pass
    middle = sorted(runs, key=lambda r: r["to_cap"])[len(runs) // 2]  # the median run
    ours, whole, ours_cpu, ended = middle["to_cap"], middle["whole"], middle["cpu"], middle["ended"]
    quarters, caps = middle["quarters"], middle["caps"]
    peak = max(r["peak"] for r in runs)
    if len({r["caps"] for r in runs}) > 1:
        raise RuntimeError(f"bench run: the runs wrote {[r['caps'] for r in runs]} CAP files")

    figures = {
        "benchmark": "run",
        "source": source_id,
        "files": len(files),
        "messages": messages,
        "compressed_mb": round(size / 1e6, 1),
        "workers": workers,
        "repeats": repeats,
        "floor_s": round(floor, 2),
        "crosswarn_s": round(ours, 2),
        "ratio_to_floor": round(ours / floor, 2),
        "floor_s_each": [round(f[0], 2) for f in floors],
        "crosswarn_s_each": [round(r["to_cap"], 2) for r in runs],
        "with_bulletins_s": round(whole, 2),
        "with_bulletins_ratio": round(whole / floor, 2),
        "stages_end_s": {stage: round(at, 2) for stage, at in ended.items()},
        # CPU seconds besides wall seconds: on a machine shared with other work, the wall
        # ratio moves with the load while the CPU ratio hardly does.
        "floor_cpu_s": round(floor_cpu, 2),
        "crosswarn_cpu_s": round(ours_cpu, 2),
        "cpu_ratio_to_floor": round(ours_cpu / floor_cpu, 2),
        "crosswarn_peak_rss_mb": round(peak / 1e6),
        # flat while fetch and statistics work through the run's files: memory holds the
        # files being decoded and the statistics so far, never the run's fields
        "fetch_statistics_peak_rss_mb_by_quarter": [round(q / 1e6) for q in quarters],
        "floor_peak_rss_mb": round(floor_rss / 1e6),
        "cap_files": caps,
    }
    rows = [
        (f"floor: one bz2 + decode pass over {len(files)} files", floor, "(reference)"),
        ("crosswarn run: mirror -> CAP files (child process)", ours, f"{ours / floor:.2f}x floor"),
        ("  ... then bulletin pages and maps, to the process's end", whole,
         f"{whole / floor:.2f}x floor"),
    ]  # fmt: skip
    print(f"  medians of {repeats} measurements each, floor and run in turn")
    for label, seconds, note in rows:
        print(f"  {label:<58} {seconds:8.2f} s  {note}")
    print("  each (s): floor " + ", ".join(f"{f[0]:.2f}" for f in floors)
          + "; crosswarn " + ", ".join(f"{r['to_cap']:.2f}" for r in runs))  # fmt: skip
    print("  stages ended at (s): " + ", ".join(f"{k} {v:.2f}" for k, v in ended.items()))
    print(
        f"\n  CPU (user + system): floor {floor_cpu:.1f} s, crosswarn {ours_cpu:.1f} s "
        f"({ours_cpu / floor_cpu:.2f}x; the whole process, bulletins included)"
    )
    print(f"  crosswarn peak RSS {peak / 1e6:.0f} MB; {caps} CAP files written")
    print(
        "  peak RSS in each quarter of fetch + statistics: "
        + ", ".join(f"{q / 1e6:.0f}" for q in quarters)
        + " MB"
    )
    print("\n" + json.dumps(figures))
    return figures

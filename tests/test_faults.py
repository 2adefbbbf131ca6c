"""The fault suite: each fault injected into a real ``crosswarn run`` on a DWD-shaped mirror, the
clear failure it gives, and a rerun after the fault is gone whose outputs equal a clean run's
(the sha256 manifests of the run's and the consultation's output directories).

Faults covered elsewhere with the same ending: a deleted ledger
(tests/ledger/test_ledger_faults.py); server and transfer faults (tests/sources/).
"""

from __future__ import annotations

import bz2
import http.server
import json
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from pipeline.cli import main
from pipeline.sources.dwd import IconD2
from pipeline.tools.scenario import encode
from tests.sources.dwd_tree import SMALL_GRID, write_run

RUN = "2026011500"
PARAMS = list(IconD2.default_params)


def _mirror(root: Path) -> Path:
    write_run(root, IconD2(f"file://{root}/weather/nwp"), RUN, PARAMS, list(range(49)))
    return root / "weather" / "nwp"


def _args(mirror: Path, base: Path) -> list[str]:
    return ["run", "dwd-icon-d2", "--run", RUN, "--base-url", f"file://{mirror}",
            "--archive", str(base / "archive"), "--out", str(base / "out")]  # fmt: skip


def _manifests(base: Path) -> dict[str, bytes]:
    out = base / "out"
    return {
        name: (out / name / RUN / "manifest.json").read_bytes()
        for name in ("dwd-icon-d2", "consultation")
    }


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> Path:
    """A clean run in folders of its own (mirror, archive, work with its ledger, out)."""
    base = tmp_path_factory.mktemp("clean")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CROSSWARN_WORK_DIR", str(base / "work"))
        patch.setenv("CROSSWARN_CACHE_DIR", str(base / "cache"))
        assert main(_args(_mirror(base / "www"), base)) == 0
    return base


@pytest.fixture
def clean(clean_run) -> dict[str, bytes]:
    """The manifests of the clean run."""
    return _manifests(clean_run)


@pytest.fixture
def base(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("CROSSWARN_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("CROSSWARN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


def _served(mirror: Path, step: int, param: str = "t_2m") -> Path:
    return next(mirror.rglob(f"*_{RUN}_{step:03d}_2d_{param}.grib2.bz2"))


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_a_wrong_file_is_quarantined_and_the_fixed_rerun_equals_a_clean_run(clean, base, capsys):
    mirror = _mirror(base / "www")
    served = _served(mirror, 17)
    good = served.read_bytes()
    other = encode(
        "t_2m", np.full(SMALL_GRID.shape, 278.15), run="2026011503", step=17, grid=SMALL_GRID,
        member=0, members=1, interval=1, production_status=0,
    )  # fmt: skip
    served.write_bytes(bz2.compress(other))  # a file of another run under this run's name
    assert main(_args(mirror, base)) == 2
    line = _one_error_line(capsys)
    assert served.name in line and "holds run 2026011503" in line and "quarantine" in line
    assert not (base / "out" / "dwd-icon-d2" / RUN).exists()
    served.write_bytes(good)  # the provider fixes the file
    assert main(_args(mirror, base)) == 0
    assert _manifests(base) == clean


def test_an_implausible_field_publishes_nothing_and_the_fixed_rerun_equals_a_clean_run(
    clean, base, capsys
):
    mirror = _mirror(base / "www")
    served = _served(mirror, 30)
    good = served.read_bytes()
    kelvin_as_celsius = encode("t_2m", np.full(SMALL_GRID.shape, 5.0), run=RUN, step=30,
                               grid=SMALL_GRID, member=0, members=1, interval=1,
                               production_status=0)  # fmt: skip
    served.write_bytes(bz2.compress(kelvin_as_celsius))
    assert main(_args(mirror, base)) == 2
    line = _one_error_line(capsys)
    assert "air_temperature at step 30 h" in line and "below the physical minimum" in line
    assert not (base / "out" / "dwd-icon-d2" / RUN).exists()
    # The archived copy passed the transfer checks; the provider republishes the file, and the
    # operator removes the archived copy (or the archive's retention does).
    served.write_bytes(good)
    next((base / "archive").rglob(served.name)).unlink()
    assert main(_args(mirror, base)) == 0
    assert _manifests(base) == clean


def test_a_kill_between_the_output_renames_is_healed_by_the_rerun(clean_run, clean, base):
    for folder in ("www", "archive", "work", "out"):  # the clean run, moved here
        shutil.copytree(clean_run / folder, base / folder)
    mirror = base / "www" / "weather" / "nwp"
    final = base / "out" / "dwd-icon-d2" / RUN
    os.replace(final, final.with_name(f".{RUN}.old-0123456789abcdef"))  # killed mid-swap
    assert main(_args(mirror, base)) == 0
    assert _manifests(base) == clean
    assert sorted(p.name for p in final.parent.iterdir()) == [RUN, "status.json"]  # healed


def test_a_refusing_receiver_then_delivery_after_the_fix(clean, base, monkeypatch, capsys):
    answers: list[int] = [400] * 1000
    received: list[bytes] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = answers.pop(0) if answers else 200
            if status == 200:
                received.append(body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("CROSSWARN_WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/")
        monkeypatch.setenv("CROSSWARN_WEBHOOK_SECRET", "s3cret")
        mirror = _mirror(base / "www")
        assert main(_args(mirror, base)) == 1  # everything decided and written; sends pending
        assert "deliveries pending" in _one_error_line(capsys)
        assert _manifests(base) == clean
        answers.clear()  # the receiver is fixed
        assert main(["deliver", "--out", str(base / "out")]) == 0
    finally:
        server.shutdown()
        server.server_close()
    sent = json.loads(_manifests(base)["dwd-icon-d2"])["files"]
    cap_files = [f for f in sent if f["path"].startswith("cap/")]
    assert len(received) >= len(cap_files) > 0  # every warning (and each trigger) delivered
    assert _manifests(base) == clean
    shutil.rmtree(base / "www")

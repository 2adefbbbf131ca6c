"""``crosswarn run`` and ``crosswarn runs`` end to end on a DWD-shaped file mirror."""

from __future__ import annotations

import bz2
import contextlib
import gc
import json
import sys

import pytest

from pipeline import one_process
from pipeline.cli import main
from pipeline.sources.dwd import IconD2
from tests.sources.dwd_tree import write_run

RUN = "2026011500"


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A complete ICON-D2 run (its default variables x 49 steps) on a 0.25° grid over the
    Benelux."""
    root = tmp_path / "www"
    source = IconD2(f"file://{root}/weather/nwp")
    write_run(root, source, RUN, list(source.default_params), list(range(49)))
    monkeypatch.setenv("CROSSWARN_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("CROSSWARN_CACHE_DIR", str(tmp_path / "cache"))
    return root / "weather" / "nwp"


def _run(mirror, tmp_path) -> list[str]:
    return [
        "run", "dwd-icon-d2", "--run", RUN, "--base-url", f"file://{mirror}",
        "--archive", str(tmp_path / "archive"), "--out", str(tmp_path / "out"),
    ]  # fmt: skip


def test_run_end_to_end_then_a_broken_run_exits_non_zero(mirror, tmp_path, capsys, monkeypatch):
    # The run's dependencies load while its unused optional modules are refused.
    refusing, loads = [], []
    real_refusal = one_process.unused_optionals_refused

    @contextlib.contextmanager
    def refusal():
        with real_refusal():
            refusing.append(True)
            yield
            refusing.pop()

    monkeypatch.setattr(one_process, "unused_optionals_refused", refusal)
    monkeypatch.setattr(one_process, "load_run_dependencies", lambda: loads.append(refusing[:]))
    timings = tmp_path / "timings.json"
    assert main([*_run(mirror, tmp_path), "--timings", str(timings)]) == 0
    assert loads == [[True]]
    # ... and can be imported again after.
    assert not [name for name in one_process.UNUSED_OPTIONAL if sys.modules.get(name, 0) is None]
    # Collections were held while crosswarn loaded: back on, and nothing left frozen.
    assert gc.isenabled() and gc.get_freeze_count() == 0
    out = tmp_path / "out" / "dwd-icon-d2" / RUN
    # 10 + s m/s gusts everywhere: 11 m/s (40 km/h) at +1 h up to 58 m/s at +48 h.
    assert "warning events" in capsys.readouterr().out
    assert (out / "statistics.nc").exists() and (out / "manifest.json").exists()
    # the bulletins come last, after every CAP file (the consultation's too)
    assert list(json.loads(timings.read_text())) == [
        "migrate", "fetch_and_statistics", "assess", "publish", "consult", "bulletins"
    ]  # fmt: skip
    for folder in (out, tmp_path / "out" / "consultation" / RUN):
        assert (folder / "bulletins" / "manifest.json").exists()
    before = (out / "manifest.json").read_bytes()

    # The same run, with one file on the server corrupt and not yet archived.
    damaged = next(mirror.rglob("*_2026011500_017_2d_t_2m.grib2.bz2"))
    damaged.write_bytes(bz2.compress(b"GRIB" + bytes(100)))
    archived = tmp_path / "archive" / "dwd-icon-d2" / RUN / "t_2m" / damaged.name
    archived.unlink()
    assert main(_run(mirror, tmp_path)) == 2
    err = capsys.readouterr().err
    assert "crosswarn: error:" in err and damaged.name in err
    assert not archived.exists()
    assert (out / "manifest.json").read_bytes() == before  # earlier outputs untouched


def test_runs_reports_the_latest_complete_run_and_a_pinned_runs_status(mirror, capsys):
    assert main(["runs", "dwd-icon-d2", "--base-url", f"file://{mirror}"]) == 0
    assert capsys.readouterr().out.strip() == RUN
    assert main(["runs", "dwd-icon-d2", "--base-url", f"file://{mirror}", "--run", RUN]) == 0
    assert "complete (293 files)" in capsys.readouterr().out  # 6 variables x 49, no ww at +0 h
    code = main(["runs", "dwd-icon-d2", "--base-url", f"file://{mirror}", "--run", "2026011503"])
    assert code == 1
    assert "293 of 293 files not listed yet" in capsys.readouterr().out


def test_an_invalid_message_stops_publishing_and_leaves_nothing_partial(
    mirror, tmp_path, monkeypatch
):
    from pipeline.errors import CapValidationError
    from pipeline.orchestration import stages
    from pipeline.settings import Settings

    settings = Settings(
        dwd_base_url=f"file://{mirror}",
        archive_dir=tmp_path / "archive",
        out_dir=tmp_path / "out",
    )
    stages.migrate(settings)
    for stage in ("fetch", "statistics", "assess"):
        getattr(stages, stage)("dwd-icon-d2", RUN, settings)
    from pipeline.publishing import messages

    real, calls = messages.render_cap, []

    def broken_third(*args, **kwargs):
        calls.append(1)
        xml = real(*args, **kwargs)
        return xml.replace(b"<status>", b"<status>Bogus") if len(calls) == 3 else xml

    monkeypatch.setattr(messages, "render_cap", broken_third)
    with pytest.raises(CapValidationError, match=r"violates the OASIS CAP 1\.2 schema"):
        stages.publish("dwd-icon-d2", RUN, settings)
    assert len(calls) == 3
    assert not (tmp_path / "out" / "outbox").exists()
    assert not (tmp_path / "out" / "dwd-icon-d2" / RUN).exists()


def test_an_ensemble_run_end_to_end_on_the_icosahedral_grid(tmp_path, monkeypatch):
    """ICON-D2-EPS: 20 members on 'cells' from a grid file, through every stage."""
    import json

    from pipeline.publishing.cap_check import read_cap
    from pipeline.sources.dwd import IconD2Eps
    from tests.sources.dwd_tree import write_grid_file

    root = tmp_path / "www"
    source = IconD2Eps(f"file://{root}/weather/nwp")
    write_grid_file(root, source)
    write_run(root, source, RUN, list(source.default_params), list(range(49)))
    monkeypatch.setenv("CROSSWARN_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("CROSSWARN_CACHE_DIR", str(tmp_path / "cache"))
    code = main([
        "run", "dwd-icon-d2-eps", "--run", RUN, "--base-url", f"file://{root}/weather/nwp",
        "--archive", str(tmp_path / "archive"), "--out", str(tmp_path / "out"),
    ])  # fmt: skip
    assert code == 0
    out = tmp_path / "out" / "dwd-icon-d2-eps" / RUN
    assessment = json.loads(
        (tmp_path / "work" / "dwd-icon-d2-eps" / RUN / "assessment.json").read_text()
    )
    probabilities = [e["probability"] for e in assessment["events"]]
    assert probabilities and all(0 < p <= 1 for p in probabilities)
    # Gusts of 10 + s + m m/s: DWD yellow (50 km/h, 13.9 m/s) at +1 h needs m >= 3: 18 of 20.
    first = min(
        (e for e in assessment["events"] if e["region"] == "DE258" and e["hazard"] == "wind"),
        key=lambda e: e["onset"],
    )
    assert first["onset"] == "2026-01-15T00:00:00+00:00"
    # Each message's certainty follows its event's ensemble probability (> 0.5: Likely).
    certainties = set()
    for decision in assessment["decisions"]:
        message = read_cap((out / "cap" / f"{decision['identifier']}.xml").read_bytes())
        expected = "Likely" if decision["data"]["probability"] > 0.5 else "Possible"
        assert {i["certainty"] for i in message["info"]} == {expected}
        certainties.add(expected)
    assert certainties == {"Likely", "Possible"}  # the run has both kinds


def test_a_file_system_error_is_one_line_naming_the_path(mirror, tmp_path, capsys):
    """Disk full, permission denied or (here) a file where the archive folder should be: one
    line naming the path, no traceback."""
    blocked = tmp_path / "archive"
    blocked.write_text("a file, not a folder")
    assert main(_run(mirror, tmp_path)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("crosswarn: error: ") and str(blocked) in err[0]


@pytest.mark.parametrize(
    ("run", "says"),
    [
        ("202601150", "expected YYYYMMDDHH"),
        ("2026011501", "runs every 3 h"),
        ("2026023100", "expected YYYYMMDDHH"),
    ],
)
def test_an_invalid_run_id_is_one_line_and_touches_nothing(mirror, tmp_path, capsys, run, says):
    args = _run(mirror, tmp_path)
    args[args.index("--run") + 1] = run
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and says in err[0]
    assert not (tmp_path / "archive").exists() and not (tmp_path / "out").exists()

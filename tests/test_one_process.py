"""crosswarn's process settings: no collection while the command line is parsed or a run
loads, a short GIL switch interval while it runs (each undone after, for callers in the same
process), no BLAS threads of their own beside crosswarn's workers, and a run's loading without
the optional modules it never uses (importable again after)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from pipeline.one_process import (
    SWITCH_INTERVAL_S,
    collecting_after_loading,
    collection_paused,
    switching_often,
)


def test_the_switch_interval_is_short_while_running_and_restored_after_a_failure():
    default = sys.getswitchinterval()
    assert default != SWITCH_INTERVAL_S  # else the test shows nothing
    with pytest.raises(RuntimeError), switching_often():
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
        raise RuntimeError("the run failed")
    assert sys.getswitchinterval() == default


def test_no_collection_while_loading_then_collections_without_what_loading_made():
    assert gc.isenabled()
    with collecting_after_loading() as loaded:
        assert not gc.isenabled()
        loaded()
        assert gc.isenabled() and gc.get_freeze_count() > 0
    assert gc.isenabled() and gc.get_freeze_count() == 0


def _threads_after_loading(env: dict) -> tuple[int, str]:
    """A ``crosswarn`` process's threads once numpy and scipy have loaded, and its setting."""
    code = (
        "import os, pipeline.cli, numpy, scipy.sparse; "
        "print(len(os.listdir('/proc/self/task')), os.environ['OPENBLAS_NUM_THREADS'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), out[1]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenBLAS starts no thread on one core")
def test_crosswarn_starts_no_blas_threads_unless_asked():
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    # The command's own threads are its workers: OpenBLAS's (a thread per core, numpy's and
    # scipy's each) would spin at load while the cores fetch.
    assert _threads_after_loading(env) == (1, "1")
    # A caller that asks for BLAS threads gets them.
    threads, setting = _threads_after_loading(env | {"OPENBLAS_NUM_THREADS": "2"})
    assert setting == "2" and threads > 1


@pytest.mark.parametrize("enabled", [True, False])
def test_collection_pauses_and_comes_back_as_it_was(enabled):
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError), collection_paused():
            assert not gc.isenabled()
            raise RuntimeError("the parser failed")
        assert gc.isenabled() == enabled
    finally:
        gc.enable()


def test_the_command_line_is_parsed_without_collections(monkeypatch, capsys):
    import pipeline.cli as cli

    seen = []
    real = cli.build_parser

    def build_parser():
        seen.append(gc.isenabled())  # the settings' models are imported from here
        return real()

    monkeypatch.setattr(cli, "build_parser", build_parser)
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    capsys.readouterr()
    assert seen == [False] and gc.isenabled()


def _in_a_fresh_process(code: str) -> list[str]:
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()


def test_a_run_loads_without_the_optional_modules_it_never_uses():
    out = _in_a_fresh_process(
        "import sys\n"
        "from pipeline.one_process import (\n"
        "    UNUSED_OPTIONAL, load_run_dependencies, unused_optionals_refused)\n"
        "with unused_optionals_refused():\n"
        "    from pipeline.sources import streamed\n"
        "    from pipeline.orchestration import stages\n"
        "    load_run_dependencies()\n"
        "import dask.array, tenacity, xarray\n"
        "print(sorted(n for n in UNUSED_OPTIONAL if n in sys.modules) or ['none'])\n"
        "print([n for n in ('scipy.fft', 'scipy.special') if n in sys.modules] or ['none'])\n"
        # After, each imports again, and xarray, dask and tenacity go on without them.
        "import jinja2, pint, scipy.fftpack, tornado\n"
        "print(xarray.DataArray([1.0, 2.0], dims='x', coords={'x': [0, 1]}).x.to_numpy().sum())\n"
        "print(tenacity.retry(stop=tenacity.stop_after_attempt(1))(lambda: 'retried')())\n"
    )
    assert out == ["['none']", "['none']", "1", "retried"]


def test_an_optional_module_loaded_before_is_left_as_it_is():
    out = _in_a_fresh_process(
        "import sys, jinja2\n"
        "from pipeline.one_process import unused_optionals_refused\n"
        "with unused_optionals_refused():\n"
        "    print(sys.modules['jinja2'] is jinja2)\n"
        "print(sys.modules['jinja2'] is jinja2, 'pint' in sys.modules)\n"
    )
    assert out == ["True", "True", "False"]

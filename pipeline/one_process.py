"""How ``crosswarn run`` runs in its one process: loading (without the optional modules its
dependencies would import for what a run never asks of them), fetching ahead, decoding and
reducing in threads, then publishing; and the pause in collection every command's parsing
gets (:func:`collection_paused`)."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Callable, Iterable, Iterator


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No garbage collection inside (while the command's parser imports the settings' models:
    11 ms of collections before a run's first file is fetched); as it was after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def collecting_after_loading() -> Iterator[Callable[[], None]]:
    """No garbage collection while crosswarn loads (each would walk every module loaded so
    far), then collections that leave out what loading made (``gc.freeze``; undone at the
    end, for callers in the same process): a run's collections took 0.35 s, now 0.06 s. Yields
    the function to call once loaded."""
    gc.disable()

    def loaded() -> None:
        gc.freeze()
        gc.enable()

    try:
        yield loaded
    finally:
        gc.enable()
        gc.unfreeze()


#: How long a thread running Python keeps the GIL from another that asks for it (Python's
#: default: 5 ms), while ``crosswarn run`` runs. Its threads give the GIL up at every system
#: call and eccodes call, then wait to get it back from a thread running Python: the loading
#: one while the first files are fetched ahead, a statistics task beside a decode. Measured
#: with a thread running Python beside it, a fetch of an ICON-D2 file (25 ms alone) took 98 ms
#: at 5 ms, 37 ms at 0.5 ms; the thread running Python lost nothing.
SWITCH_INTERVAL_S = 0.0005


@contextlib.contextmanager
def switching_often() -> Iterator[None]:
    """:data:`SWITCH_INTERVAL_S` while the run lasts (restored after, for callers in the same
    process)."""
    default = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        sys.setswitchinterval(default)


#: Optional modules crosswarn's dependencies import as they load, for what a run never asks
#: of them, each with who imports it and why (CPU measured on this machine, where every
#: millisecond of loading is one the cores fetching ahead lose):
UNUSED_OPTIONAL = {
    # tenacity's retries of tornado coroutines (8 ms, before the first file is fetched).
    "tornado": "tenacity",
    # dask.array checks that scipy.fftpack exists, to warn about its functions passed to
    # dask's FFTs: scipy.fftpack imports scipy.fft and scipy.special (50-85 ms).
    "scipy.fftpack": "dask.array",
    # dask's HTML views for notebooks (15 ms).
    "jinja2": "dask",
    # xarray, the first time it turns data into numpy, looks whether the data is a pint
    # Quantity, and remembers; pint loads with its unit definitions' parsers (40-65 ms).
    "pint": "xarray",
}


@contextlib.contextmanager
def imports_refused(names: Iterable[str]) -> Iterator[None]:
    """Inside, those of the modules ``names`` not imported yet cannot be imported (None in
    ``sys.modules``, Python's own "cannot be imported": an importer that guards the import
    goes on without); after, each can be imported again."""
    refused = [name for name in names if name not in sys.modules]
    sys.modules.update(dict.fromkeys(refused))
    try:
        yield
    finally:
        for name in refused:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def unused_optionals_refused() -> contextlib.AbstractContextManager[None]:
    """Inside, :data:`UNUSED_OPTIONAL`'s modules cannot be imported (:func:`imports_refused`):
    the dependencies that load inside find them missing, as they do where they are not
    installed, and go on without. After, each can be imported again (pint by crosswarn's
    analysis commands, tornado by dask.distributed); only what loaded inside keeps going
    without (no HTML views of dask objects, no pint Quantity inside xarray objects: a run
    makes neither)."""
    return imports_refused(UNUSED_OPTIONAL)


def load_run_dependencies() -> None:
    """What a run loads of its dependencies on the way, loaded now (inside
    :func:`unused_optionals_refused`): dask.array, and xarray's one look for pint."""
    import dask.array  # noqa: F401
    from xarray.namedarray.pycompat import array_type

    array_type("pint")

"""How ``crosswarn run`` runs in its one process: loading, fetching ahead, decoding and
reducing in threads, then publishing; and the pause in collection every command's parsing
gets (:func:`collection_paused`)."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Callable, Iterator


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

"""The functions a GRIB source's lazy graph calls (:meth:`pipeline.sources.grib_source.
GribSource.open`): a file's values as one valid time's block, a file's GRIB handed out once, and
the amount between two accumulations."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger("pipeline.sources.grib_source")

#: Negative increments of an accumulation down to this are packing noise (logged at DEBUG).
PACKING_NOISE_MM = 0.01


def block(decode: Callable[..., np.ndarray], *args, interval: int) -> np.ndarray:
    """A file's checked values (member, *grid) as one valid time's block (member, 1, *grid)."""
    return decode(*args, interval=interval)[:, None]


def read_once(kept: dict[Path, bytes], read: Callable[[Path], bytes], path: Path) -> bytes:
    """A file's GRIB from ``kept`` (handed out once, then forgotten), else from ``read``."""
    return kept.pop(path) if path in kept else read(path)


def window(end: np.ndarray, start: np.ndarray, name: str) -> np.ndarray:
    """Amount between two accumulations; negative increments are clipped (and logged)."""
    values = end - start
    negative = values < 0
    if negative.any():
        # Tiny negatives are packing noise of the accumulated field; larger ones are not.
        worst = float(np.nanmin(values))
        log.log(
            logging.WARNING if worst < -PACKING_NOISE_MM else logging.DEBUG,
            "%s: %d negative precipitation increments clipped to 0 (min %.3g mm)",
            name,
            int(negative.sum()),
            worst,
        )
        values[negative] = 0.0
    return values

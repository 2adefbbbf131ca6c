"""Progress bars for long commands: shown on a terminal, silent when output is piped, logged
or run by Airflow (so logs and the demo's files stay clean)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def enabled() -> bool:
    """Bars only for a person watching a terminal: stderr is a TTY and neither
    ``CROSSWARN_PROGRESS=0`` nor Airflow's task context says otherwise."""
    if os.environ.get("CROSSWARN_PROGRESS") == "0" or "AIRFLOW_CTX_DAG_ID" in os.environ:
        return False
    if os.environ.get("CROSSWARN_PROGRESS") == "1":
        return True
    return sys.stderr.isatty()


def progress(
    items: Iterable[T], *, desc: str, total: int | None = None, unit: str = "it"
) -> Iterator[T]:
    """``items``, with a bar on stderr when :func:`enabled`."""
    if not enabled():
        yield from items
        return
    from tqdm import tqdm

    with tqdm(items, desc=desc, total=total, unit=unit, leave=False, file=sys.stderr) as bar:
        yield from bar


class Stage:
    """A bar over named steps:
    ``with Stage("run", ["fetch", ...]) as stage: stage.step("fetch")``."""

    def __init__(self, desc: str, steps: list[str]) -> None:
        self.desc, self.steps, self._bar = desc, steps, None

    def __enter__(self) -> Stage:
        if enabled():
            from tqdm import tqdm

            self._bar = tqdm(total=len(self.steps), desc=self.desc, leave=False, file=sys.stderr)
        return self

    def step(self, name: str) -> None:
        """Say ``name`` is under way (and the step before it done)."""
        if self._bar is not None:
            if self._bar.n or self._bar.postfix:
                self._bar.update(1)
            self._bar.set_postfix_str(name)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.update(self._bar.total - self._bar.n)
            self._bar.close()

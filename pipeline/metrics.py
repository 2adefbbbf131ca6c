"""StatsD metrics of the pipeline, sent over UDP to ``CROSSWARN_STATSD_HOST`` (port
``CROSSWARN_STATSD_PORT``, default 8125); with no host set, nothing is sent.

A plain UDP emitter rather than Airflow's ``Stats``: the stages also run outside Airflow (the
``crosswarn`` command line). Metric names, after the prefix ``CROSSWARN_STATSD_PREFIX``
(default ``crosswarn``); ``{source}`` is a source id such as ``dwd-icon-d2``, or
``consultation``:

``{source}.{stage}.ms`` (timer)
    How long a stage took, when it succeeded. Stages: ``fetch``, ``statistics``,
    ``merge_statistics``, ``assess``, ``publish``, ``deliver``, and ``consult`` (source
    ``consultation``, including its publication).
``{source}.{stage}.failed`` (counter)
    A stage raised (a retry that succeeds later is counted too).
``{source}.publish.data_age_s`` (gauge)
    At publication: seconds from the run's reference time to now, the age of the data the
    warnings rest on.
``{source}.publish.{kind}s.{level}`` (counter)
    CAP messages a publication wrote: ``kind`` is ``warning`` or ``trigger`` (a consultation
    trigger); ``level`` is ``yellow``, ``orange``, ``red`` (alerts and updates) or ``cancel``.
    A publication run again (a retry) counts its messages again.
``dask.fallback`` (counter)
    Statistics computed in local threads because the Dask scheduler could not be reached.

Sending is fire and forget: a metric that cannot be sent (unknown host, no route) is logged at
DEBUG and dropped; it never fails a stage.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)


class Metrics:
    """A StatsD emitter: no ``host`` (None or empty, as compose passes an unset one) sends
    nothing."""

    def __init__(self, host: str | None, port: int = 8125, prefix: str = "crosswarn") -> None:
        self.host = host or None
        self.port = port
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> Metrics:
        return cls(settings.statsd_host, settings.statsd_port, settings.statsd_prefix)

    @property
    def enabled(self) -> bool:
        """Whether metrics are sent (a host is set)."""
        return self.host is not None

    def timing(self, name: str, milliseconds: float) -> None:
        self._send(f"{name}:{milliseconds:.1f}|ms")

    def increment(self, name: str, count: int = 1) -> None:
        self._send(f"{name}:{count}|c")

    def gauge(self, name: str, value: int) -> None:
        # A signed value changes a StatsD gauge instead of setting it: a negative one is set
        # by zeroing the gauge first, in the same datagram.
        if value < 0:
            self._send(f"{name}:0|g", f"{name}:{value}|g")
        else:
            self._send(f"{name}:{value}|g")

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Time the block: ``{name}.ms`` when it succeeds, ``{name}.failed`` counted when it
        raises (a timeout or a kill too, hence BaseException)."""
        start = time.perf_counter()
        try:
            yield
        except BaseException:
            self.increment(f"{name}.failed")
            raise
        self.timing(f"{name}.ms", (time.perf_counter() - start) * 1000)

    def _send(self, *lines: str) -> None:
        """Send ``lines`` ("name:value|type", without the prefix) in one datagram."""
        if not self.enabled:
            return
        datagram = "\n".join(f"{self.prefix}.{line}" for line in lines)
        try:
            family, type_, proto, _, address = socket.getaddrinfo(
                self.host, self.port, type=socket.SOCK_DGRAM
            )[0]
            with socket.socket(family, type_, proto) as sock:
                sock.sendto(datagram.encode(), address)
        except OSError as exc:
            log.debug("metric %r not sent to %s:%d: %s", datagram, self.host, self.port, exc)

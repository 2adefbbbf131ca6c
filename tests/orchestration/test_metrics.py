"""StatsD metrics, received by a UDP socket on 127.0.0.1 standing in for the StatsD server:
the emitter's lines, and what the stages of a real run report."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections import Counter

import dask
import pytest

from pipeline.errors import InvalidDataError
from pipeline.metrics import Metrics
from pipeline.orchestration import stages
from pipeline.orchestration.statistics import compute
from pipeline.runs import RunId
from pipeline.settings import Settings
from tests.orchestration.knmi_run import RUN, SOURCE, knmi_settings


@pytest.fixture
def statsd():
    """A UDP socket on a free loopback port, standing in for the StatsD server."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock


def _received(sock: socket.socket) -> list[str]:
    """Every line the socket received, in order (waiting briefly for the last datagram)."""
    sock.settimeout(0.2)
    lines = []
    while True:
        try:
            lines += sock.recv(65535).decode().split("\n")
        except TimeoutError:
            return lines


def _metrics(lines: list[str]) -> list[tuple[str, float, str]]:
    """(name, value, type) of StatsD lines "name:value|type"."""
    parsed = [re.fullmatch(r"([^:]+):(-?\d+(?:\.\d+)?)\|(ms|c|g)", line) for line in lines]
    assert all(parsed), lines
    return [(m[1], float(m[2]), m[3]) for m in parsed]


def test_metrics_are_statsd_lines(statsd):
    metrics = Metrics("127.0.0.1", statsd.getsockname()[1], prefix="ops.crosswarn")
    metrics.timing("dwd-icon-d2.fetch", 1234.56)
    metrics.increment("dwd-icon-d2.publish.warnings.red", 3)
    metrics.gauge("dwd-icon-d2.publish.data_age_s", 5400)
    metrics.gauge("dwd-icon-d2.publish.data_age_s", -60)  # a clock behind the run's time
    assert _received(statsd) == [
        "ops.crosswarn.dwd-icon-d2.fetch:1234.6|ms",
        "ops.crosswarn.dwd-icon-d2.publish.warnings.red:3|c",
        "ops.crosswarn.dwd-icon-d2.publish.data_age_s:5400|g",
        # A signed gauge value is a change: the gauge is zeroed first, in the same datagram.
        "ops.crosswarn.dwd-icon-d2.publish.data_age_s:0|g",
        "ops.crosswarn.dwd-icon-d2.publish.data_age_s:-60|g",
    ]


def test_timed_reports_the_duration_or_the_failure(statsd):
    metrics = Metrics("127.0.0.1", statsd.getsockname()[1])
    with metrics.timed("dwd-icon-d2.assess"):
        time.sleep(0.05)
    with pytest.raises(ZeroDivisionError), metrics.timed("dwd-icon-d2.publish"):
        1 / 0  # noqa: B018
    (name, milliseconds, kind), failure = _metrics(_received(statsd))
    assert (name, kind) == ("crosswarn.dwd-icon-d2.assess.ms", "ms") and milliseconds >= 50
    assert failure == ("crosswarn.dwd-icon-d2.publish.failed", 1, "c")


@pytest.mark.parametrize("host", [None, ""])  # "" is what compose passes for an unset variable
def test_without_a_host_nothing_is_sent(statsd, host):
    metrics = Metrics.from_settings(Settings(statsd_host=host, statsd_port=statsd.getsockname()[1]))
    assert not metrics.enabled
    metrics.increment("dwd-icon-d2.fetch.failed")
    assert _received(statsd) == []


def test_a_metric_that_cannot_be_sent_is_dropped_with_a_debug_line(caplog):
    metrics = Metrics("statsd.invalid", 8125)  # .invalid never resolves (RFC 2606)
    with caplog.at_level(logging.DEBUG, logger="pipeline.metrics"):
        metrics.increment("dwd-icon-d2.fetch.failed")
    [record] = caplog.records
    assert record.levelno == logging.DEBUG
    assert "'crosswarn.dwd-icon-d2.fetch.failed:1|c' not sent to statsd.invalid:8125" in (
        record.getMessage()
    )


def test_the_stages_of_a_run_report_durations_data_age_and_messages(loopback, tmp_path, statsd):
    settings = knmi_settings(
        loopback, tmp_path, statsd_host="127.0.0.1", statsd_port=statsd.getsockname()[1]
    )
    stages.migrate(settings)
    for stage in ("fetch", "statistics", "assess"):
        getattr(stages, stage)(SOURCE, RUN, settings)
    before = time.time()
    final = stages.publish(SOURCE, RUN, settings)
    after = time.time()
    stages.deliver(SOURCE, RUN, settings)
    received = _metrics(_received(statsd))
    prefix = f"crosswarn.{SOURCE}"
    assert [name for name, _, kind in received if kind == "ms"] == [
        f"{prefix}.{stage}.ms" for stage in ("fetch", "statistics", "assess", "publish", "deliver")
    ]
    assert not [name for name, _, _ in received if name.endswith(".failed")]
    # The data's age at publication: from the run's reference time to the publish call.
    [age] = [value for name, value, _ in received if name == f"{prefix}.publish.data_age_s"]
    reference = RunId(RUN).time.timestamp()
    assert before - reference - 1 <= age <= after - reference + 1
    # Messages per level: those of the CAP files written, read from the files themselves.
    assert final == str(tmp_path / "out" / SOURCE / RUN)
    levels = Counter(
        re.search(r"awareness_level</valueName>\s*<value>\d; (\w+);", path.read_text())[1]
        for path in (tmp_path / "out" / SOURCE / RUN / "cap").glob("*.xml")
    )
    counted = {
        name.removeprefix(f"{prefix}.publish.warnings."): value
        for name, value, kind in received
        if name.startswith(f"{prefix}.publish.warnings.") and kind == "c"
    }
    assert len(levels) > 1 and counted == levels


def test_a_failing_stage_is_counted_and_still_raises(tmp_path, statsd):
    settings = Settings(
        work_dir=tmp_path / "work", statsd_host="127.0.0.1", statsd_port=statsd.getsockname()[1]
    )
    with pytest.raises(InvalidDataError, match="statistics parts missing"):
        stages.merge_statistics(SOURCE, RUN, settings)
    assert _received(statsd) == [f"crosswarn.{SOURCE}.merge_statistics.failed:1|c"]


def test_statistics_computed_locally_for_want_of_a_scheduler_are_counted(statsd):
    with socket.socket() as closed:  # a loopback port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = Settings(
        dask_scheduler=f"tcp://127.0.0.1:{port}",
        dask_connect_timeout_s=0.5,
        statsd_host="127.0.0.1",
        statsd_port=statsd.getsockname()[1],
    )
    assert compute([dask.delayed(sum)([1, 2])], settings) == [3]
    assert _received(statsd) == ["crosswarn.dask.fallback:1|c"]

"""Statistics compute on the Dask cluster when its scheduler answers; when it does not, locally
in threads with a warning, or (``dask_fallback="fail"``) a retryable error. Real schedulers and
real closed ports, no stand-ins."""

from __future__ import annotations

import logging
import operator
import socket

import dask
import pytest
from distributed import LocalCluster, get_worker

from pipeline.errors import RetryableError
from pipeline.orchestration.statistics import compute
from pipeline.settings import Settings

LOGGER = "pipeline.orchestration.statistics"


def _closed_port() -> str:
    """The address of a loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"


def _tasks() -> list:
    return [dask.delayed(operator.mul)(6, 7), dask.delayed(sum)([1, 2, 3])]


def _worker_address() -> str:
    return get_worker().address  # raises ValueError outside a Dask worker


def _failing_field() -> None:
    raise ValueError(f"corrupt field, read on {get_worker().address}")


@pytest.fixture
def cluster():
    """A scheduler and one worker in this process, reached over TCP as a deployment's are."""
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=":0",  # its HTTP server always starts: on a free port
    ) as cluster:
        yield cluster


def test_an_unreachable_scheduler_is_replaced_by_local_threads_with_a_warning(caplog):
    address = _closed_port()
    settings = Settings(dask_scheduler=address, dask_connect_timeout_s=0.5)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert compute(_tasks(), settings) == [42, 6]
    [warning] = [r for r in caplog.records if r.name == LOGGER]
    assert warning.levelno == logging.WARNING
    assert f"the Dask scheduler at {address} cannot be reached" in warning.getMessage()
    assert "computing locally in 2 threads" in warning.getMessage()


def test_with_fallback_fail_an_unreachable_scheduler_is_a_retryable_error():
    address = _closed_port()
    settings = Settings(dask_scheduler=address, dask_connect_timeout_s=0.5, dask_fallback="fail")
    with pytest.raises(RetryableError) as raised:
        compute(_tasks(), settings)
    message = str(raised.value)
    assert f"the Dask scheduler at {address} cannot be reached" in message
    assert "the task is retried: start the scheduler" in message
    assert "CROSSWARN_DASK_FALLBACK=local" in message


def test_a_reachable_scheduler_computes_on_its_cluster(cluster, caplog):
    settings = Settings(dask_scheduler=cluster.scheduler_address, dask_fallback="fail")
    with caplog.at_level(logging.INFO, logger=LOGGER):
        [where, product] = compute([dask.delayed(_worker_address)(), _tasks()[0]], settings)
    assert where in cluster.scheduler.workers and product == 42
    assert f"computing on the Dask cluster at {cluster.scheduler_address}" in caplog.text


def test_an_error_of_a_task_on_the_cluster_is_raised_never_computed_again_locally(cluster, caplog):
    settings = Settings(dask_scheduler=cluster.scheduler_address)  # fallback "local"
    failure = r"corrupt field, read on tcp://127\.0\.0\.1:"  # on the worker, not here
    with caplog.at_level(logging.WARNING, logger=LOGGER), pytest.raises(ValueError, match=failure):
        compute([dask.delayed(_failing_field)()], settings)
    assert [r for r in caplog.records if r.name == LOGGER] == []

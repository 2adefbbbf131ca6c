"""The one retry policy of every HTTP client and the webhook (tenacity).

Retryable failures (:class:`~pipeline.errors.SourceUnavailable`, and whatever else a caller
names) are tried again after an exponential backoff (``backoff_s``, doubling), or at least after
the Retry-After a server asked for with HTTP 429. A Retry-After longer than
:data:`MAX_RETRY_AFTER_S` is raised at once: the task fails as retryable and the scheduler tries
later, instead of a worker sleeping. After the last attempt the last error is raised.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import tenacity

from pipeline.errors import RateLimited, SourceUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The longest Retry-After (s) a task waits for itself.
MAX_RETRY_AFTER_S = 120.0


def call_with_retries(
    call: Callable[[], T],
    *,
    what: str,
    attempts: int = 4,
    backoff_s: float = 1.0,
    retry_on: tuple[type[Exception], ...] = (SourceUnavailable,),
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``call()``, retried under the policy above; ``what`` names it in the log."""

    def retryable(exc: BaseException) -> bool:
        if isinstance(exc, RateLimited) and exc.retry_after > MAX_RETRY_AFTER_S:
            return False
        return isinstance(exc, retry_on)

    def wait(state: tenacity.RetryCallState) -> float:
        seconds = backoff_s * 2 ** (state.attempt_number - 1)
        exc = state.outcome.exception() if state.outcome else None
        return max(seconds, exc.retry_after) if isinstance(exc, RateLimited) else seconds

    def warn(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("attempt %d/%d for %s failed: %s", state.attempt_number, attempts, what, exc)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts),
        wait=wait,
        retry=tenacity.retry_if_exception(retryable),
        sleep=sleep,
        before_sleep=warn,
        reraise=True,
    )
    return retrying(call)

"""One exception hierarchy for crosswarn.

Retryable errors (the data may appear or the server recover if we try again later) derive from
:class:`RetryableError`; everything else derived from :class:`CrosswarnError` is fatal for the run
and needs a person to act on the message.
"""

from __future__ import annotations


class CrosswarnError(Exception):
    """Base of every error crosswarn raises on purpose."""


class RetryableError(CrosswarnError):
    """Trying again later may succeed."""


class DataNotYetAvailable(RetryableError):
    """The provider has not published this file or run yet (HTTP 404, file missing in a mirror)."""


class SourceUnavailable(RetryableError):
    """The provider could not be reached or answered with a server error."""


class RateLimited(SourceUnavailable):
    """The provider answered HTTP 429; ``retry_after`` is how long it asked us to wait (s)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RunRemoved(CrosswarnError):
    """The provider deleted a run before we had all of it; it can never be completed."""


class ConfigError(CrosswarnError):
    """A configuration or data file in ``regions/`` (or a setting) is missing or invalid."""


class InvalidDataError(CrosswarnError):
    """An input file is corrupt, truncated, or not what its name says it is."""


class InvalidGridError(InvalidDataError):
    """A GRIB message is on another grid than the one the source expects."""


class CapValidationError(CrosswarnError):
    """A CAP message failed schema or profile validation; nothing was published."""


class LedgerUnavailable(RetryableError):
    """The ledger's database cannot be reached, is locked or is not a database."""


class LedgerMismatch(CrosswarnError):
    """The ledger does not know messages the outbox holds: it was deleted, replaced or restored
    from an older backup. Deciding on it would send live warnings again as new."""

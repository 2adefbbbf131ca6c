"""Delivery: outbox files sent by webhook and e-mail.

Each (message, channel, target) is a row in the ledger's ``delivery`` table,
enqueued in the same step that writes the outbox (:meth:`Ledger.enqueue`);
:func:`deliver_pending` sends what is pending
and marks it delivered. A crash between writing and delivering leaves the row pending, so the
next run sends it (nothing lost); a crash between sending and marking re-sends it with the same
``Idempotency-Key`` header (webhooks) or ``Message-ID`` (e-mail), so receivers drop the
duplicate (nothing delivered twice). E-mails carry the bulletin as their body, its map inline
and the CAP message attached (:mod:`pipeline.publishing.mail`).

Webhook bodies are signed: ``X-Crosswarn-Signature: sha256=<HMAC-SHA256 of the body>``; without
a secret nothing is sent unless the deployment allows unsigned webhooks explicitly.
Deliveries go out several at once within a time budget; each row's failure is its own.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import smtplib
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from pipeline.errors import CrosswarnError, SourceUnavailable
from pipeline.ledger.records import Delivery
from pipeline.ledger.store import Ledger
from pipeline.publishing.mail import compose_email
from pipeline.publishing.outbox import Outbox
from pipeline.retry import call_with_retries

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Crosswarn-Signature"
RETRY_STATUS = {429, 500, 502, 503, 504}


class DeliveryFailed(CrosswarnError):
    """A receiver refused a message for good (a 4xx answer other than 429)."""


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(
    url: str,
    body: bytes,
    *,
    secret: str,
    idempotency_key: str,
    content_type: str = "application/cap+xml",
    attempts: int = 4,
    backoff_s: float = 1.0,
    timeout_s: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """POST ``body``; retry 429/5xx/transport errors with backoff; return the final status."""
    import httpx  # here, not with the module: a run delivering no webhook never loads it

    headers = {"Content-Type": content_type, "Idempotency-Key": idempotency_key}
    if secret:
        headers[SIGNATURE_HEADER] = sign(body, secret)

    def attempt() -> int:
        try:
            response = client.post(url, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code < 300:
            return response.status_code
        if response.status_code not in RETRY_STATUS:
            raise DeliveryFailed(f"{url}: refused {idempotency_key}: HTTP {response.status_code}")
        raise SourceUnavailable(f"{url}: HTTP {response.status_code}")

    with httpx.Client(timeout=timeout_s) as client:
        return call_with_retries(
            attempt,
            what=f"webhook {idempotency_key}",
            attempts=attempts,
            backoff_s=backoff_s,
            sleep=sleep,
        )


def send_email(host: str, port: int, message: EmailMessage) -> None:
    """Send one composed e-mail (:func:`pipeline.publishing.mail.compose_email`)."""
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.send_message(message)


#: Deliveries sent at once, and the total time a delivery round may take: a receiver that is
#: down costs a run at most this long; what is not through stays pending for the next round.
DELIVERY_WORKERS = 8
DELIVERY_BUDGET_S = 120.0


#: After this long a claimed row whose deliverer never recorded an outcome is claimable again
#: (far longer than a round's budget).
CLAIM_LEASE = timedelta(minutes=15)


class DeliveryBudgetSpent(CrosswarnError):
    """A retry would end after the delivery round's time budget: the row stays pending."""


def deliver_pending(
    ledger: Ledger,
    outbox: Outbox,
    *,
    webhook_secret: str = "",
    allow_unsigned: bool = False,
    smtp: tuple[str, int] | None = None,
    sender: str = "crosswarn@example.org",
    sleep: Callable[[float], None] = time.sleep,
    backoff_s: float = 1.0,
    budget_s: float = DELIVERY_BUDGET_S,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, object]:
    """Send every pending delivery, several at once, within ``budget_s``; each row's outcome
    is recorded on its own, so one refusal, a missing outbox file or a receiver that is down
    never stops the others. Return counts of delivered and failed rows and the errors.

    The rows are claimed first (:meth:`Ledger.claim_deliveries`), so deliverers running at
    the same time (two ``deliver`` tasks, a rerun beside a scheduled run) never send a message
    twice; a claim left by a deliverer that died is taken over after :data:`CLAIM_LEASE`.
    """
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    pending = ledger.claim_deliveries(owner, now=now(), lease=CLAIM_LEASE)
    deadline = clock() + budget_s

    def bounded_sleep(seconds: float) -> None:
        if clock() + seconds > deadline:
            raise DeliveryBudgetSpent(
                f"the delivery round's {budget_s:.0f} s are spent; stays pending for the next"
            )
        sleep(seconds)

    def send(row: Delivery) -> None:
        try:
            files = [(name, (outbox.root / name).read_bytes()) for name in row.files]
        except OSError as exc:
            raise DeliveryFailed(
                f"outbox file {exc.filename} is missing or unreadable ({exc.strerror})"
            ) from None
        if row.channel == "webhook":
            if not webhook_secret and not allow_unsigned:
                raise DeliveryFailed(
                    "no CROSSWARN_WEBHOOK_SECRET to sign with: set it, or set "
                    "CROSSWARN_WEBHOOK_UNSIGNED=1 if the receiver accepts unsigned messages"
                )
            post_webhook(
                row.target, files[0][1], secret=webhook_secret,
                idempotency_key=row.identifier, sleep=bounded_sleep, backoff_s=backoff_s,
            )  # fmt: skip
        elif row.channel == "email":
            if smtp is None:
                raise DeliveryFailed("no SMTP server configured (CROSSWARN_SMTP_HOST)")
            message = compose_email(
                sender=sender, to=row.target, subject=row.subject, files=files,
                footer=row.text, message_key=f"{row.identifier}|{row.target}",
            )  # fmt: skip
            send_email(smtp[0], smtp[1], message)

    counts: dict[str, object] = {"delivered": 0, "failed": 0, "errors": []}
    with ThreadPoolExecutor(max_workers=DELIVERY_WORKERS) as pool:
        futures = {pool.submit(send, row): row for row in pending}
        for future, row in futures.items():  # record in the caller's thread, in queue order
            error = future.exception()
            if error is None:
                ledger.record_attempt(row, delivered=True)
                counts["delivered"] += 1  # type: ignore[operator]
                continue
            text = str(error) if isinstance(error, CrosswarnError) else repr(error)
            if isinstance(error, OSError):
                text = f"{type(error).__name__}: {error}"
            ledger.record_attempt(row, delivered=False, error=text)
            counts["failed"] += 1  # type: ignore[operator]
            counts["errors"].append(f"{row.identifier} to {row.target}: {text}")  # type: ignore[union-attr]
            log.error("delivery of %s to %s failed: %s", row.identifier, row.target, text)
    return counts

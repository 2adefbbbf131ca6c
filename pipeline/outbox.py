"""The outbox and delivery: immutable files named by identifier, sent by webhook and e-mail.

Files enter the outbox atomically (temporary file, fsync, rename) and are never overwritten with
different content. Each (message, channel, target) is a row in the ledger's ``delivery`` table,
enqueued in the same step that writes the outbox; :func:`deliver_pending` sends what is pending
and marks it delivered. A crash between writing and delivering leaves the row pending, so the
next run sends it (nothing lost); a crash between sending and marking re-sends it with the same
``Idempotency-Key`` header (webhooks) or ``Message-ID`` (e-mail), so receivers drop the
duplicate (nothing delivered twice).

Webhook bodies are signed: ``X-Crosswarn-Signature: sha256=<HMAC-SHA256 of the body>``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import CrosswarnError, InvalidDataError, SourceUnavailable
from pipeline.ledger import Delivery, Ledger
from pipeline.publish import write_bytes_atomic

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Crosswarn-Signature"
RETRY_STATUS = {429, 500, 502, 503, 504}


class DeliveryFailed(CrosswarnError):
    """A receiver refused a message for good (a 4xx answer other than 429)."""


class Outbox:
    """A directory of immutable files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, name: str, data: bytes) -> Path:
        target = self.root / name
        if target.exists():
            if target.read_bytes() != data:
                raise InvalidDataError(
                    f"{target}: already in the outbox with other content; outbox files are "
                    "never overwritten (identifiers are never reused)"
                )
            return target
        write_bytes_atomic(target, data)
        return target


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
    headers = {
        "Content-Type": content_type,
        "Idempotency-Key": idempotency_key,
        SIGNATURE_HEADER: sign(body, secret),
    }
    last: Exception | None = None
    with httpx.Client(timeout=timeout_s) as client:
        for attempt in range(1, attempts + 1):
            try:
                response = client.post(url, content=body, headers=headers)
                if response.status_code < 300:
                    return response.status_code
                if response.status_code not in RETRY_STATUS:
                    raise DeliveryFailed(
                        f"{url}: refused {idempotency_key}: HTTP {response.status_code}"
                    )
                last = SourceUnavailable(f"{url}: HTTP {response.status_code}")
            except httpx.TransportError as exc:
                last = SourceUnavailable(f"{url}: {type(exc).__name__}: {exc}")
            log.warning(
                "webhook attempt %d/%d for %s failed: %s", attempt, attempts, idempotency_key, last
            )
            if attempt < attempts:
                sleep(backoff_s * 2 ** (attempt - 1))
    assert last is not None
    raise last


def send_email(
    host: str,
    port: int,
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    attachments: list[tuple[str, bytes, str]],
    message_key: str,
) -> None:
    """One e-mail with the files attached; ``Message-ID`` is derived from ``message_key``."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to.removeprefix("mailto:"), subject
    domain = sender.rsplit("@", 1)[-1] or "crosswarn.invalid"
    digest = hashlib.sha256(message_key.encode()).hexdigest()[:24]
    message["Message-ID"] = f"<{digest}@{domain}>" if domain else make_msgid()
    message.set_content(text)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        if maintype == "text":  # our text files are UTF-8; say so, or readers guess ASCII
            message.add_attachment(data.decode(), subtype=subtype, filename=name, charset="utf-8")
        else:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.send_message(message)


def enqueue(ledger: Ledger, rows: list[Delivery]) -> None:
    """Record pending deliveries (idempotent: a known row is left as it is)."""
    with Session(ledger.engine) as session, session.begin():
        for row in rows:
            if session.get(Delivery, (row.identifier, row.channel, row.target)) is None:
                session.add(row)


def deliver_pending(
    ledger: Ledger,
    outbox: Outbox,
    *,
    webhook_secret: str = "",
    smtp: tuple[str, int] | None = None,
    sender: str = "crosswarn@example.org",
    sleep: Callable[[float], None] = time.sleep,
    backoff_s: float = 1.0,
) -> dict[str, int]:
    """Send every pending delivery; return counts of delivered and failed rows."""
    with Session(ledger.engine) as session:
        pending = list(
            session.scalars(
                select(Delivery).where(Delivery.status == "pending").order_by(Delivery.identifier)
            )
        )
        session.expunge_all()
    counts = {"delivered": 0, "failed": 0}
    for row in pending:
        files = [(name, (outbox.root / name).read_bytes()) for name in row.files]
        try:
            if row.channel == "webhook":
                post_webhook(
                    row.target, files[0][1], secret=webhook_secret,
                    idempotency_key=row.identifier, sleep=sleep, backoff_s=backoff_s,
                )  # fmt: skip
            elif row.channel == "email":
                if smtp is None:
                    raise DeliveryFailed("no SMTP server configured (CROSSWARN_SMTP_HOST)")
                send_email(
                    smtp[0], smtp[1], sender=sender, to=row.target, subject=row.subject,
                    text=row.text, message_key=f"{row.identifier}|{row.target}",
                    attachments=[(n, d, _mime(n)) for n, d in files],
                )  # fmt: skip
            status, error = "delivered", ""
            counts["delivered"] += 1
        except CrosswarnError as exc:
            status, error = "pending", str(exc)
            counts["failed"] += 1
            log.error("delivery of %s to %s failed: %s", row.identifier, row.target, exc)
        with Session(ledger.engine) as session, session.begin():
            stored = session.get(Delivery, (row.identifier, row.channel, row.target))
            stored.status, stored.attempts, stored.last_error = status, stored.attempts + 1, error
    return counts


def _mime(name: str) -> str:
    return {
        ".xml": "application/cap+xml",
        ".html": "text/html",
        ".png": "image/png",
        ".json": "application/json",
    }.get(Path(name).suffix, "application/octet-stream")

"""Stage ``deliver``: send every pending delivery, of any source and run."""

from __future__ import annotations

from pipeline.errors import SourceUnavailable
from pipeline.publishing.delivery import deliver_pending
from pipeline.publishing.outbox import Outbox
from pipeline.settings import Settings


def deliver(source_id: str, run: str, settings: Settings) -> str:
    """Send every pending delivery: what an earlier crash left is sent now. (``source_id``
    and ``run`` only key the task.)"""
    with settings.ledger() as ledger:
        counts = deliver_pending(
            ledger,
            Outbox(settings.out_dir / "outbox"),
            webhook_secret=settings.webhook_secret.get_secret_value()
            if settings.webhook_secret
            else "",
            allow_unsigned=settings.webhook_unsigned,
            smtp=(settings.smtp_host, settings.smtp_port) if settings.smtp_host else None,
            sender=settings.cap_sender,
        )
    if counts["failed"]:
        errors = counts["errors"]
        raise SourceUnavailable(
            f"{counts['failed']} deliveries failed and stay pending, {counts['delivered']} "
            f"delivered; first: {errors[0]}"  # type: ignore[index]
        )
    return f"{counts['delivered']} delivered"

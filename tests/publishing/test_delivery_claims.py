"""Two deliverers at once (two ``deliver`` tasks, a rerun beside a scheduled run) never send a
message twice: rows are claimed before they are sent. On SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.ledger.records import Delivery
from pipeline.ledger.store import Ledger
from pipeline.publishing.delivery import CLAIM_LEASE, deliver_pending
from pipeline.publishing.outbox import Outbox
from tests.ledger.test_store import url  # noqa: F401  (sqlite and postgresql ledgers)
from tests.publishing.test_delivery import Receiver

PREFIX = "2.49.0.0.0.0.CROSSWARN.dwd-icon-d2.2026011500"
T0 = datetime(2026, 1, 15, 2, tzinfo=UTC)


@pytest.fixture
def receiver():
    made = Receiver([], delay=0.3)  # 0.3 s per message: two deliverers overlap
    yield made
    made.close()


def _received(receiver: Receiver) -> list[str]:
    return [headers["Idempotency-Key"] for headers, _ in receiver.received]


def _queue(ledger: Ledger, outbox: Outbox, target: str, n: int) -> list[str]:
    identifiers = [f"{PREFIX}.{k:012x}" for k in range(n)]
    for identifier in identifiers:
        outbox.put(f"{identifier}.xml", f"<alert>{identifier}</alert>".encode())
    ledger.enqueue(
        [Delivery(identifier=i, channel="webhook", target=target, files=[f"{i}.xml"])
         for i in identifiers]
    )  # fmt: skip
    return identifiers


def test_two_deliverers_at_once_send_each_message_exactly_once(url, tmp_path, receiver):  # noqa: F811
    outbox = Outbox(tmp_path / "outbox")
    ledgers = [Ledger(url, sender="x@example.org", oid_prefix=PREFIX) for _ in range(2)]
    ledgers[0].migrate()
    identifiers = _queue(ledgers[0], outbox, receiver.url, 12)
    start = threading.Barrier(2)
    results: list[dict] = []

    def deliverer(ledger: Ledger) -> None:
        start.wait()
        results.append(deliver_pending(ledger, outbox, webhook_secret="s"))

    threads = [threading.Thread(target=deliverer, args=(ledger,)) for ledger in ledgers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for ledger in ledgers:
        ledger.close()
    assert Counter(_received(receiver)) == Counter(identifiers)  # each once, none twice
    assert sum(r["delivered"] for r in results) == 12
    assert sum(r["failed"] for r in results) == 0


def test_a_claim_left_by_a_dead_deliverer_is_taken_over_after_its_lease(url, tmp_path, receiver):  # noqa: F811
    outbox = Outbox(tmp_path / "outbox")
    ledger = Ledger(url, sender="x@example.org", oid_prefix=PREFIX)
    ledger.migrate()
    (identifier,) = _queue(ledger, outbox, receiver.url, 1)
    claimed = ledger.claim_deliveries("dead", now=T0, lease=CLAIM_LEASE)
    assert [d.identifier for d in claimed] == [identifier]  # then the deliverer died
    # Within the lease the row stays its: nobody sends it.
    at_lease = deliver_pending(ledger, outbox, webhook_secret="s", now=lambda: T0 + CLAIM_LEASE)
    assert at_lease["delivered"] == 0 and _received(receiver) == []
    later = T0 + CLAIM_LEASE + timedelta(seconds=1)
    assert deliver_pending(ledger, outbox, webhook_secret="s", now=lambda: later)["delivered"] == 1
    assert _received(receiver) == [identifier]
    assert ledger.pending_deliveries() == []
    ledger.close()

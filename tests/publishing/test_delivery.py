"""Outbox and delivery against a loopback webhook receiver and a local SMTP server."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from pipeline.errors import InvalidDataError
from pipeline.ledger.records import Delivery
from pipeline.ledger.store import Ledger
from pipeline.publishing.delivery import deliver_pending
from pipeline.publishing.outbox import Outbox

SECRET = "s3cret-for-tests"
IDENT = "2.49.0.0.0.0.CROSSWARN.dwd-icon-d2.2026011500.abcdef012345"


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers scripted statuses, then 200 (after
    ``delay`` seconds per message, to make concurrent senders overlap)."""

    def __init__(self, statuses: list[int], delay: float = 0.0) -> None:
        self.statuses = list(statuses)
        self.received: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(delay)
                outer.received.append((dict(self.headers), body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/cap"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=()):
        made.append(Receiver(list(statuses)))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def ledger(tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", sender="x@example.org",
                    oid_prefix="2.49.0.0.0.0.CROSSWARN")  # fmt: skip
    ledger.migrate()
    yield ledger
    ledger.close()


def _queue(ledger, outbox, channel, target, files=None):
    files = files or {f"{IDENT}.xml": b"<alert>cap</alert>"}
    for name, data in files.items():
        outbox.put(name, data)
    ledger.enqueue([Delivery(identifier=IDENT, channel=channel, target=target, files=list(files),
                  subject="crosswarn test", text="see attachments", status="pending",
                  attempts=0, last_error="")],
    )  # fmt: skip


def test_webhook_retries_on_500_stops_on_success_and_is_signed(ledger, tmp_path, receiver):
    hook = receiver([500, 503])
    outbox = Outbox(tmp_path / "outbox")
    _queue(ledger, outbox, "webhook", hook.url)
    waits: list[float] = []
    counts = deliver_pending(ledger, outbox, webhook_secret=SECRET, sleep=waits.append)
    assert counts == {"delivered": 1, "failed": 0, "errors": []}
    assert len(hook.received) == 3 and waits == [1.0, 2.0]
    headers, body = hook.received[-1]
    assert body == b"<alert>cap</alert>"
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Crosswarn-Signature"] == f"sha256={expected}"
    assert headers["Idempotency-Key"] == IDENT
    # Delivered once: a later pass sends nothing.
    assert deliver_pending(ledger, outbox, webhook_secret=SECRET)["delivered"] == 0
    assert len(hook.received) == 3


def test_a_refusing_receiver_leaves_the_delivery_pending(ledger, tmp_path, receiver):
    hook = receiver([400])
    outbox = Outbox(tmp_path / "outbox")
    _queue(ledger, outbox, "webhook", hook.url)
    assert deliver_pending(ledger, outbox, webhook_secret=SECRET)["failed"] == 1
    assert len(hook.received) == 1  # 4xx is not retried
    assert deliver_pending(ledger, outbox, webhook_secret=SECRET)["delivered"] == 1


def test_crash_between_writing_and_delivering_loses_nothing(ledger, tmp_path, receiver):
    hook = receiver()
    outbox = Outbox(tmp_path / "outbox")
    _queue(ledger, outbox, "webhook", hook.url)  # written and queued, then "the process died"
    _queue(ledger, outbox, "webhook", hook.url)  # the rerun queues it again: still one row
    assert deliver_pending(ledger, outbox, webhook_secret=SECRET)["delivered"] == 1
    assert len(hook.received) == 1


def test_crash_between_sending_and_marking_resends_with_the_same_key(ledger, tmp_path, receiver):
    from sqlalchemy.orm import Session

    from pipeline.ledger.models import DeliveryRow

    hook = receiver()
    outbox = Outbox(tmp_path / "outbox")
    _queue(ledger, outbox, "webhook", hook.url)
    deliver_pending(ledger, outbox, webhook_secret=SECRET)
    with Session(ledger.engine) as session, session.begin():  # the mark never reached the disk
        session.get(DeliveryRow, (IDENT, "webhook", hook.url)).status = "pending"
    deliver_pending(ledger, outbox, webhook_secret=SECRET)
    keys = [h["Idempotency-Key"] for h, _ in hook.received]
    bodies = {b for _, b in hook.received}
    assert keys == [IDENT, IDENT] and len(bodies) == 1  # the receiver can drop the repeat


def test_email_carries_the_page_as_body_the_files_and_a_stable_message_id(
    ledger, tmp_path, smtp_server
):
    smtp, received = smtp_server
    outbox = Outbox(tmp_path / "outbox")
    files = {
        f"{IDENT}.xml": b"<alert>cap</alert>",
        f"{IDENT}-de.html": "<p>Lüttich &amp; Aachen</p>".encode(),
        f"{IDENT}-map.png": b"\x89PNG\r\n\x1a\n",
    }
    _queue(ledger, outbox, "email", "mailto:lage@nrw.example.org", files)
    counts = deliver_pending(ledger, outbox, smtp=smtp, sender="crosswarn@example.org")
    assert (counts["delivered"], counts["failed"]) == (1, 0)
    deadline = time.time() + 5
    while not received and time.time() < deadline:
        time.sleep(0.05)
    (message,) = received
    mail = message_from_bytes(message, policy=default_policy)
    assert mail["To"] == "lage@nrw.example.org"
    # the page is the body (tests/publishing/test_mail.py: the bulletin's mail in full); the
    # image it does not show stays an attachment
    names = [part.get_filename() for part in mail.iter_attachments()]
    assert names == [f"{IDENT}.xml", f"{IDENT}-map.png"]
    html_part = mail.get_body(("html",))
    assert html_part.get_content().rstrip() == "<p>Lüttich &amp; Aachen</p>"  # SMTP adds CRLF
    assert mail.get_body(("plain",)).get_content().startswith("Lüttich & Aachen")
    digest = hashlib.sha256(f"{IDENT}|mailto:lage@nrw.example.org".encode()).hexdigest()[:24]
    assert mail["Message-ID"] == f"<{digest}@example.org>"


def test_outbox_files_are_never_overwritten_with_other_content(tmp_path):
    outbox = Outbox(tmp_path / "outbox")
    outbox.put("a.xml", b"one")
    outbox.put("a.xml", b"one")  # the same content again: fine (reruns)
    with pytest.raises(InvalidDataError, match="never overwritten"):
        outbox.put("a.xml", b"two")
    assert (tmp_path / "outbox" / "a.xml").read_bytes() == b"one"
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == ["a.xml"]


def _queue_one(ledger, outbox, target, ident, files=None):
    files = files or {f"{ident}.xml": f"<alert>{ident}</alert>".encode()}
    for name, data in files.items():
        outbox.put(name, data)
    ledger.enqueue([Delivery(identifier=ident, channel="webhook", target=target, files=list(files),
                  subject="s", text="t", status="pending", attempts=0, last_error="")])  # fmt: skip


def test_one_failure_never_stops_the_others(ledger, tmp_path, receiver):
    """A refusal (400), a missing outbox file and a good receiver in one round: the good one
    is delivered, each failure is reported on its own line and stays pending."""
    good, refusing = receiver(), receiver([400])
    outbox = Outbox(tmp_path / "outbox")
    _queue_one(ledger, outbox, refusing.url, "id.refused")
    _queue_one(ledger, outbox, good.url, "id.missing")
    (outbox.root / "id.missing.xml").unlink()
    _queue_one(ledger, outbox, good.url, "id.good")
    counts = deliver_pending(ledger, outbox, webhook_secret=SECRET)
    assert (counts["delivered"], counts["failed"]) == (1, 2)
    assert [body for _, body in good.received] == [b"<alert>id.good</alert>"]
    errors = sorted(counts["errors"])
    assert "id.missing to" in errors[0] and "outbox file" in errors[0] and "missing" in errors[0]
    assert "id.refused to" in errors[1] and "HTTP 400" in errors[1]
    assert {d.identifier for d in ledger.pending_deliveries()} == {"id.missing", "id.refused"}


def test_a_receiver_that_is_down_costs_at_most_the_time_budget(ledger, tmp_path, receiver):
    """Every attempt answers 503: the retries' waits stop at the round's budget (a fake clock
    that the fake sleep advances), and the rows stay pending."""
    down = receiver([503] * 100)
    outbox = Outbox(tmp_path / "outbox")
    for k in range(3):
        _queue_one(ledger, outbox, down.url, f"id.{k}")
    now = [0.0]
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            now[0] += seconds

    counts = deliver_pending(
        ledger, outbox, webhook_secret=SECRET, sleep=sleep, backoff_s=1.0, budget_s=2.5,
        clock=lambda: now[0],
    )  # fmt: skip
    assert (counts["delivered"], counts["failed"]) == (0, 3)
    assert now[0] <= 2.5
    assert all("the delivery round's 2 s are spent" in e for e in counts["errors"])


def test_no_secret_means_no_webhook_unless_unsigned_is_allowed(ledger, tmp_path, receiver):
    hook = receiver()
    outbox = Outbox(tmp_path / "outbox")
    _queue_one(ledger, outbox, hook.url, "id.unsigned")
    counts = deliver_pending(ledger, outbox, webhook_secret="")
    assert counts["failed"] == 1 and "CROSSWARN_WEBHOOK_SECRET" in counts["errors"][0]
    assert hook.received == []
    counts = deliver_pending(ledger, outbox, webhook_secret="", allow_unsigned=True)
    assert counts["delivered"] == 1
    ((headers, _),) = hook.received
    assert "X-Crosswarn-Signature" not in headers

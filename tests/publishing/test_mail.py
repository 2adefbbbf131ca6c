"""The crisis cells' e-mail, sent through a local SMTP server and parsed as a mail client
would: the bulletin in the cell's language as the HTML body with its map inline by Content-ID,
a plain-text part, the CAP message attached and valid, and a subject read at a glance."""

from __future__ import annotations

import base64
import hashlib
import re
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import lxml.html

from pipeline.assessment.consultation import Trigger, trigger_to_dict
from pipeline.ledger.store import Ledger
from pipeline.publishing.cap_check import read_cap, validate_cap
from pipeline.publishing.delivery import deliver_pending
from pipeline.publishing.mail import compose_email, html_text
from pipeline.publishing.outbox import Outbox
from tests.publishing.test_messages import T0, _decision, _render

IDENT = "2.49.0.0.0.0.CROSSWARN.x.{}"
NCCN, NCC = "mailto:be-nccn@example.org", "mailto:nl-ncc@example.org"


def _trigger_decision(msg_type: str, number: int) -> dict:
    trigger = Trigger(
        id="wind-2026011509-abcd1234", hazard="wind", start=T0, end=T0.replace(hour=18),
        regions={"BE008": 2, "NL012": 3}, levels_by_country={"BE": 2, "NL": 3},
        crisis_cells=("be-nccn", "nl-ncc"), mismatches=(), events=(),
    )  # fmt: skip
    return _decision("trigger", msg_type, number, 3, trigger_to_dict(trigger))


def _send(tmp_path, smtp, received, decisions) -> tuple[dict[str, EmailMessage], Outbox]:
    """Render the decisions as the publish stage does, queue them in a real ledger and deliver
    them over SMTP; the mails received, by recipient."""
    rendered = _render(decisions)
    outbox = Outbox(tmp_path / "outbox")
    for name, data in rendered.files.items():
        outbox.put(name, data)
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", sender="crosswarn@example.org",
                    oid_prefix="2.49.0.0.0.0.CROSSWARN")  # fmt: skip
    ledger.migrate()
    try:
        ledger.enqueue([d for d in rendered.deliveries if d.channel == "email"])
        counts = deliver_pending(ledger, outbox, smtp=smtp, sender="crosswarn@example.org")
    finally:
        ledger.close()
    assert (counts["failed"], counts["errors"]) == (0, [])
    deadline = time.time() + 10
    while len(received) < counts["delivered"] and time.time() < deadline:
        time.sleep(0.05)
    mails = [message_from_bytes(m, policy=default_policy) for m in received]
    return {m["To"]: m for m in mails}, outbox


def _tree(mail: EmailMessage) -> list:
    """The MIME structure: content type, or (content type, [children])."""
    if mail.is_multipart():
        return [mail.get_content_type(), [_tree(p) for p in mail.iter_parts()]]
    return mail.get_content_type()


def _image_sources(page: str) -> list[str]:
    return [img.get("src") for img in lxml.html.fromstring(page).iter("img")]


def test_the_cells_mail_is_the_bulletin_with_its_map_inline_and_the_cap_attached(
    tmp_path, smtp_server
):
    smtp, received = smtp_server
    mails, outbox = _send(tmp_path, smtp, received, [_trigger_decision("Alert", 1)])
    assert sorted(mails) == ["be-nccn@example.org", "nl-ncc@example.org"]
    nccn = mails["be-nccn@example.org"]  # works in nl, fr, de: the body in Dutch
    assert _tree(nccn) == [
        "multipart/mixed",
        [
            ["multipart/alternative",
             ["text/plain", ["multipart/related", ["text/html", "image/png"]]]],
            "application/cap+xml",
            "text/html",
            "text/html",
        ],
    ]  # fmt: skip
    # level, hazard, areas (red first) and local window, in the cell's language; an exercise
    assert nccn["Subject"] == (
        "[crosswarn – overleg] OEFENING — geen echte waarschuwing. Rood – zware windstoten – "
        "Limburg, Liège – 15-01 10:00–19:00 MET"
    )
    digest = hashlib.sha256(f"{IDENT.format(1)}|{NCCN}".encode()).hexdigest()[:24]
    assert nccn["Message-ID"] == f"<{digest}@example.org>"  # the same on every re-send

    # The HTML body: the Dutch bulletin, its map by Content-ID.
    alternative = next(nccn.iter_parts())
    text, related = alternative.iter_parts()
    html_part, image = related.iter_parts()
    page = html_part.get_content().replace("\r\n", "\n")  # SMTP's line ends
    tree = lxml.html.fromstring(page)
    assert tree.get("lang") == "nl"
    outbox_page = (outbox.root / f"{IDENT.format(1)}-nl.html").read_text()
    (map_name,) = _image_sources(outbox_page)  # the map as the published page names it
    (source,) = _image_sources(page)
    assert source.startswith("cid:") and image["Content-ID"] == f"<{source[4:]}>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == (outbox.root / map_name).read_bytes()
    assert page.replace(source, map_name).rstrip() == outbox_page.rstrip()

    # The text part: the same bulletin, readable without HTML.
    plain = text.get_content()
    assert tree.findtext(".//h1") in plain
    assert re.search(r"</?[a-z0-9]+[ >]", plain) is None  # no markup left

    # The CAP message, attached, valid against the schema and the profile.
    cap = next(p for p in nccn.iter_attachments() if p.get_content_type() == "application/cap+xml")
    assert cap.get_filename() == f"{IDENT.format(1)}.xml"
    validate_cap(cap.get_content(), name=cap.get_filename())
    assert read_cap(cap.get_content())["identifier"] == IDENT.format(1)

    # The bulletin in the cell's other languages, each showing its map wherever opened.
    others = [p for p in nccn.iter_attachments() if p.get_content_type() == "text/html"]
    assert [p.get_filename() for p in others] == [
        f"{IDENT.format(1)}-fr.html",
        f"{IDENT.format(1)}-de.html",
    ]
    for part in others:
        (name,) = _image_sources((outbox.root / part.get_filename()).read_text())
        (source,) = _image_sources(part.get_content())
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]) == (outbox.root / name).read_bytes()

    ncc = mails["nl-ncc@example.org"]  # Dutch only: nothing else attached
    assert [p.get_content_type() for p in ncc.iter_attachments()] == ["application/cap+xml"]
    assert ncc["Subject"] == nccn["Subject"]


def test_a_cancelled_trigger_says_so_in_the_subject(tmp_path, smtp_server):
    smtp, received = smtp_server
    mails, _ = _send(tmp_path, smtp, received, [_trigger_decision("Cancel", 2)])
    assert mails["nl-ncc@example.org"]["Subject"] == (
        "[crosswarn – overleg] OEFENING — geen echte waarschuwing. Ingetrokken: zware "
        "windstoten – Limburg, Liège – 15-01 10:00–19:00 MET"
    )


def test_the_text_part_keeps_paragraphs_rows_and_items_apart():
    page = (
        '<!DOCTYPE html>\n<html lang="de"><head><title>not shown</title></head><body>'
        "<h1>Lüttich &amp; Aachen</h1><dl><dt>Ausgegeben</dt><dd>15.01.2026 02:30 MEZ</dd>"
        "<dt>Status</dt><dd>Übung</dd></dl><p>Erster   Satz.\n Zweiter.</p>"
        '<figure><img src="m.png" alt="Karte"><figcaption>Karte</figcaption></figure>'
        "<table><tr><th>Region</th><th>Stufe</th></tr><tr><td>Lüttich</td><td>orange</td></tr>"
        "</table><ul><li>NCCN</li><li>Kreis <b>Aachen</b></li></ul><p><small>id</small></p>"
        "</body></html>"
    )
    assert html_text(page) == (
        "Lüttich & Aachen\n\nAusgegeben: 15.01.2026 02:30 MEZ\nStatus: Übung\n\n"
        "Erster Satz. Zweiter.\n\nRegion | Stufe\nLüttich | orange\n\n"
        "- NCCN\n- Kreis Aachen\n\nid"
    )


def test_without_a_bulletin_the_mail_is_its_text_and_the_cap_message():
    mail = compose_email(
        sender="crosswarn@example.org", to="mailto:a@example.org", subject="s",
        files=[("m.xml", b"<alert/>")], footer="crosswarn Alert m", message_key="m|a",
    )  # fmt: skip
    assert _tree(mail) == ["multipart/mixed", ["text/plain", "application/cap+xml"]]
    assert mail.get_body(("plain",)).get_content() == "crosswarn Alert m\n"
    assert mail["To"] == "a@example.org"

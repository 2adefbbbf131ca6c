"""The e-mail a crisis cell receives for a consultation trigger, composed from outbox files.

Read at once in any mail client, the bulletin is the message itself, not an attachment::

    multipart/mixed
      multipart/alternative
        text/plain            the bulletin as text (clients without HTML, previews, search)
        multipart/related
          text/html           the bulletin in the cell's language, its map as <img src="cid:...">
          image/png           the map, inline, with that Content-ID
      application/cap+xml     the CAP message, for systems that read CAP
      text/html ...           the bulletin in the cell's other languages, each self-contained
                              (its map as a data: URI, so that it shows wherever it is opened)

The files come as the delivery lists them: the CAP message first, then the bulletin pages (the
first is the body), then the images. Content-IDs and the Message-ID are derived from the
delivery, so a re-sent message is the same message.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import lxml.html

MIME_TYPES = {
    ".xml": "application/cap+xml",
    ".html": "text/html",
    ".png": "image/png",
    ".json": "application/json",
}
#: Elements whose text is a paragraph (or a row, an item) of the plain-text part.
_BLOCKS = ("h1", "h2", "h3", "h4", "p", "li", "tr", "dt", "dd", "caption")
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")', re.IGNORECASE)


def compose_email(
    *,
    sender: str,
    to: str,
    subject: str,
    files: list[tuple[str, bytes]],
    footer: str,
    message_key: str,
) -> EmailMessage:
    """The e-mail of ``files`` (outbox name, content) to ``to`` (a ``mailto:`` address or a
    bare one); ``footer`` ends the text part; ``message_key`` names the delivery (the
    ``Message-ID`` and Content-IDs derive from it)."""
    domain = sender.rsplit("@", 1)[-1] or "crosswarn.invalid"
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to.removeprefix("mailto:"), subject
    message["Message-ID"] = f"<{_digest(message_key)}@{domain}>"
    pages = [(n, d.decode()) for n, d in files if _mime(n) == "text/html"]
    images = {n: d for n, d in files if _mime(n).startswith("image/")}
    shown: set[str] = set()  # the body's page and the images the pages show
    if pages:
        shown.add(pages[0][0])
        shown |= _body(message, pages[0][1], images, footer, key=message_key, domain=domain)
    else:
        message.set_content(f"{footer}\n", cte="quoted-printable")

    def data_uri(name: str) -> str:
        shown.add(name)
        return f"data:{_mime(name)};base64,{base64.b64encode(images[name]).decode()}"

    others = {name: _swap_images(page, images, data_uri) for name, page in pages[1:]}
    for name, data in files:
        if name in others:
            message.add_attachment(
                others[name], subtype="html", filename=name, cte="quoted-printable"
            )
        elif name not in shown:
            maintype, subtype = _mime(name).split("/", 1)
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def _body(
    message: EmailMessage,
    page: str,
    images: dict[str, bytes],
    footer: str,
    *,
    key: str,
    domain: str,
) -> set[str]:
    """The bulletin ``page`` as the text and the HTML body, each image it shows inline by a
    Content-ID derived from ``key``; return those images' names."""
    inline = {}

    def cid(name: str) -> str:
        inline[name] = f"{_digest(f'{key}|{name}')}@{domain}"
        return f"cid:{inline[name]}"

    page = _swap_images(page, images, cid)
    message.set_content(f"{html_text(page)}\n\n-- \n{footer}\n", cte="quoted-printable")
    message.add_alternative(page, subtype="html", cte="quoted-printable")
    related = message.get_payload()[1]
    for name, identifier in inline.items():
        related.add_related(
            images[name], maintype="image", subtype=_mime(name).split("/")[1],
            cid=f"<{identifier}>", filename=name, disposition="inline",
        )  # fmt: skip
    return set(inline)


def html_text(page: str) -> str:
    """An HTML page's text as paragraphs: headings, paragraphs and list items each on their
    own, table rows one per line with their cells separated by ``|``, a description list's
    terms each with its description ("Issued: 15/01/2026 02:30 CET")."""
    root = lxml.html.document_fromstring(page)
    body = root.find("body")
    lines: list[tuple[str, str]] = []  # (tag, text)
    for element in (body if body is not None else root).iter(*_BLOCKS):
        if next(element.iterancestors(*_BLOCKS), None) is not None:
            continue  # its text is its block's
        if element.tag == "tr":
            text = " | ".join(_words(c) for c in element if c.tag in ("th", "td"))
        else:
            text = ("- " if element.tag == "li" else "") + _words(element)
        if not text.strip("-| "):
            continue
        if element.tag == "dd" and lines and lines[-1][0] == "dt":  # "Issued: 15/01 ..."
            lines[-1] = ("dd", f"{lines[-1][1]}: {text}")
        else:
            lines.append((element.tag, text))
    out = []
    for k, (tag, text) in enumerate(lines):
        if k:  # rows, items and terms of one table or list follow each other, the rest apart
            together = tag in ("tr", "li", "dd") and lines[k - 1][0] == tag
            out.append("\n" if together else "\n\n")
        out.append(text)
    return "".join(out)


def _words(element) -> str:
    return " ".join(element.text_content().split())


def _swap_images(page: str, images: dict[str, bytes], target: Callable[[str], str]) -> str:
    """``page`` with each ``<img src>`` naming one of ``images`` (by file name) pointing at
    ``target(name)`` instead."""

    def swap(match: re.Match) -> str:
        name = html.unescape(match[2]).rsplit("/", 1)[-1]
        if name not in images:
            return match[0]
        return f"{match[1]}{html.escape(target(name))}{match[3]}"

    return _IMG_SRC.sub(swap, page)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _mime(name: str) -> str:
    return MIME_TYPES.get(Path(name).suffix, "application/octet-stream")

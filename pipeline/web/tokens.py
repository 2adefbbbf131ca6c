"""Access tokens of the crisis cells for the web view's restricted pages.

Each crisis cell gets one random token (``crosswarn serve --add-token CELL``), shown once and
stored only as its SHA-256 in a JSON file ``{"cells": {cell_id: hex digest}}``. A token is 256
random bits, so a plain hash cannot be reversed by guessing and needs no key stretching. Adding
a token for a cell replaces its previous one, which is how a leaked token is revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Collection
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.files import atomic_path

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def token_digest(token: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def read_tokens(path: Path, known_cells: Collection[str]) -> dict[str, str]:
    """``{cell_id: digest}`` from ``path``; a missing file holds no tokens.

    Every key must be a crisis cell of ``crisis_cells.yaml`` and every value a SHA-256 digest,
    or a :class:`ConfigError` names the file and the key.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable JSON token file ({exc})") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, dict) or set(data) != {"cells"}:
        raise ConfigError(f'{path}: expected {{"cells": {{cell_id: sha256}}}} and nothing else')
    for cell, digest in cells.items():
        if cell not in known_cells:
            raise ConfigError(
                f"{path}: cells.{cell}: not a crisis cell of crisis_cells.yaml; remove it"
            )
        if not isinstance(digest, str) or not _DIGEST.match(digest):
            raise ConfigError(
                f"{path}: cells.{cell}: not a SHA-256 digest; issue a new token with "
                f"`crosswarn serve --add-token {cell}`"
            )
    return dict(cells)


def add_token(path: Path, cell: str, known_cells: Collection[str]) -> str:
    """Issue a new token for ``cell``, store its digest (replacing the cell's previous one)
    and return the token: the only time it exists in clear."""
    if cell not in known_cells:
        raise ConfigError(f"--add-token {cell}: not a crisis cell of crisis_cells.yaml")
    tokens = read_tokens(path, known_cells)
    token = secrets.token_urlsafe(32)
    tokens[cell] = token_digest(token)
    text = json.dumps({"cells": dict(sorted(tokens.items()))}, indent=1) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o600)  # digests only, but nobody else needs to read them
    return token


def cell_of(token: str | None, tokens: dict[str, str]) -> str | None:
    """The crisis cell whose token this is, or None. Every stored digest is compared, in
    constant time, so timing tells nothing about which cells or digests exist."""
    if not token:
        return None
    digest = token_digest(token)
    found = None
    for cell, stored in tokens.items():
        if hmac.compare_digest(digest, stored):
            found = cell
    return found

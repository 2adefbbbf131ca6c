"""Crisis-cell tokens: issued once, stored as hashes only, one per cell, checked in constant
time; a broken token file is named with what to do."""

from __future__ import annotations

import hashlib
import json
import stat

import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.web.labels import choose_language
from pipeline.web.tokens import add_token, cell_of, read_tokens

CELLS = {"be-nccn", "lu-hcpn", "nl-vr-zeeland"}


def test_a_token_is_stored_only_as_its_sha256_in_a_private_file(tmp_path):
    path = tmp_path / "tokens.json"
    token = add_token(path, "lu-hcpn", CELLS)
    text = path.read_text()
    assert token not in text
    assert json.loads(text) == {"cells": {"lu-hcpn": hashlib.sha256(token.encode()).hexdigest()}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert [p.name for p in tmp_path.iterdir()] == ["tokens.json"]  # no temporary left


def test_a_new_token_replaces_the_cells_old_one_and_keeps_the_others(tmp_path):
    path = tmp_path / "tokens.json"
    first = add_token(path, "lu-hcpn", CELLS)
    other = add_token(path, "be-nccn", CELLS)
    second = add_token(path, "lu-hcpn", CELLS)
    tokens = read_tokens(path, CELLS)
    assert first != second
    assert cell_of(first, tokens) is None  # revoked
    assert cell_of(second, tokens) == "lu-hcpn"
    assert cell_of(other, tokens) == "be-nccn"


@pytest.mark.parametrize("token", [None, "", "x", "lu-hcpn"])
def test_anything_but_an_issued_token_names_no_cell(tmp_path, token):
    path = tmp_path / "tokens.json"
    issued = add_token(path, "lu-hcpn", CELLS)
    tokens = read_tokens(path, CELLS)
    assert cell_of(token, tokens) is None
    assert cell_of(issued[:-1], tokens) is None and cell_of(issued + "=", tokens) is None


def test_a_missing_file_holds_no_tokens(tmp_path):
    assert read_tokens(tmp_path / "absent.json", CELLS) == {}


@pytest.mark.parametrize(
    ("content", "names"),
    [
        ("{not json", "not a readable JSON token file"),
        ('{"lu-hcpn": "' + "0" * 64 + '"}', '{"cells": {cell_id: sha256}}'),
        ('{"cells": {"xx-nowhere": "' + "0" * 64 + '"}}', "cells.xx-nowhere: not a crisis cell"),
        ('{"cells": {"lu-hcpn": "' + "0" * 63 + '"}}', "cells.lu-hcpn: not a SHA-256 digest"),
        ('{"cells": {"lu-hcpn": "' + "G" * 64 + '"}}', "--add-token lu-hcpn"),
        ('{"cells": {}, "extra": 1}', "and nothing else"),
    ],
)
def test_a_broken_token_file_is_named_with_the_key(tmp_path, content, names):
    path = tmp_path / "tokens.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as error:
        read_tokens(path, CELLS)
    assert str(error.value).startswith(f"{path}: ") and names in str(error.value)


def test_only_crisis_cells_get_tokens(tmp_path):
    with pytest.raises(ConfigError, match="not a crisis cell"):
        add_token(tmp_path / "tokens.json", "xx-nowhere", CELLS)
    assert not (tmp_path / "tokens.json").exists()


def test_serve_add_token_prints_the_token_once_and_stores_its_hash(tmp_path, capsys):
    path = tmp_path / "tokens.json"
    assert main(["serve", "--tokens", str(path), "--add-token", "nl-vr-zeeland"]) == 0
    token, note = capsys.readouterr().out.splitlines()
    assert "nl-vr-zeeland" in note and token not in note
    stored = json.loads(path.read_text())["cells"]
    assert stored == {"nl-vr-zeeland": hashlib.sha256(token.encode()).hexdigest()}


def test_serve_add_token_without_a_file_or_for_an_unknown_cell_is_one_clear_line(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("CROSSWARN_WEB_TOKENS", raising=False)
    assert main(["serve", "--add-token", "lu-hcpn"]) == 2
    assert capsys.readouterr().err == (
        "crosswarn: error: --add-token needs a token file: --tokens FILE or CROSSWARN_WEB_TOKENS\n"
    )
    monkeypatch.setenv("CROSSWARN_WEB_TOKENS", str(tmp_path / "t.json"))
    assert main(["serve", "--add-token", "xx-nowhere"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize(
    ("query", "accept", "expected"),
    [
        ("nl", "de", "nl"),
        (None, "de-DE,de;q=0.9", "de"),
        (None, "fr-BE", "fr"),
        (None, "en;q=0.5, nl;q=0.8", "nl"),
        (None, "en;q=0.8, nl;q=0.8", "en"),  # equal preference: the first listed
        (None, "nl;q=0, fr;q=0.001", "fr"),  # q=0 means "not acceptable"
        (None, "da, sv", "en"),
        ("xx", None, "en"),
        (None, "de;q=abc, fr", "fr"),
    ],
)
def test_language_choice(query, accept, expected):
    assert choose_language(query, accept) == expected

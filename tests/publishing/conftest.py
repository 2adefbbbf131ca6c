"""Receivers the delivery tests send to, and the journal of the file-durability tests."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) keeping what it receives."""
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Keep:
        async def handle_DATA(self, server, session, envelope) -> str:
            received.append(envelope.original_content)
            return "250 OK"

    with socket.socket() as probe:  # a free loopback port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    yield ("127.0.0.1", port), received
    controller.stop()


@pytest.fixture
def journal(monkeypatch) -> list[tuple[str, str]]:
    """The fsyncs (by file name), renames (by target name) and hard links (by new name), in
    the order they happen."""
    events: list[tuple[str, str]] = []
    fsync, replace, link = os.fsync, os.replace, os.link

    def recorded_fsync(fd: int) -> None:
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}")).name))
        fsync(fd)

    def recorded_replace(src, dst) -> None:
        events.append(("rename", Path(dst).name))
        replace(src, dst)

    def recorded_link(src, dst) -> None:
        events.append(("link", Path(dst).name))
        link(src, dst)

    monkeypatch.setattr(os, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    monkeypatch.setattr(os, "link", recorded_link)
    return events

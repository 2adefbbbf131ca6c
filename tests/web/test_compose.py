"""The web view's compose service: it reads the outputs read-only, keeps the token hashes on
a volume of its own, and is published on the host's loopback only."""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml

from tests.conftest import ROOT


def test_web_service_serves_the_outputs_read_only_with_its_own_token_volume():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    command = web["entrypoint"]
    assert command[command.index("crosswarn") + 1] == "serve"
    port = command[command.index("--port") + 1]
    out_dir = web["environment"]["CROSSWARN_OUT_DIR"]
    assert f"outbox:{out_dir}:ro" in web["volumes"]
    tokens = web["environment"]["CROSSWARN_WEB_TOKENS"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in web["volumes"]}
    folder = tokens.rsplit("/", 1)[0]
    assert mounts[folder] == "web" and "web" in compose["volumes"]  # survives a new container
    assert web["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert urlsplit(web["healthcheck"]["test"][-1]).port == int(port)

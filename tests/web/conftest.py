"""The web view's fixtures: a real server on a free loopback port over the demo run's
outputs, crisis-cell tokens, and what the outputs say, read here without the web package."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from lxml import etree

from pipeline.settings import DEFAULT_REGIONS_DIR

CAP = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
LEVELS = ("none", "yellow", "orange", "red")


@contextmanager
def running(out_dir: Path, tokens: Path | None, cache: Path):
    """A web view of ``out_dir`` served on 127.0.0.1 in a thread; yields its base URL."""
    from pipeline.web.app import WebView
    from pipeline.web.server import make_server

    view = WebView(out_dir, DEFAULT_REGIONS_DIR, tokens_path=tokens, cache_dir=cache)
    server = make_server(view, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def web_out(demo_run) -> Path:
    """The demo's output directory (read only: shared by the session)."""
    return demo_run.parent.parent


@pytest.fixture(scope="session")
def outputs(web_out) -> dict:
    """What the demo outputs hold, read with plain JSON and XML: per warned region its own
    level (the highest over hazards) and levels per authority; the consultation's triggers;
    each consultation CAP identifier's trigger."""
    run = web_out / "dwd-icon-d2" / "2026011500"
    features = json.loads((run / "warnings.geojson").read_text())["features"]
    own, by_authority = {}, {}
    for feature in features:
        props = feature["properties"]
        levels = {k.removesuffix("_level"): v for k, v in props.items() if k.endswith("_level")}
        own[props["region"]] = max(levels.values(), key=LEVELS.index)
        by_authority[props["region"]] = {
            hazard: {
                key.rsplit("_", 1)[1]: value
                for key, value in props.items()
                if key.startswith(f"{hazard}_level_") and len(key.rsplit("_", 1)[1]) == 2
            }
            or props.get(f"{hazard}_level_by_criteria", {})
            for hazard in levels
        }
    consultation = web_out / "consultation" / "2026011500"
    triggers = json.loads((consultation / "triggers.json").read_text())
    caps = {}
    for path in (consultation / "cap").glob("*.xml"):
        root = etree.parse(str(path)).getroot()
        trigger = root.xpath(
            "c:info[1]/c:parameter[c:valueName='crosswarn_trigger']/c:value/text()",
            namespaces=CAP,
        )[0]
        caps[root.findtext("c:identifier", namespaces=CAP)] = trigger
    return {
        "run": run,
        "own": own,
        "by_authority": by_authority,
        "triggers": triggers,
        "caps": caps,
    }


@pytest.fixture(scope="session")
def cells(web_out, outputs, tmp_path_factory) -> dict:
    """Two crisis cells with tokens: ``own`` is convened by ``trigger`` (the consultation
    convening the fewest cells), ``other`` is convened by another trigger but not by it."""
    from pipeline.web.tokens import add_token

    triggers = outputs["triggers"]
    trigger = min(triggers, key=lambda t: (len(t["crisis_cells"]), t["id"]))
    own = sorted(trigger["crisis_cells"])[0]
    other = sorted({c for t in triggers for c in t["crisis_cells"]} - set(trigger["crisis_cells"]))[
        0
    ]
    known = {
        c["id"]
        for c in yaml.safe_load((DEFAULT_REGIONS_DIR / "crisis_cells.yaml").read_text())[
            "crisis_cells"
        ]
    }
    path = tmp_path_factory.mktemp("web-tokens") / "tokens.json"
    tokens = {cell: add_token(path, cell, known) for cell in (own, other)}
    cap = next(i for i, t in outputs["caps"].items() if t == trigger["id"])
    return {
        "path": path,
        "own": own,
        "other": other,
        "tokens": tokens,
        "trigger": trigger,
        "cap": cap,
    }


@pytest.fixture(scope="module")
def web(web_out, cells, tmp_path_factory):
    with running(web_out, cells["path"], tmp_path_factory.mktemp("web-cache")) as url:
        yield url

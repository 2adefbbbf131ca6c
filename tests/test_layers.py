"""The layout draws the flow: pure stages import no I/O stack, and nothing upstream imports
anything downstream. Each check imports modules in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Modules that compute (statistics, assessment, decisions, rendering): no HTTP client, SQL
#: engine, GRIB decoder or Airflow may be loaded by importing them.
PURE = [
    "pipeline.statistics.exceedance",
    "pipeline.statistics.forecast",
    "pipeline.assessment.assess",
    "pipeline.assessment.combine",
    "pipeline.assessment.consultation",
    "pipeline.assessment.criteria",
    "pipeline.assessment.levels",
    "pipeline.assessment.events",
    "pipeline.ledger.decisions",
    "pipeline.publishing.cap",
    "pipeline.publishing.texts",
    "pipeline.publishing.bulletin",
    "pipeline.publishing.bulletin_overview",
    "pipeline.publishing.maps",
    "pipeline.publishing.feed",
    "pipeline.publishing.geojson",
    "pipeline.publishing.mail",
    "pipeline.publishing.titles",
    "pipeline.publishing.messages",
]
IO_STACKS = ["eccodes", "gribapi", "cfgrib", "httpx", "sqlalchemy", "airflow"]

#: Stages in the order data moves (grid and region types first: sources decode onto them); a
#: module may import its own stage and earlier ones only.
ORDER = ["geo", "sources", "statistics", "assessment", "ledger", "publishing", "orchestration"]


def _loaded(module: str) -> list[str]:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_load_no_io_stack(module):
    loaded = _loaded(module)
    assert [m for m in IO_STACKS if m in loaded] == []


def test_no_stage_imports_a_later_stage():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "pipeline"
    problems = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if len(parts) < 2 or parts[0] not in ORDER:
            continue
        rank = ORDER.index(parts[0])
        for line in path.read_text().splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("from", "import"):
                target = words[1].split(".")
                later = len(target) > 1 and target[1] in ORDER and ORDER.index(target[1]) > rank
                if target[0] == "pipeline" and later:
                    problems.append(f"{path.relative_to(root)}: {line.strip()}")
    assert problems == []

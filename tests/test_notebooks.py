"""The analyst notebooks run against a real run's outputs (the demo's DAG run), so they cannot
rot: each executes without errors, prints no warnings, shows its figures, and is stored without
outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
#: Each notebook and the figures it shows.
FIGURES = {
    "explore_run.ipynb": 3,
    "forecast_field.ipynb": 2,
    "ensemble.ipynb": 2,
    "criteria.ipynb": 0,
}


def _texts(outputs: list) -> str:
    """Everything a reader sees as text: streams, results and displays (text and HTML)."""
    parts = []
    for output in outputs:
        parts.append(output.get("text", ""))
        data = output.get("data", {})
        parts += [data.get(kind, "") for kind in ("text/plain", "text/html", "text/markdown")]
    return "\n".join(parts)


def test_every_notebook_is_tested():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_notebooks_are_stored_without_outputs_and_open_with_the_projects_kernel(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert notebook.metadata.kernelspec.name == "crosswarn"  # `make notebooks` registers it


@pytest.fixture
def executed(demo_run, monkeypatch, tmp_path):
    """Run a notebook in ``notebooks/`` as JupyterLab does, on the demo's outputs; its
    temporary files go to ``tmp_path``."""
    monkeypatch.setenv("CROSSWARN_RUN_DIR", str(demo_run))
    monkeypatch.setenv("CROSSWARN_ARCHIVE_DIR", str(demo_run.parents[2] / "archive"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    # The kernel speaks CurveZMQ (its kernelspec supports it): without, it warns on stderr.
    config = Config()
    config.KernelManager.transport_encryption = "required"

    def run(name: str) -> list:
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        client = NotebookClient(notebook, timeout=300, kernel_name="python3", config=config)
        client.execute(cwd=str(NOTEBOOKS))
        return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]

    return run


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_notebook_runs_without_errors_or_warnings(name, executed, demo_run, tmp_path):
    outputs = executed(name)
    assert [o for o in outputs if o.output_type == "error"] == []
    assert [o.text for o in outputs if o.get("name") == "stderr"] == []
    assert not re.search(r"\w+Warning\b", _texts(outputs))
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == FIGURES[name]
    assert list(tmp_path.iterdir()) == []  # temporary files removed again
    text = _texts(outputs)
    if name == "explore_run.ipynb":
        assert "dwd-icon-d2 2026011500" in text
        for trigger in json.loads((demo_run / "triggers.json").read_text()):
            assert trigger["id"] in text  # the triggers table lists every trigger
    elif name == "forecast_field.ipynb":
        assert "max_i10fg in m s**-1" in text and "tp in kg m**-2, +48 h" in text
    elif name == "ensemble.ipynb":
        assert "DWD ICON-D2-EPS 2026011500 - 20 members" in text
    else:
        for authority in ("DWD", "KMI-IRM", "KNMI", "MeteoLux", "Météo-France"):
            assert authority in text
        assert "[crosswarn proxy]" in text and "## thunderstorm_hail" in text

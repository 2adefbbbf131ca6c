"""A run's outputs as the notebooks read them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.errors import ConfigError
from pipeline.figures.outputs import read_run, triggers_table


def _feature(region: str, **props) -> dict:
    square = [[[5.0, 51.0], [6.0, 51.0], [6.0, 52.0], [5.0, 52.0], [5.0, 51.0]]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": square},
        "properties": {"region": region, **props},
    }


TRIGGER = {
    "id": "wind-2026011506-2fa767f3",
    "hazard": "wind",
    "start": "2026-01-15T06:00:00+00:00",
    "end": "2026-01-16T04:00:00+00:00",
    "levels_by_country": {"NL": "orange", "BE": "yellow"},
    "regions": {"BE002": "yellow", "NL010": "orange", "NL013": "orange"},
    "crisis_cells": ["be-nccn", "nl-vr-zeeland"],
}


def _write(directory, features, triggers) -> None:
    directory.mkdir(parents=True)
    summary = {"source": "dwd-icon-d2", "run": "2026011500", "events": 3}
    (directory / "summary.json").write_text(json.dumps(summary))
    collection = {"type": "FeatureCollection", "features": features}
    (directory / "warnings.geojson").write_text(json.dumps(collection))
    (directory / "triggers.json").write_text(json.dumps(triggers))


def test_read_run_gives_the_levels_of_the_warned_regions(tmp_path):
    _write(tmp_path / "run", [
        _feature("BE002", wind_level="yellow", rain_24h_level="none"),
        _feature("NL010", wind_level="orange"),
    ], [TRIGGER])  # fmt: skip
    run = read_run(tmp_path / "run")
    assert run.summary["run"] == "2026011500"
    assert run.levels("wind").to_dict() == {"BE002": "yellow", "NL010": "orange"}
    assert run.levels("rain_24h").to_dict() == {"BE002": "none"}  # NL010: not assessed
    assert run.levels("heat").empty
    assert run.warnings.crs.to_epsg() == 4326


def test_a_run_without_warnings_has_no_levels(tmp_path):
    _write(tmp_path / "run", [], [])
    run = read_run(tmp_path / "run")
    assert run.levels("wind").empty
    assert triggers_table(run.triggers).empty


def test_a_folder_that_is_no_run_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match=r"summary\.json missing.*make demo.*CROSSWARN_RUN_DIR"):
        read_run(tmp_path)


def test_triggers_table_has_one_row_per_trigger():
    table = triggers_table([TRIGGER])
    row = table.loc["wind-2026011506-2fa767f3"]
    assert row["hazard"] == "wind"
    assert row["start"] == pd.Timestamp("2026-01-15T06:00Z")
    assert row["end"] == pd.Timestamp("2026-01-16T04:00Z")
    assert row["levels"] == "BE yellow, NL orange"
    assert (row["regions"], row["crisis cells"]) == (3, 2)

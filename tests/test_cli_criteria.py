"""``crosswarn criteria``: every authority, hazard and level with its source, side by side."""

from __future__ import annotations

import json

import yaml

from pipeline.cli import main
from pipeline.settings import DEFAULT_REGIONS_DIR


def _files() -> dict[str, dict]:
    """The criteria files read as plain YAML (independently of the model under test)."""
    files = sorted((DEFAULT_REGIONS_DIR / "criteria").glob("*.yaml"))
    return {data["authority"]: data for data in (yaml.safe_load(f.read_text()) for f in files)}


def test_json_lists_every_authority_hazard_and_level_with_its_source(capsys):
    assert main(["criteria", "--json"]) == 0
    records = {r["authority"]: r for r in json.loads(capsys.readouterr().out)}
    files = _files()
    assert set(records) == set(files) == {"DWD", "KMI-IRM", "KNMI", "MeteoLux", "Météo-France"}
    for name, data in files.items():
        listed = records[name]["hazards"]
        assert set(listed) == set(data["hazards"])
        for hazard, table in data["hazards"].items():
            assert [lv["level"] for lv in listed[hazard]["levels"]] == list(table["levels"])
            for level in listed[hazard]["levels"]:
                where = f"{name} {hazard} {level['level']}"
                if level["basis"] == "proxy":
                    assert "proxy" in level["note"], where
                else:
                    assert level["sources"], where
                for source in level["sources"]:
                    assert source["url"].startswith("http") and source["read"], where
                    assert source["title"] and source["kind"] in ("authority", "secondary")
        assert set(records[name]["not_assessed"]) == set(data.get("not_assessed", {}))


def test_the_text_puts_each_hazard_side_by_side_and_names_proxies(capsys):
    assert main(["criteria"]) == 0
    text = capsys.readouterr().out
    wind = text[text.index("== wind") : text.index("== thunderstorm")]
    for authority in (
        "DWD (DE)",
        "KMI-IRM (BE)",
        "KNMI (NL)",
        "MeteoLux (LU)",
        "Météo-France (FR)",
    ):
        assert authority in wind
    assert "> 50 km/h" in wind  # DWD: über 50 km/h
    assert "crosswarn proxy" in wind
    assert "consultation only" in wind  # KNMI and Météo-France red


def test_one_authority_by_name_or_country_and_an_unknown_one(capsys):
    assert main(["criteria", "--authority", "nl", "--json"]) == 0
    assert [r["authority"] for r in json.loads(capsys.readouterr().out)] == ["KNMI"]
    assert main(["criteria", "--authority", "XX"]) == 2
    assert "known are DWD, KMI-IRM, KNMI, MeteoLux, Météo-France" in capsys.readouterr().err

"""Forecast-observation pairs, contingency tables and the report, against hand-counted cases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from pipeline.settings import Settings
from pipeline.verification.matching import covered_days, forecast_daily_levels, pair
from pipeline.verification.skill import contingency

REFERENCE = datetime(2026, 1, 15, 0, tzinfo=UTC)  # 01:00 CET
COUNTRIES = {"NL015": "NL", "NL014": "NL", "BE001": "BE"}
AUTHORITIES = {"NL": "knmi", "BE": "kmi-irm", "DE": "dwd"}


def test_local_days_are_paired_when_the_run_covers_twelve_hours_of_them():
    # The run starts at 01:00 CET on 15 Jan: it covers 23 h of that day (lead 0), all of
    # 16 Jan (from 23:00 UTC, lead 23 h); 17 Jan starts 47 h ahead, so a 59 h run covers 12 h of
    # it (paired), a 58 h run 11 h (not).
    assert covered_days(REFERENCE, 48) == [("2026-01-15", 0), ("2026-01-16", 23)]
    assert covered_days(REFERENCE, 59)[-1] == ("2026-01-17", 47)
    assert covered_days(REFERENCE, 58)[-1] == ("2026-01-16", 23)
    # A run starting at 13:00 UTC (14:00 CET) covers only 10 h of its first day.
    assert covered_days(datetime(2026, 1, 15, 13, tzinfo=UTC), 48)[0] == ("2026-01-16", 10)


def _assessment() -> dict:
    def event(region, timeline):
        return {"region": region, "hazard": "wind", "timeline": timeline, "probability": None}

    return {
        "levels": {"wind": {r: {} for r in COUNTRIES}},
        "events": [
            # Yellow then orange on 16 Jan: the day's level is orange.
            event("NL015", [["2026-01-16T10:00:00+00:00", 1], ["2026-01-16T11:00:00+00:00", 2]]),
            # The hour ending 15 Jan 23:00 UTC (midnight CET) belongs to 15 Jan; the hour
            # ending 16 Jan 00:00 UTC to 16 Jan.
            event("NL014", [["2026-01-15T23:00:00+00:00", 2], ["2026-01-16T00:00:00+00:00", 1]]),
        ],
    }


def _observed() -> pd.DataFrame:
    rows = [
        ("knmi", "NL", "NL015", "2026-01-16", "wind", "yellow"),
        ("knmi", "NL", "NL014", "2026-01-16", "wind", "orange"),
        ("dwd", "DE", "NL015", "2026-01-16", "wind", "red"),  # another authority: not paired
        ("kmi-irm", "BE", "BE001", "2026-01-16", "wind", None),  # unobserved: no pair
    ]
    return pd.DataFrame(
        rows, columns=["authority", "country", "region", "date", "hazard", "observed_level"]
    )


def test_daily_forecast_levels_and_pairs_under_the_own_authority():
    forecast = forecast_daily_levels(_assessment(), REFERENCE, 48)
    forecast = forecast[forecast["date"] == "2026-01-16"]
    levels = dict(zip(forecast["region"], forecast["forecast_level"], strict=True))
    assert levels == {"NL015": 2, "NL014": 1, "BE001": 0}
    pairs = pair(forecast, _observed(), COUNTRIES, AUTHORITIES)
    assert pairs[["region", "forecast_level", "observed_level", "lead_hours"]].values.tolist() == [
        ["NL014", 1, 2, 23],
        ["NL015", 2, 1, 23],
    ]


def test_contingency_counts_and_scores_by_hand():
    pairs = pd.DataFrame(
        {
            "country": "NL", "hazard": "wind", "region": list("abcdef"), "date": "2026-01-16",
            "lead_hours": [23, 23, 23, 23, 23, 47],
            "forecast_level": [1, 2, 0, 1, 0, 2],
            "observed_level": [1, 1, 1, 0, 0, 2],
            "probability": None,
        }
    )  # fmt: skip
    table = contingency(pairs).set_index(["level", "lead"])
    # >= yellow, 0-24 h: a hit, b hit, c miss, d false alarm, e correct negative.
    yellow = table.loc[("yellow", "0-24 h")]
    assert (yellow.hits, yellow.misses, yellow.false_alarms, yellow.correct_negatives) == (
        2, 1, 1, 1,
    )  # fmt: skip
    assert yellow.pod == pytest.approx(2 / 3) and yellow.far == pytest.approx(1 / 3)
    assert yellow.csi == pytest.approx(2 / 4) and yellow.bias == pytest.approx(3 / 3)
    # >= orange, 0-24 h: b forecast orange, observed yellow: a false alarm; nothing observed.
    orange = table.loc[("orange", "0-24 h")]
    assert (orange.hits, orange.misses, orange.false_alarms, orange.correct_negatives) == (
        0, 0, 1, 4,
    )  # fmt: skip
    assert orange.far == 1.0 and orange.csi == 0.0
    # 24-48 h holds f alone: an orange hit, also a yellow hit.
    assert table.loc[("orange", "24-48 h")].hits == 1 and table.loc[("yellow", "24-48 h")].pod == 1


def test_verify_stores_pairs_idempotently_and_writes_the_report(tmp_path):
    from pipeline.orchestration.config import load_config
    from pipeline.verification.report import write_report
    from pipeline.verification.verify import stored_pairs, verify

    settings = Settings(work_dir=tmp_path / "work", out_dir=tmp_path / "out",
                        cache_dir=tmp_path / "cache")  # fmt: skip
    with settings.ledger() as ledger:
        ledger.migrate()
    run_dir = settings.work_dir / "dwd-icon-d2" / "2026011500"
    run_dir.mkdir(parents=True)
    (run_dir / "assessment.json").write_text(json.dumps(_assessment()))
    # One Utrecht station (NL015) gusting 28 m/s = 100.8 km/h on 16 Jan: KNMI orange (>= 100).
    obs = pd.DataFrame(
        {
            "source": "test", "station": "260", "name": "De Bilt", "lat": 52.10, "lon": 5.18,
            "time": [pd.Timestamp("2026-01-16T12:00Z")], "variable": "wind_gust",
            "value": [28.0],
        }
    )  # fmt: skip
    seen = []

    def observations(start, end):
        seen.append((start, end))
        return obs

    def run():
        return verify(settings, date(2026, 1, 15), date(2026, 1, 15), sources=["dwd-icon-d2"],
                      observations=observations)  # fmt: skip

    result = run()
    utrecht = result.pairs[result.pairs["region"] == "NL015"]
    assert utrecht[["forecast_level", "observed_level"]].values.tolist() == [[2, 2]]
    assert set(result.pairs["region"]) == {"NL015"}  # no other region has a station
    again = run()
    pd.testing.assert_frame_equal(result.pairs, again.pairs)
    assert len(stored_pairs(settings, date(2026, 1, 15), date(2026, 1, 15), ["dwd-icon-d2"])) == 1
    regions = load_config(settings.regions_dir, settings.cache_dir).regions
    out = tmp_path / "report"
    page = write_report(result, regions, out, title="test")
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"index.html", "scores.png", "map.png", "contingency.csv", "pairs.csv"} <= set(first)
    assert "not an authority's verification" in " ".join(page.read_text().split())
    write_report(again, regions, out, title="test")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # identical rerun

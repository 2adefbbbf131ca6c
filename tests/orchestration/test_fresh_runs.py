"""The consultation leaves out a model run that has fallen behind the others: a model that
stopped publishing must not keep voting with its last run."""

from __future__ import annotations

import pytest

from pipeline.orchestration.consult import fresh_runs


def test_a_run_exactly_at_the_allowed_age_still_counts():
    # ICON-D2 12 UTC and ICON-EU 00 UTC: 12 h apart.
    runs = {"dwd-icon-d2": "2026011512", "dwd-icon-eu": "2026011500"}
    assert fresh_runs(runs, 12) == (runs, {})


def test_a_run_older_than_allowed_is_left_out_and_says_why():
    runs = {"dwd-icon-d2": "2026011512", "dwd-icon-eu": "2026011500"}
    kept, ignored = fresh_runs(runs, 11)
    assert kept == {"dwd-icon-d2": "2026011512"}
    assert list(ignored) == ["dwd-icon-eu"]
    assert "12 h older than the newest model run (2026-01-15 12 UTC)" in ignored["dwd-icon-eu"]
    assert "more than the 11 h allowed" in ignored["dwd-icon-eu"]


@pytest.mark.parametrize("max_age", [0, 12])
def test_the_newest_run_always_counts(max_age):
    runs = {"dwd-icon-d2": "2026011515"}
    assert fresh_runs(runs, max_age) == (runs, {})


def test_the_age_is_measured_between_runs_never_against_the_clock():
    """Two runs of 2019 are as fresh as two of 2026: only their distance counts."""
    runs = {"dwd-icon-d2": "2019072515", "dwd-icon-eu": "2019072506"}
    assert fresh_runs(runs, 9) == (runs, {})
    assert fresh_runs(runs, 8)[0] == {"dwd-icon-d2": "2019072515"}

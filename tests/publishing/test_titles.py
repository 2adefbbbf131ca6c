"""Titles read at a glance: e-mail subjects of triggers and feed titles of warnings, in each
language, with the local window's edges (midnight, the switch to summer time)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.assessment.events import Event
from pipeline.publishing.titles import glance, trigger_subject, warning_title, window_text
from tests.publishing.authorities import CRITERIA

TRIGGER = {
    "hazard": "wind",
    "start": "2026-01-15T09:00:00+00:00",  # 10:00 CET
    "end": "2026-01-15T18:00:00+00:00",  # 19:00 CET
    "regions": {"DE127": "yellow", "BE008": "orange"},
    "levels_by_country": {"BE": "orange", "DE": "yellow"},
}
NAMES = {"BE008": "Liège", "DE127": "Aachen", "NL012": "Limburg", "LU001": "Luxembourg"}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "start", "end", "expected"),
    [
        # one local day: the end's hour only
        ("en", "2026-01-15T13:00", "2026-01-15T19:00", "15/01 14:00–20:00 CET"),
        ("nl", "2026-01-15T13:00", "2026-01-15T19:00", "15-01 14:00–20:00 MET"),
        ("fr", "2026-01-15T13:00", "2026-01-15T19:00", "15/01 14h00–20h00 heure d'hiver"),
        ("de", "2026-01-15T13:00", "2026-01-15T19:00", "15.01. 14:00–20:00 MEZ"),
        # 23:00 UTC is local midnight: the next day, named
        ("en", "2026-01-15T19:00", "2026-01-15T23:00", "15/01 20:00 – 16/01 00:00 CET"),
        ("en", "2026-01-15T19:00", "2026-01-15T22:59", "15/01 20:00–23:59 CET"),
        # 29 March 2026, 01:00 UTC: clocks go from 02:00 CET to 03:00 CEST; each end its zone
        ("en", "2026-03-29T00:00", "2026-03-29T03:00", "29/03 01:00 CET – 29/03 05:00 CEST"),
        ("de", "2026-03-29T01:00", "2026-03-29T03:00", "29.03. 03:00–05:00 MESZ"),
    ],
)
def test_window_in_local_time(language, start, end, expected):
    assert window_text(language, _utc(start), _utc(end)) == expected


def test_glance_names_three_areas_then_leaves_the_rest_to_an_ellipsis():
    start, end = _utc("2026-01-15T09:00"), _utc("2026-01-15T18:00")
    three = glance("en", level=3, noun="heatwaves", areas=["A", "B", "C"], start=start, end=end)
    assert three == "Red – heatwaves – A, B, C – 15/01 10:00–19:00 CET"
    four = glance("en", level=1, noun="heatwaves", areas=["A", "B", "C", "D"], start=start,
                  end=end)  # fmt: skip
    assert four == "Yellow – heatwaves – A, B, C, … – 15/01 10:00–19:00 CET"
    # level 0 (a cancellation) names no level
    assert glance("en", level=0, noun="x", areas=["A"], start=start, end=end) == (
        "x – A – 15/01 10:00–19:00 CET"
    )


@pytest.mark.parametrize(
    ("language", "status", "msg_type", "expected"),
    [
        ("en", "Actual", "Alert",
         "[crosswarn – consultation] Orange – severe wind gusts – Liège, Aachen – "
         "15/01 10:00–19:00 CET"),
        ("nl", "Exercise", "Cancel",
         "[crosswarn – overleg] OEFENING — geen echte waarschuwing. Ingetrokken: zware "
         "windstoten – Liège, Aachen – 15-01 10:00–19:00 MET"),
        ("fr", "Actual", "Update",
         "[crosswarn – concertation] Mise à jour : Orange – rafales violentes – Liège, Aachen – "
         "15/01 10h00–19h00 heure d'hiver"),
        ("de", "Test", "Alert",
         "[crosswarn – Beratung] TEST — keine echte Warnung. Orange – Sturmböen – Liège, "
         "Aachen – 15.01. 10:00–19:00 MEZ"),
    ],
)  # fmt: skip
def test_trigger_subject_in_the_cells_language(language, status, msg_type, expected):
    subject = trigger_subject(language, TRIGGER, names=NAMES, status=status, msg_type=msg_type)
    assert subject == expected


@pytest.mark.parametrize(
    "regions",
    [
        {"LU001": "yellow", "NL012": "orange", "BE008": "orange", "DE127": "red"},
        {"LU001": 1, "NL012": 2, "BE008": 2, "DE127": 3},  # as the ledger holds ended ones
    ],
)
def test_trigger_subject_lists_areas_from_the_highest_level_then_by_name(regions):
    subject = trigger_subject(
        "en", TRIGGER | {"regions": regions}, names=NAMES, status="Actual", msg_type="Alert"
    )
    assert subject == (
        "[crosswarn – consultation] Red – severe wind gusts – Aachen, Liège, Limburg, … – "
        "15/01 10:00–19:00 CET"
    )


def test_trigger_subject_shows_both_sides_of_the_border_first():
    """Three German regions and one Belgian: each country's highest first, in turn."""
    regions = {"DE127": "red", "DE258": "red", "DE157": "orange", "BE008": "yellow"}
    names = {"DE127": "Euskirchen", "DE258": "Aachen", "DE157": "Heinsberg", "BE008": "Liège"}
    subject = trigger_subject("en", TRIGGER | {"regions": regions}, names=names,
                              status="Actual", msg_type="Alert")  # fmt: skip
    assert subject == (
        "[crosswarn – consultation] Red – severe wind gusts – Aachen, Liège, Euskirchen, … – "
        "15/01 10:00–19:00 CET"
    )


def _event(region: str, country: str, hazard: str = "wind") -> Event:
    return Event(
        region=region, country=country, hazard=hazard, onset=_utc("2026-01-15T09:00"),
        expiry=_utc("2026-01-15T18:00"), peak_level=2, peak_time=_utc("2026-01-15T13:00"),
        peak_value=25.0, timeline=(),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "EXERCISE — not a real warning. Orange – severe wind gusts – Liège – 15/01 "
               "10:00–19:00 CET — crosswarn guidance under KMI-IRM criteria, not an official "
               "KMI-IRM warning"),
        ("nl", "OEFENING — geen echte waarschuwing. Oranje – zware windstoten – Liège – 15-01 "
               "10:00–19:00 MET — crosswarn-advies volgens KMI-IRM-criteria, geen officiële "
               "KMI-IRM-waarschuwing"),
        ("fr", "EXERCICE — pas un avertissement réel. Orange – rafales de vent violentes – "
               "Liège – 15/01 10h00–19h00 heure d'hiver — avis crosswarn selon les critères de "
               "KMI-IRM, pas un message officiel de KMI-IRM"),
        ("de", "ÜBUNG — keine echte Warnung. Orange – Sturmböen – Liège – 15.01. 10:00–19:00 "
               "MEZ — crosswarn-Hinweis nach KMI-IRM-Kriterien, keine amtliche "
               "KMI-IRM-Warnung"),
    ],
)  # fmt: skip
def test_warning_title_leads_with_level_and_window_and_says_it_is_not_official(language, expected):
    title = warning_title(language, event=_event("BE008", "BE"), level=2, area="Liège",
                          criteria=CRITERIA, status="Exercise")  # fmt: skip
    assert title == expected


def test_warning_title_uses_the_authoritys_word_for_german_regions():
    title = warning_title("de", event=_event("DE127", "DE"), level=2, area="Aachen",
                          criteria=CRITERIA, status="Actual")  # fmt: skip
    # 25 m/s = 90 km/h: DWD's "schwere Sturmböen" from 90 km/h within orange
    assert title.startswith("Orange – schwere Sturmböen – Aachen – 15.01. 10:00–19:00 MEZ — ")
    assert title.endswith("keine amtliche DWD-Warnung")

"""The consultation bulletin page, read as a crisis cell reads it: parsed with lxml, every
expected value worked out by hand from the fixtures (test criteria in authorities.py)."""

from __future__ import annotations

import re

import lxml.html
import pandas as pd
import pytest

from pipeline.publishing.bulletin import bulletin_title, render_bulletin_html
from pipeline.publishing.bulletin_parts import ModelRun, Provenance
from tests.publishing.authorities import CRITERIA, KMI, WEB

#: BE and DE only: a country without criteria is named by its code.
TWO = {"BE": KMI, "DE": CRITERIA["DE"]}
TRIGGER = {
    "id": "trg-wind-2026011500-1",
    "hazard": "wind",
    "start": "2026-01-15T09:00:00+00:00",
    "end": "2026-01-15T18:00:00+00:00",
    "regions": {"BE008": "orange", "DE127": "yellow"},
    "levels_by_country": {"DE": "yellow", "BE": "orange"},
    "crisis_cells": ["be-nccn"],
    "criteria_mismatches": [],
}
REGIONS = pd.DataFrame(
    {"name": ["Liège <Luik> & co", "Aachen"]}, index=pd.Index(["BE008", "DE127"], name="region")
)
CELLS = [{"name": "NCCN", "address": "mailto:crisis@nccn.example.org"}]
RUNS = (
    ModelRun("DWD ICON-D2", "2026-01-15T00:00:00+00:00",
             "Source: Deutscher Wetterdienst (DWD), ICON-D2", "CC BY 4.0"),
    ModelRun("ECMWF ENS", "2026-01-14T18:00:00+00:00",
             "Copyright © ECMWF, ENS open data (CC BY 4.0). Source www.ecmwf.int", "CC BY 4.0"),
)  # fmt: skip
PROVENANCE = Provenance(
    issued="2026-01-15T01:30:00+00:00",
    next_update="2026-01-15T04:30:00+00:00",
    runs=RUNS,
    contact="crosswarn operator <operator@example.org>",
)
#: One format per language, local time named as winter or summer time.
TIME = {
    "en": r"\d\d/\d\d/\d{4} \d\d:\d\d (CET|CEST)",
    "nl": r"\d\d-\d\d-\d{4} \d\d:\d\d (MET|MEZT)",
    "de": r"\d\d\.\d\d\.\d{4} \d\d:\d\d (MEZ|MESZ)",
    "fr": r"\d\d/\d\d/\d{4} \d\dh\d\d heure d'(hiver|été)",
}


def _event(region, country, peak_value, level="orange", **extra):
    return {
        "region": region,
        "country": country,
        "hazard": "wind",
        "onset": "2026-01-15T09:00:00+00:00",
        "expiry": "2026-01-15T18:00:00+00:00",
        "peak_level_name": level,
        "peak_time": "2026-01-15T13:00:00+00:00",
        "peak_value": peak_value,
        **extra,
    }


def _bulletin(language="en", *, events=None, trigger=TRIGGER, criteria=TWO, **changes):
    events = events or [_event("DE127", "DE", 20.0, "yellow"), _event("BE008", "BE", 25.0)]
    provenance = Provenance(**{**PROVENANCE.__dict__, **changes})
    return render_bulletin_html(
        trigger, language, regions=REGIONS, events=events, cells=CELLS, map_file="trg-en.png",
        map_size=(1417, 1421), criteria=criteria, provenance=provenance,
    )  # fmt: skip


def _facts(page: str) -> dict[str, str]:
    tree = lxml.html.fromstring(page)
    terms = tree.findall(".//dl/dt")
    return {dt.text_content(): dt.getnext().text_content() for dt in terms}


def _table(page: str) -> list[list[str]]:
    rows = lxml.html.fromstring(page).findall(".//table/tr")
    return [[cell.text_content() for cell in row] for row in rows]


def test_the_page_says_it_is_crosswarns_and_links_every_official_warning_page():
    tree = lxml.html.fromstring(_bulletin(criteria=CRITERIA))
    notice = tree.find(".//div[@class='notice']").text_content()
    assert notice.startswith(
        "crosswarn joint-consultation trigger, computed from weather models — not an official "
        "warning."
    )
    assert "only the national weather services issue warnings" in notice
    links = {a.text: a.get("href") for a in tree.findall(".//div[@class='notice']//a")}
    assert links == {"KMI-IRM": WEB["BE"], "KNMI": WEB["NL"], "DWD": WEB["DE"],
                     "Météo-France": WEB["FR"], "MeteoLux": WEB["LU"]}  # fmt: skip


def test_issue_time_next_update_and_each_model_run_with_its_attribution():
    assert _facts(_bulletin()) == {
        "Issued": "15/01/2026 02:30 CET",
        "Next update expected": "15/01/2026 05:30 CET",
        "Model runs used": (
            "DWD ICON-D2, run of 15/01/2026 01:00 CET — Source: Deutscher Wetterdienst (DWD), "
            "ICON-D2 (CC BY 4.0)"
            "ECMWF ENS, run of 14/01/2026 19:00 CET — Copyright © ECMWF, ENS open data "
            "(CC BY 4.0). Source www.ecmwf.int (CC BY 4.0)"
        ),  # one per line (<br>)
        "Hazard": "Severe wind gusts",
        "Period": "15/01/2026 10:00 CET to 15/01/2026 19:00 CET",
    }
    german = _facts(_bulletin("de", status="Exercise"))
    assert german["Ausgegeben"] == "15.01.2026 02:30 MEZ"
    assert german["Nächste Aktualisierung erwartet"] == "15.01.2026 05:30 MEZ"
    assert german["Status"] == "Übung"


#: Anything that looks like a date and time with the word(s) after it.
STAMP = re.compile(r"\d\d[-./]\d\d[-./]\d{4} \d\d[:h]\d\d [A-Za-z]+(?: d'[a-zé]+)?")


@pytest.mark.parametrize("language", ["nl", "fr", "de", "en"])
def test_every_time_is_local_in_one_format_and_names_winter_or_summer_time(language):
    tree = lxml.html.fromstring(_bulletin(language))
    stamps = [stamp for text in tree.itertext() for stamp in STAMP.findall(text)]
    assert len(stamps) >= 10  # issued, next update, 2 runs, period twice, 2 rows x from/to
    for stamp in stamps:
        assert re.fullmatch(TIME[language], stamp), stamp
    text = tree.text_content()
    assert "UTC" not in text and "+00:00" not in text and "T09:00" not in text


@pytest.mark.parametrize(
    ("issued", "next_update", "english", "dutch"),
    [  # the last Sundays of March and October 2026: 01:00 UTC is when the clocks change
        ("2026-03-29T00:30:00+00:00", "2026-03-29T01:00:00+00:00",
         ("29/03/2026 01:30 CET", "29/03/2026 03:00 CEST"),
         ("29-03-2026 01:30 MET", "29-03-2026 03:00 MEZT")),
        ("2026-10-25T00:30:00+00:00", "2026-10-25T01:00:00+00:00",
         ("25/10/2026 02:30 CEST", "25/10/2026 02:00 CET"),
         ("25-10-2026 02:30 MEZT", "25-10-2026 02:00 MET")),
    ],
)  # fmt: skip
def test_times_either_side_of_a_clock_change_are_named_right(issued, next_update, english, dutch):
    facts = _facts(_bulletin(issued=issued, next_update=next_update))
    assert (facts["Issued"], facts["Next update expected"]) == english
    facts = _facts(_bulletin("nl", issued=issued, next_update=next_update))
    assert (facts["Uitgegeven"], facts["Volgende update verwacht"]) == dutch


def test_the_table_gives_each_authoritys_level_and_fills_the_mismatches():
    trigger = TRIGGER | {
        "criteria_mismatches": [["BE008", "BE", 2, "DE", 3], ["BE008", "BE", 2, "FR", 1],
                                ["DE127", "DE", 1, "NL", 0]],
    }  # fmt: skip
    events = [
        _event("BE008", "BE", 25.0, levels_by_criteria={"BE": 2, "DE": 3, "FR": 1, "LU": 2,
                                                         "NL": 2}),
        _event("DE127", "DE", 20.0, "yellow", levels_by_criteria={"BE": 1, "DE": 1, "FR": 0,
                                                                   "LU": 1, "NL": 0}),
    ]  # fmt: skip
    rows = _table(_bulletin(trigger=trigger, events=events, criteria=CRITERIA))
    # the authorities of the trigger's countries and of its mismatches, by country code
    assert rows[0][-2:] == ["Level under the criteria of", "Criteria mismatches"]
    assert rows[1] == ["KMI-IRM", "DWD", "Météo-France", "KNMI"]
    liege, aachen = rows[2], rows[3]
    # Météo-France's wind levels are crosswarn proxies: marked
    assert liege[-5:] == ["orange", "red", "yellow *", "orange", "DWD: red; Météo-France: yellow"]
    assert aachen[-5:] == ["yellow", "yellow", "No level", "No level",
                           "Météo-France: none; KNMI: none"]  # fmt: skip
    page = _bulletin(trigger=trigger, events=events, criteria=CRITERIA)
    assert "* : threshold is a crosswarn proxy, not published by the service." in page


def test_an_authority_without_criteria_for_the_hazard_shows_a_dash_and_no_mismatch():
    trigger = TRIGGER | {"hazard": "rain_6h"}  # DWD has no 6 h rain criteria in the fixtures
    events = [_event("BE008", "BE", 45.0, levels_by_criteria={"BE": 2, "DE": 0})
              | {"hazard": "rain_6h"}]  # fmt: skip
    page = _bulletin(trigger=trigger, events=events)
    row = _table(page)[2]
    assert row[-3:] == ["orange", "—", ""]
    assert "— : this service has no criteria for this hazard." in page


@pytest.mark.parametrize(
    ("language", "level", "peak", "expected"),
    [  # KMI-IRM's test wind levels: yellow 65, orange 85, red 110 km/h
        ("en", "orange", 25.0, "85–110 km/h"),  # 90 km/h, within the band
        ("en", "orange", 32.0, "85–110 km/h, locally up to 115 km/h"),  # 115.2 km/h
        ("nl", "orange", 32.0, "85 tot 110 km/u, plaatselijk tot 115 km/u"),
        ("de", "orange", 32.0, "85 bis 110 km/h, örtlich bis 115 km/h"),
        ("en", "red", 35.0, "≥ 110 km/h, up to 126 km/h"),  # the open top band
    ],
)
def test_amounts_are_the_levels_band_with_the_local_peak_beyond_it(language, level, peak, expected):
    page = _bulletin(language, events=[_event("BE008", "BE", peak, level)])
    assert _table(page)[2][5] == expected


def test_thunderstorm_rain_without_a_band_shows_the_peak_in_mm():
    trigger = TRIGGER | {"hazard": "thunderstorm_rain"}
    events = [_event("BE008", "BE", 32.0) | {"hazard": "thunderstorm_rain"}]  # no KMI criteria
    assert _table(_bulletin(events=events, trigger=trigger))[2][5] == "32 mm"
    assert _table(_bulletin("de", events=events, trigger=trigger))[2][5] == "32 l/m²"


def test_ensemble_probability_gets_a_column_and_a_note():
    events = [_event("BE008", "BE", 25.0, probability=0.724), _event("DE127", "DE", 20.0, "yellow")]
    page = _bulletin("fr", events=events)
    rows = _table(page)
    assert rows[0][6] == "Probabilité"
    assert [rows[2][6], rows[3][6]] == ["72 %", ""]
    text = lxml.html.fromstring(page).text_content()
    assert "Probabilité : part des membres de l'ensemble qui atteignent le niveau." in text
    assert "Probabilité" not in _bulletin("fr")  # deterministic runs: none


def test_rows_by_country_then_region_with_local_times_and_escaped_names():
    page = _bulletin()
    assert "Liège &lt;Luik&gt; &amp; co (BE008)" in page and "<Luik>" not in page
    rows = _table(page)
    assert [r[:5] for r in rows[2:]] == [
        ["Liège <Luik> & co (BE008)", "BE", "orange", "15/01/2026 10:00 CET",
         "15/01/2026 19:00 CET"],
        ["Aachen (DE127)", "DE", "yellow", "15/01/2026 10:00 CET", "15/01/2026 19:00 CET"],
    ]  # fmt: skip
    assert "&lt;crisis@nccn.example.org&gt;" in page and "mailto:" not in page


def test_the_level_legend_names_each_level_in_the_language():
    items = lxml.html.fromstring(_bulletin("nl")).findall(".//ul[@class='legend']/li")
    assert [li.text_content() for li in items] == [
        "Geel — Mogelijk gevaarlijk weer", "Oranje — Gevaarlijk weer",
        "Rood — Zeer gevaarlijk weer", "Geen niveau",
    ]  # fmt: skip


def test_the_map_is_shown_at_half_its_pixels_never_upscaled():
    page = _bulletin()
    image = lxml.html.fromstring(page).find(".//figure/img")
    assert (image.get("src"), image.get("width"), image.get("height")) == (
        "trg-en.png", "708", "710")  # fmt: skip
    assert "img{max-width:100%;height:auto}" in page


def test_contact_and_footer():
    page = _bulletin("de")
    assert (
        "<p>Fragen zu diesem Bulletin: crosswarn operator &lt;operator@example.org&gt;</p>" in page
    )
    assert f"crosswarn trigger {TRIGGER['id']}" in page


def test_the_published_level_and_the_language_are_used():
    events = [_event("BE008", "BE", 25.0, "red", published_level="orange")]
    page = _bulletin("de", events=events)
    assert '<html lang="de">' in page
    assert _table(page)[2][2] == "orange"
    nl = _bulletin("nl", events=[_event("BE008", "BE", 25.0, "red")])
    assert '<td style="background:#e3001b;color:#fff">rood</td>' in nl


def test_identical_input_gives_an_identical_page_and_exercises_are_marked():
    assert _bulletin() == _bulletin()
    title = bulletin_title(TRIGGER, "en", cells=CELLS, criteria=TWO, status="Exercise")
    assert title.startswith("EXERCISE — not a real warning. Crosswarn guidance")
    page = _bulletin(status="Exercise")
    assert f"<h1>{title}</h1>" in page and _facts(page)["Status"] == "Exercise"


def test_a_cancelled_bulletin_says_so():
    title = bulletin_title(TRIGGER, "fr", cells=CELLS, criteria=TWO, status="Actual",
                           cancelled=True)  # fmt: skip
    assert title.startswith("Annulé : avis crosswarn selon les critères de KMI-IRM et DWD")
    page = render_bulletin_html(
        TRIGGER, "fr", regions=REGIONS, events=[], cells=CELLS, map_file="m.png",
        map_size=(10, 10), criteria=TWO, provenance=PROVENANCE, cancelled=True,
    )  # fmt: skip
    assert "La concertation conjointe demandée auparavant par crosswarn" in page

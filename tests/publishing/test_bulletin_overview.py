"""The country overviews: per country in scope, a page and a map in each language of its crisis
cells, with every region's levels per hazard. Real regions and crisis cells (regions/), the
test criteria of authorities.py; expected values worked out by hand."""

from __future__ import annotations

import io

import lxml.html
import pytest
from PIL import Image

from pipeline.geo.basemap import load_basemap
from pipeline.geo.regions import load_crisis_cells, load_regions
from pipeline.publishing.bulletin_overview import render_overviews
from pipeline.publishing.bulletin_parts import ModelRun, Provenance
from pipeline.settings import DEFAULT_REGIONS_DIR
from tests.publishing.authorities import CRITERIA, WEB

PROVENANCE = Provenance(
    issued="2026-07-01T01:30:00+00:00",  # summer: CEST
    next_update="2026-07-01T04:30:00+00:00",
    runs=(ModelRun("DWD ICON-D2", "2026-07-01T00:00:00+00:00", "Source: DWD", "CC BY 4.0"),),
    contact="operator@example.org",
    status="Exercise",
)
#: Which countries' criteria each region's mismatches are read against (its links abroad).
LINKED = {"BE008": {"DE", "LU", "NL"}, "BE002": {"NL"}, "DE127": {"BE"}}


def _event(region, country, hazard, level, peak_value, **extra):
    return {
        "region": region, "country": country, "hazard": hazard, "peak_level": level,
        "onset": "2026-07-01T10:00:00+00:00", "expiry": "2026-07-01T16:00:00+00:00",
        "peak_time": "2026-07-01T13:00:00+00:00", "peak_value": peak_value, **extra,
    }  # fmt: skip


EVENTS = [
    _event("BE008", "BE", "wind", 2, 25.0, levels_by_criteria={"BE": 2, "DE": 3, "LU": 2, "NL": 2,
                                                               "FR": 1}),
    _event("BE002", "BE", "wind", 1, 20.0, levels_by_criteria={"BE": 1, "NL": 1, "DE": 2}),
    _event("BE008", "BE", "rain_6h", 1, 25.0, onset="2026-07-01T08:00:00+00:00",
           levels_by_criteria={"BE": 1, "DE": 0}),
    _event("DE127", "DE", "wind", 3, 35.0, levels_by_criteria={"DE": 3, "BE": 3}),
]  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    regions = load_regions(DEFAULT_REGIONS_DIR, cache)
    return render_overviews(
        {"events": EVENTS}, PROVENANCE, regions=regions, criteria=CRITERIA,
        cells=load_crisis_cells(DEFAULT_REGIONS_DIR), linked=LINKED,
        basemap=load_basemap(regions, cache),
    )  # fmt: skip


def _tree(files, name):
    return lxml.html.fromstring(files[name].decode())


def _rows(table) -> list[list[str]]:
    return [[cell.text_content() for cell in row] for row in table.findall("tr")]


def test_one_page_and_map_per_country_and_language_of_its_crisis_cells(files):
    # regions/crisis_cells.yaml: Belgian cells work in Dutch, French and German (the NCCN in
    # all three), the Dutch, German and French ones in their language, Luxembourg's in French
    expected = {("BE", "nl"), ("BE", "fr"), ("BE", "de"), ("NL", "nl"), ("DE", "de"),
                ("LU", "fr"), ("FR", "fr")}  # fmt: skip
    assert set(files) == {f"overview-{c}-{lang}.{ext}" for c, lang in expected
                          for ext in ("html", "png")}  # fmt: skip
    for country, language in expected:
        page = files[f"overview-{country}-{language}.html"].decode()
        assert f'<html lang="{language}">' in page
        image = lxml.html.fromstring(page).find(".//figure/img")
        png = Image.open(io.BytesIO(files[image.get("src")]))
        shown = (int(image.get("width")), int(image.get("height")))
        assert (png.size[0] // 2, png.size[1] // 2) == shown  # half its pixels: sharp


def test_the_overview_states_what_it_is_when_and_from_which_run(files):
    tree = _tree(files, "overview-BE-fr.html")
    assert tree.findtext(".//h1") == "Aperçu crosswarn Belgique : niveaux par région et phénomène"
    notice = tree.find(".//div[@class='notice']")
    assert notice.text_content().startswith(
        "Aperçu crosswarn, calculé à partir de modèles météorologiques — pas un avertissement "
        "officiel."
    )
    assert {a.get("href") for a in notice.findall(".//a")} == set(WEB.values())
    facts = {dt.text_content(): dt.getnext().text_content() for dt in tree.findall(".//dl/dt")}
    assert facts == {
        "Émis le": "01/07/2026 03h30 heure d'été",
        "Prochaine mise à jour attendue": "01/07/2026 06h30 heure d'été",
        "Runs de modèles utilisés": "DWD ICON-D2, run du 01/07/2026 02h00 heure d'été — "
        "Source: DWD (CC BY 4.0)",
        "Statut": "Exercice",
    }


def test_the_matrix_has_every_region_of_the_country_by_hazard(files):
    matrix, *_ = _tree(files, "overview-BE-nl.html").findall(".//table")
    rows = _rows(matrix)
    assert rows[0] == ["Regio", "Zware windstoten", "Hevige neerslag, 6 uur"]
    assert len(rows) == 1 + 10  # BE001-BE009 and the coastal waters BE801
    by_region = {row[0]: row[1:] for row in rows[1:]}
    assert by_region["Liège (BE008)"] == ["oranje", "geel"]
    assert by_region["Antwerpen (BE002)"] == ["geel", ""]
    assert by_region["Hainaut (BE005)"] == ["", ""]


def test_each_hazard_lists_the_levels_under_the_linked_authorities_and_the_mismatches(files):
    _, wind, rain = _tree(files, "overview-BE-fr.html").findall(".//table")
    rows = _rows(wind)
    # the own authority and those the country's warned regions are linked with
    assert rows[1] == ["KMI-IRM", "DWD", "MeteoLux", "KNMI"]
    antwerp, liege = rows[2], rows[3]
    assert antwerp[:2] == ["Antwerpen (BE002)", "BE"]
    assert antwerp[-5:] == ["jaune", "orange", "", "jaune", "DWD : orange"]  # LU: not said
    assert liege[-5:] == ["orange", "rouge", "orange", "orange", "DWD : rouge"]
    # KMI-IRM's test wind band for orange is 85-110 km/h; 25 m/s = 90 km/h
    assert liege[5] == "85 à 110 km/h"
    # 6 h rain: DWD has no criteria for it in the fixtures
    assert _rows(rain)[1] == ["KMI-IRM", "DWD", "MeteoLux", "KNMI"]
    assert _rows(rain)[2][-5:] == ["jaune", "—", "—", "—", ""]


def test_a_country_without_warnings_says_so(files):
    tree = _tree(files, "overview-NL-nl.html")
    assert "Geen regio van Nederland bereikt geel in deze run." in tree.text_content()
    assert tree.findall(".//table") == []


def test_the_period_runs_from_the_first_onset_to_the_last_expiry(files):
    text = _tree(files, "overview-BE-de.html").text_content()
    assert "Zeitraum: 01.07.2026 12:00 MESZ bis 01.07.2026 18:00 MESZ" in text  # wind
    assert "Zeitraum: 01.07.2026 10:00 MESZ bis 01.07.2026 18:00 MESZ" in text  # 6 h rain

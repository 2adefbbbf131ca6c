"""The bulletins' maps: warning levels per region on a real map, sharp in print and on screen.

A map is 180 mm wide at 200 dpi (1417 px: an A4 page's text width; shown at half its pixel
width on screen, sharp on high-density displays) and at most 230 mm high. It frames the regions
it is about with their surroundings and draws, bottom up: the sea (the background), land outside
crosswarn's regions, the regions coloured by level (coastal waters in water blue, hatched when
they have a level), thin region borders, thicker country borders, the regions' names and, for
ensembles, the probability of the level; then a title in the bulletin's language (hazard and
time window), a legend of the levels and the credits.

Names are placed greedily, none over another (:mod:`pipeline.publishing.map_labels`). What was
drawn is returned as a :class:`MapDrawing`, read back from the drawn artists (texts and their
pixel boxes, legend entries, line widths), so that tests check the map itself and not what the
code meant to draw.

A run draws some forty maps of the same regions: their geometry (paths, label anchors, land,
borders, unions) is built once per process, texts are measured and outlined once per process
(:mod:`pipeline.publishing.map_canvas`) and the PNG's palette is built from a sample of the
pixels (:mod:`pipeline.publishing.map_png`). Output is byte-identical for identical input (Agg,
no software or date metadata).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import shapely

from pipeline.geo.basemap import Basemap
from pipeline.geo.emma import marine
from pipeline.publishing.bulletin_words import WORDS
from pipeline.publishing.map_labels import (
    LEVELLED_NAME,
    NAME,
    DrawnLabel,
    crossing,
    label_order,
    place_labels,
)
from pipeline.publishing.map_png import palette_png
from pipeline.publishing.texts import LEVEL_NAMES

COLOURS = {"none": "#dcdcdc", "yellow": "#ffde00", "orange": "#ff9900", "red": "#e3001b"}
SEA = "#d6e8f5"
WATER = "#a9cce8"  # coastal water areas in scope
OUTSIDE = "#f4f2ed"  # land outside crosswarn's regions
COAST = "#7f9fb8"
REGION_EDGE, REGION_WIDTH = "#808080", 0.35  # points
COUNTRY_EDGE, COUNTRY_WIDTH = "#1f1f1f", 1.3
NOTE = "#333333"
#: The colours drawn flat, kept exact in the PNG's palette.
FLAT = (*COLOURS.values(), SEA, WATER, OUTSIDE, COAST, REGION_EDGE, COUNTRY_EDGE, LEVELLED_NAME,
        NAME, NOTE, "#ffffff", "#000000")  # fmt: skip

WIDTH_IN = 180 / 25.4
DPI = 200
MAX_MAP_IN = 190 / 25.4  # the map frame's height: the whole figure stays within 230 mm
TITLE_IN, FOOT_IN = 0.55, 0.9
#: Two countries' outlines closer than this (degrees, about 3 km) share a border: the Dutch
#: and German EMMA outlines run up to a kilometre apart, at places several
#: (see :mod:`pipeline.geo.regions`).
BORDER_SNAP_DEG = 0.04
#: The least a map spans each way (degrees of latitude, about 220 km): a small area is shown
#: with its surroundings.
MIN_SPAN_DEG = 2.0
#: Gaps between land outlines narrower than twice this (degrees) are closed: they are no sea.
GAP_DEG = 0.02


@dataclass(frozen=True)
class MapDrawing:
    """What a map shows, read back from its drawn artists."""

    title: str
    legend: tuple[tuple[str, str], ...]  # (text, face colour) per entry, in order
    legend_box: tuple[float, float, float, float]  # pixels: x0, y0, x1, y1 (y upwards)
    labels: tuple[DrawnLabel, ...]
    unlabelled: tuple[str, ...]  # regions in view whose name found no free place
    notes: tuple[str, ...]  # the lines under the legend: probability note, credits
    region_border_width: float
    country_border_width: float
    sea_colour: str
    size: tuple[int, int]  # pixels
    extent: tuple[float, float, float, float]  # west, south, east, north (degrees)
    frame: tuple[float, float, float, float]  # the map's pixels: x0, y0, x1, y1 (y upwards)


def render_map(
    regions,
    levels: Mapping[str, str],
    *,
    basemap: Basemap,
    language: str,
    title: str,
    subtitle: str = "",
    focus: Iterable[str] | None = None,
    probabilities: Mapping[str, float] | None = None,
    credit: str = "",
) -> tuple[bytes, MapDrawing]:
    """The map of ``levels`` (region id -> level name; others are drawn without a level) as
    PNG bytes and what it shows.

    ``regions``: the in-scope regions (name, country, languages, geometry); ``focus``: the
    regions to frame (default: those with a level); ``probabilities``: region -> ensemble
    probability of its level; ``credit``: the data credits (model runs) for the last line.
    """
    from matplotlib.figure import Figure

    from pipeline.publishing.map_canvas import MapCanvas

    probabilities = probabilities or {}
    key = (tuple(regions.index), tuple(regions.geometry.to_wkb()))
    shapes = _shapes(*key)
    levelled = [r for r, level in levels.items() if level != "none" and r in shapes]
    framed = [r for r in (focus if focus is not None else levelled) if r in shapes] or list(shapes)
    extent, map_height = _frame(shapes, framed)
    fig = Figure(figsize=(WIDTH_IN, TITLE_IN + map_height + FOOT_IN), dpi=DPI)
    MapCanvas(fig)
    height = fig.get_figheight()
    ax = fig.add_axes((0.0, FOOT_IN / height, 1.0, map_height / height))
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(SEA)
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
    _draw_land(ax, basemap)
    _draw_regions(ax, regions.index, shapes, levels)
    _draw_borders(ax, basemap)
    heading = [fig.text(0.02, 1 - 0.2 / height, title, fontsize=11, fontweight="bold",
                        va="center")]  # fmt: skip
    if subtitle:
        heading.append(fig.text(0.02, 1 - 0.42 / height, subtitle, fontsize=9, va="center"))
    legend = _draw_legend(fig, language, _in_view(_surfaces(*key, basemap), extent), height)
    notes = [WORDS[language]["probability_note"]] if probabilities else []
    notes += [WORDS[language]["map_credit"], *([credit] if credit else [])]
    notes = [
        fig.text(0.02, (0.36 - 0.12 * k) / height, note, fontsize=6, color=NOTE)
        for k, note in enumerate(notes)
    ]
    order = label_order(shapes, levels, extent)
    labels, unlabelled = place_labels(fig, ax, regions, shapes, order, levels, probabilities,
                                      language)  # fmt: skip
    drawing = MapDrawing(
        title="\n".join(text.get_text() for text in heading),
        legend=tuple(
            (text.get_text(), _hex(handle.get_facecolor()))
            for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True)
        ),
        legend_box=tuple(legend.get_window_extent().extents),
        labels=tuple(labels),
        unlabelled=tuple(unlabelled),
        notes=tuple(text.get_text() for text in notes),
        region_border_width=float(ax.collections[1].get_linewidths()[0]),
        country_border_width=float(ax.collections[-1].get_linewidths()[0]),
        sea_colour=_hex(ax.get_facecolor()),
        size=(round(fig.get_figwidth() * DPI), round(height * DPI)),
        extent=extent,
        frame=tuple(ax.get_window_extent().extents),
    )
    return _png(fig), drawing


# --- frame and layers ---------------------------------------------------------------------------


def _frame(shapes: dict, framed: list[str]) -> tuple[tuple[float, float, float, float], float]:
    """The extent (west, south, east, north) around the ``framed`` regions, padded, at least
    :data:`MIN_SPAN_DEG` each way, widened to the frame's proportions (x in degrees of longitude
    scaled by the cosine of the latitude, so shapes keep their form); and the frame's height
    (inches)."""
    west, south, east, north = shapely.total_bounds([shapes[r].shape for r in framed])
    scale = math.cos(math.radians((south + north) / 2))
    pad = 0.08 * max(north - south, (east - west) * scale)
    tall = max(north - south + 2 * pad, MIN_SPAN_DEG)
    wide = max((east - west) * scale + 2 * pad, MIN_SPAN_DEG) / scale
    middle, centre = (south + north) / 2, (west + east) / 2
    south, north = middle - tall / 2, middle + tall / 2
    west, east = centre - wide / 2, centre + wide / 2
    width = wide * scale
    map_height = min(MAX_MAP_IN, WIDTH_IN * tall / width)
    ratio = map_height / WIDTH_IN  # height / width of the frame
    if tall < width * ratio:  # too flat for the frame: more latitude
        grow = (width * ratio - tall) / 2
        south, north = south - grow, north + grow
    else:  # too tall: more longitude
        grow = (tall / ratio - width) / 2 / scale
        west, east = west - grow, east + grow
    return (west, south, east, north), map_height


def _draw_land(ax, basemap: Basemap) -> None:
    from matplotlib.collections import PathCollection

    land = _path(list(shapely.get_parts(_land(basemap))))
    ax.add_collection(PathCollection([land], facecolors=OUTSIDE, edgecolors=COAST,
                                     linewidths=0.3, zorder=1))  # fmt: skip


def _draw_regions(ax, ids, shapes: dict, levels: Mapping[str, str]) -> None:
    from matplotlib.collections import PathCollection

    faces = [
        COLOURS[levels[r]] if levels.get(r, "none") != "none" else WATER if marine(r) else
        COLOURS["none"]
        for r in ids
    ]  # fmt: skip
    paths = [shapes[r].path for r in ids]
    ax.add_collection(PathCollection(paths, facecolors=faces, edgecolors=REGION_EDGE,
                                     linewidths=REGION_WIDTH, zorder=2))  # fmt: skip
    wet = [shapes[r].path for r in ids if marine(r) and levels.get(r, "none") != "none"]
    if wet:  # coastal waters with a level stay recognisable as water
        ax.add_collection(PathCollection(wet, facecolors="none", edgecolors="none",
                                         hatch="----", hatchcolor=COAST, linewidths=0,
                                         zorder=2.5))  # fmt: skip


def _draw_borders(ax, basemap: Basemap) -> None:
    from matplotlib.collections import LineCollection

    ax.add_collection(LineCollection(_border_lines(basemap), colors=COUNTRY_EDGE,
                                     linewidths=COUNTRY_WIDTH, capstyle="round",
                                     joinstyle="round", zorder=4))  # fmt: skip


def _in_view(surfaces: tuple, extent) -> set[str]:
    """Which of coastal waters, land outside the regions and open sea the frame shows (more
    than a sliver of each); ``surfaces``: see :func:`_surfaces`."""
    west, south, east, north = extent
    area = (east - west) * (north - south)
    water, outside, covered = (shapely.clip_by_rect(s, *extent).area for s in surfaces)
    seen = {"coastal": water, "outside": outside, "sea": area - covered}
    return {name for name, shown in seen.items() if shown > 1e-3 * area}


def _draw_legend(fig, language: str, shown: set[str], height: float):
    from matplotlib.patches import Patch

    words = WORDS[language]
    names = LEVEL_NAMES[language]
    entries = [(names[k].capitalize(), COLOURS[n]) for k, n in enumerate(COLOURS) if k]
    entries += [(words["level_none"], COLOURS["none"])]
    colours = {"coastal": WATER, "outside": OUTSIDE, "sea": SEA}
    entries += [(words[name], colour) for name, colour in colours.items() if name in shown]
    handles = [Patch(facecolor=c, edgecolor=REGION_EDGE, linewidth=0.4) for _, c in entries]
    return fig.legend(
        handles, [text for text, _ in entries], loc="lower left",
        bbox_to_anchor=(0.01, 0.42 / height), ncols=len(entries), fontsize=7,
        title=words["legend_title"], title_fontsize=7, alignment="left", frameon=False,
        handlelength=1.6, columnspacing=1.2,
    )  # fmt: skip


# --- geometry, cached per process ---------------------------------------------------------------


@dataclass(frozen=True)
class RegionShape:
    """A region as maps draw it: its outline (prepared), its path, where its name goes, its
    width there and its area."""

    shape: shapely.Geometry
    path: object  # matplotlib Path, holes included
    anchor: tuple[float, float]
    span: tuple[float, float]  # west and east (degrees) of the region across its anchor
    area: float


@functools.lru_cache(maxsize=4)
def _shapes(ids: tuple[str, ...], wkbs: tuple[bytes, ...]) -> dict[str, RegionShape]:
    """Each region's outline as one matplotlib path and its label anchor: built once per
    process for the regions, then only recoloured per map."""
    from shapely.ops import polylabel

    shapes = {}
    for region, wkb in zip(ids, wkbs, strict=True):
        shape = shapely.from_wkb(wkb)
        polygons = [p for p in shapely.get_parts(shape) if p.geom_type == "Polygon"]
        largest = max(polygons, key=lambda p: p.area)
        point = polylabel(largest, tolerance=0.005)
        anchor = (point.x, point.y)
        shapely.prepare(shape)
        shapes[region] = RegionShape(
            shape, _path(polygons), anchor, crossing(shape, anchor), float(shape.area)
        )
    return shapes


@functools.lru_cache(maxsize=4)
def _land(basemap: Basemap) -> shapely.Geometry:
    """All land, with the slivers between neighbouring countries' outlines closed (narrower
    than twice :data:`GAP_DEG`): they are no sea."""
    land = shapely.union_all(list(basemap.land.values()))
    return shapely.buffer(shapely.buffer(land, GAP_DEG), -GAP_DEG)


@functools.lru_cache(maxsize=4)
def _surfaces(ids: tuple[str, ...], wkbs: tuple[bytes, ...], basemap: Basemap) -> tuple:
    """The coastal waters in scope, the land outside the regions, and land and regions
    together (whatever is not open sea): built once per process for the regions and land."""
    shapes = _shapes(ids, wkbs)
    scope = shapely.union_all([s.shape for s in shapes.values()])
    water = shapely.union_all([s.shape for r, s in shapes.items() if marine(r)])
    land = _land(basemap)
    return water, shapely.difference(land, scope), shapely.union(land, scope)


@functools.lru_cache(maxsize=4)
def _border_lines(basemap: Basemap) -> list[np.ndarray]:
    """Where two countries' land meet: each country's outline within :data:`BORDER_SNAP_DEG`
    of another's land, drawn once per pair (from the first country's side)."""
    countries = sorted(basemap.land)
    lines = []
    for i, a in enumerate(countries):
        for b in countries[i + 1 :]:
            near = shapely.buffer(basemap.land[b], BORDER_SNAP_DEG)
            shared = shapely.intersection(shapely.boundary(basemap.land[a]), near)
            lines += [
                np.asarray(part.coords)[:, :2]
                for part in shapely.get_parts(shapely.line_merge(shared))
                if part.geom_type == "LineString" and not part.is_empty
            ]
    return lines


def _path(polygons: list):
    from matplotlib.path import Path

    rings = [
        np.asarray(ring.coords)[:, :2]
        for polygon in polygons
        if polygon.geom_type == "Polygon" and not polygon.is_empty
        for ring in (polygon.exterior, *polygon.interiors)
    ]
    return Path.make_compound_path(*(Path(r, closed=True) for r in rings))


def _png(fig) -> bytes:
    """The figure as a palette PNG in which the map's flat colours keep their exact values."""
    fig.canvas.draw()
    return palette_png(np.asarray(fig.canvas.buffer_rgba()), FLAT, DPI)


def _hex(colour) -> str:
    from matplotlib.colors import to_hex

    return to_hex(np.asarray(colour).reshape(-1, 4)[0], keep_alpha=False)

"""Names on the bulletins' maps, placed greedily so that none overlaps another.

Regions with a level come first (highest level, then largest), then the other regions in view.
Each name tries its anchor (the region's pole of inaccessibility) and a few nearby positions:
on one line where it fits the region's width there, then on two lines, then on one line
wherever it is free; the centre of the name stays within its region and the whole name within
the frame. A name for which no position is free is left out (and listed), never drawn over
another. Names with a level are bold, with a white halo to stay legible on every colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely

if TYPE_CHECKING:
    from pipeline.publishing.maps import RegionShape


@dataclass(frozen=True)
class DrawnLabel:
    region: str
    text: str
    box: tuple[float, float, float, float]  # pixels of the PNG: x0, y0, x1, y1 (y upwards)


def label_order(shapes: Mapping[str, RegionShape], levels: Mapping[str, str], extent) -> list[str]:
    """Regions with a level (highest first, then largest), then the others, largest first;
    only those whose anchor lies in the frame."""
    west, south, east, north = extent
    rank = {"red": 3, "orange": 2, "yellow": 1}
    seen = [
        r for r, s in shapes.items() if west < s.anchor[0] < east and south < s.anchor[1] < north
    ]
    return sorted(seen, key=lambda r: (-rank.get(levels.get(r, "none"), 0), -shapes[r].area, r))


def place_labels(
    fig, ax, regions, shapes: Mapping[str, RegionShape], order: list[str],
    levels: Mapping[str, str], probabilities: Mapping[str, float], language: str,
) -> tuple[list[DrawnLabel], list[str]]:  # fmt: skip
    """Place the names of ``order``'s regions, each at the first free candidate position; the
    drawn names with their pixel boxes, and the regions left without one."""
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer).padded(-3)
    to_data = ax.transData.inverted()
    points = fig.dpi / 72  # pixels per point
    placed, labels, unlabelled = [], [], []
    for region in order:
        shape = shapes[region]
        levelled = levels.get(region, "none") != "none"
        style = {"fontsize": 7, "fontweight": "bold", "color": "#111111"} if levelled else {
            "fontsize": 6, "color": "#4d4d4d"}  # fmt: skip
        room = _room(ax, shape)
        variants = _variants(regions.loc[region], language, probabilities.get(region))
        artists = {
            text: ax.annotate(
                text, shape.anchor, xytext=(0, 0), textcoords="offset points", ha="center",
                va="center", linespacing=1.0, zorder=6, **style,
            )
            for text in variants
        }  # fmt: skip
        sizes = {text: artist.get_window_extent(renderer) for text, artist in artists.items()}
        found = None
        for text, (dx, dy), fit in _candidates(variants):
            box = sizes[text].translated(dx * points, dy * points)
            centre = to_data.transform(((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2))
            if (
                (not fit or box.width <= room)
                and frame.contains(box.x0, box.y0)
                and frame.contains(box.x1, box.y1)
                and shapely.contains_xy(shape.shape, *centre)
                and not any(box.padded(2).overlaps(other) for other in placed)
            ):
                found = artists.pop(text)
                found.xyann = (dx, dy)
                break
        for unused in artists.values():
            unused.remove()
        if found is None:
            unlabelled.append(region)
            continue
        _halo(found)
        box = found.get_window_extent(renderer)
        placed.append(box)
        labels.append(DrawnLabel(region, found.get_text(), (box.x0, box.y0, box.x1, box.y1)))
    return labels, unlabelled


def _room(ax, shape: RegionShape) -> float:
    """The region's width (pixels) through its anchor: a name on one line wider than this
    would run over its neighbours."""
    x, y = shape.anchor
    west, _, east, _ = shape.shape.bounds
    across = shapely.intersection(shape.shape, shapely.LineString([(west, y), (east, y)]))
    parts = [p for p in shapely.get_parts(across) if p.geom_type == "LineString"]
    if not parts:
        return 0.0
    part = min(parts, key=lambda p: p.distance(shapely.Point(x, y)))
    (x0, _), (x1, _) = ax.transData.transform([(part.bounds[0], y), (part.bounds[2], y)])
    return float(x1 - x0)


#: Where a name may go (points from its anchor), nearest first.
OFFSETS = ((0, 0), (0, 7), (0, -7), (12, 0), (-12, 0), (0, 13), (0, -13))


def _candidates(variants: list[str]) -> list[tuple[str, tuple[int, int], bool]]:
    """(text, offset, whether it must fit the region's width): the name on one line where it
    fits the region, then on two lines, then on one line wherever it is free."""
    first, *others = variants
    if not others:
        return [(first, offset, False) for offset in OFFSETS]
    return [
        *((first, offset, True) for offset in OFFSETS),
        *((text, offset, False) for text in others for offset in OFFSETS),
        *((first, offset, False) for offset in OFFSETS),
    ]


def _variants(region, language: str, probability: float | None) -> list[str]:
    """A region's name as a label: the bulletin's language's part of a bilingual name
    ("Brabant en Brussel / Brabant et Bruxelles"), else the whole; on one line, then on two;
    with the ensemble probability of its level below."""
    parts = str(region["name"]).split(" / ")
    languages = list(region.get("languages", ()))
    if len(parts) > 1 and len(parts) == len(languages) and language in languages:
        name = parts[languages.index(language)]
    else:
        name = " / ".join(parts)
    options = [name]
    words = name.replace(" / ", "/ ").split(" ")
    if len(words) > 1:
        balance = [abs(2 * len(" ".join(words[:k])) - len(name)) for k in range(1, len(words))]
        half = 1 + balance.index(min(balance))  # the break nearest the middle
        options.append(" ".join(words[:half]) + "\n" + " ".join(words[half:]))
    if probability is not None:
        options = [f"{o}\np = {round(probability * 100)} %" for o in options]
    return options


def _halo(artist) -> None:
    from matplotlib import patheffects

    artist.set_path_effects([patheffects.withStroke(linewidth=1.8, foreground="white")])

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

LEVELLED_NAME, NAME = "#111111", "#4d4d4d"  # colours of names with and without a level


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
    drawn names with their pixel boxes, and the regions left without one.

    Candidates are boxes computed from each text's measured size (:func:`_size`, kept per
    process); only the names placed become artists."""
    from matplotlib.font_manager import FontProperties

    from pipeline.publishing.map_canvas import font_settings

    settings = font_settings()
    renderer = fig.canvas.get_renderer()
    frame = tuple(ax.get_window_extent(renderer).padded(-3).extents)
    (a, b, c), (d, e, f), _ = ax.transData.inverted().get_matrix()  # pixels -> degrees
    across = ax.transData.get_matrix()[0, 0]  # pixels per degree of longitude
    points = fig.dpi / 72  # pixels per point
    fonts = {True: FontProperties(size=7, weight="bold"), False: FontProperties(size=6)}
    names = regions["name"].to_dict()
    spoken = regions["languages"].to_dict() if "languages" in regions else {}
    placed, labels, unlabelled = [], [], []
    for region in order:
        shape = shapes[region]
        levelled = levels.get(region, "none") != "none"
        font = fonts[levelled]
        room = (shape.span[1] - shape.span[0]) * across
        x, y = ax.transData.transform(shape.anchor)
        found = None
        for text, (dx, dy), fit in _candidates(
            _variants(names[region], spoken.get(region, ()), language, probabilities.get(region))
        ):
            x0, y0, x1, y1 = _size(text, font, settings, fig, renderer)
            x0, x1 = x0 + x + dx * points, x1 + x + dx * points
            y0, y1 = y0 + y + dy * points, y1 + y + dy * points
            if (
                (not fit or x1 - x0 <= room)
                and frame[0] <= x0 and x1 <= frame[2] and frame[1] <= y0 and y1 <= frame[3]
                and not any(_overlap((x0, y0, x1, y1), other, 2) for other in placed)
                and shapely.contains_xy(
                    shape.shape, a * (x0 + x1) / 2 + b * (y0 + y1) / 2 + c,
                    d * (x0 + x1) / 2 + e * (y0 + y1) / 2 + f,
                )
            ):  # fmt: skip
                found = text, (dx, dy)
                break
        if found is None:
            unlabelled.append(region)
            continue
        artist = ax.annotate(
            found[0], shape.anchor, xytext=found[1], textcoords="offset points", ha="center",
            va="center", linespacing=1.0, zorder=6, fontproperties=font, annotation_clip=False,
            color=LEVELLED_NAME if levelled else NAME,
        )  # fmt: skip
        _halo(artist)
        box = artist.get_window_extent(renderer)
        placed.append(tuple(box.extents))
        labels.append(DrawnLabel(region, artist.get_text(), (box.x0, box.y0, box.x1, box.y1)))
    return labels, unlabelled


#: Text boxes (pixels, around the text's centre) by text, font and resolution.
_SIZES: dict = {}


def _size(text: str, font, settings: tuple, fig, renderer) -> tuple[float, ...]:
    """The box of ``text`` centred on (0, 0) in pixels, as a map's name draws it: measured
    once per process (text layout is most of what placing names costs)."""
    key = (text, font, fig.dpi, settings)
    if key not in _SIZES:
        from matplotlib.text import Text
        from matplotlib.transforms import IdentityTransform

        probe = Text(0, 0, text, ha="center", va="center", linespacing=1.0,
                     fontproperties=font, transform=IdentityTransform())  # fmt: skip
        probe.set_figure(fig)
        if len(_SIZES) >= 20_000:  # a bound, never reached by the regions' names
            _SIZES.clear()
        _SIZES[key] = tuple(probe.get_window_extent(renderer).extents)
    return _SIZES[key]


def _overlap(box, other, margin: float) -> bool:
    """Whether ``box`` widened by ``margin`` on each side overlaps ``other`` (x0, y0, x1, y1)."""
    return (
        box[0] - margin <= other[2] and other[0] <= box[2] + margin
        and box[1] - margin <= other[3] and other[1] <= box[3] + margin
    )  # fmt: skip


def crossing(shape, anchor: tuple[float, float]) -> tuple[float, float]:
    """West and east (degrees) of the part of ``shape`` crossed by the parallel through
    ``anchor`` nearest to it: a name on one line wider than this would run over the region's
    neighbours."""
    x, y = anchor
    west, _, east, _ = shape.bounds
    across = shapely.intersection(shape, shapely.LineString([(west, y), (east, y)]))
    parts = [p for p in shapely.get_parts(across) if p.geom_type == "LineString"]
    if not parts:
        return (x, x)
    part = min(parts, key=lambda p: p.distance(shapely.Point(x, y)))
    return (part.bounds[0], part.bounds[2])


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


def _variants(name, languages, language: str, probability: float | None) -> list[str]:
    """A region's name as a label: the bulletin's language's part of a bilingual name
    ("Brabant en Brussel / Brabant et Bruxelles"), else the whole; on one line, then on two;
    with the ensemble probability of its level below."""
    parts = str(name).split(" / ")
    languages = list(languages)
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

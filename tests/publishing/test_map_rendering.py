"""How a map's pixels become its PNG: the palette keeps flat colours exact and the edges near
theirs; the canvas that keeps text measurements and outlines per process draws exactly the
pixels of matplotlib's own Agg canvas, the first time and from its caches."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke
from PIL import Image

from pipeline.publishing.map_canvas import MapCanvas
from pipeline.publishing.map_png import palette_png

YELLOW, SEA, LAND = (0xFF, 0xDE, 0x00), (0xD6, 0xE8, 0xF5), (0xF4, 0xF2, 0xED)


def _picture() -> np.ndarray:
    """Flat blocks (yellow, sea, land: none of their channels a multiple of 4 throughout, the
    case Pillow's 6-bit palette lookup gets wrong) around a 64 x 64 gradient of 4096 colours,
    far more than a palette holds."""
    rgba = np.full((200, 300, 4), 255, np.uint8)
    rgba[:, :100, :3] = YELLOW
    rgba[:, 100:200, :3] = SEA
    rgba[:, 200:, :3] = LAND
    rows, cols = np.mgrid[0:64, 0:64]
    rgba[70:134, 118:182, 0] = 4 * cols + 1
    rgba[70:134, 118:182, 1] = 4 * rows + 2
    rgba[70:134, 118:182, 2] = 128
    return rgba


def test_flat_colours_keep_their_exact_values_and_edges_their_nearest():
    rgba = _picture()
    png = palette_png(rgba, ["#ffde00", "#d6e8f5", "#f4f2ed"], 200)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P" and image.size == (300, 200)
    assert image.info["dpi"] == pytest.approx((200, 200), abs=0.1)
    pixels = np.asarray(image.convert("RGB")).astype(int)
    original = rgba[..., :3].astype(int)
    flat = np.ones((200, 300), bool)
    flat[70:134, 118:182] = False
    assert np.array_equal(pixels[flat], original[flat])  # not one unit off
    # 4096 gradient colours share about 190 entries: some 20 colours, a patch of 5 x 5 steps of
    # 4 units, to an entry, up to about 10 units from it a channel; plus up to 4 units from
    # Pillow matching to 6 bits a channel and the unevenness of a sample: no edge pixel off by
    # a tenth of the range, on average at most half a patch's reach
    error = np.abs(pixels[~flat] - original[~flat])
    assert error.max() <= 24 and error.mean() <= 5
    assert palette_png(rgba, ["#ffde00", "#d6e8f5", "#f4f2ed"], 200) == png  # same bytes


def test_a_colour_drawn_flat_is_kept_exact_however_rare():
    rgba = _picture()
    # two pixels of a thin line's colour amid the gradient's nearly equal ones
    rgba[100, 150, :3] = rgba[5, 5, :3] = (0x43, 0x44, 0x80)
    png = palette_png(rgba, ["#434480"], 200)
    drawn = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    assert tuple(drawn[5, 5]) == tuple(drawn[100, 150]) == (0x43, 0x44, 0x80)


def _draw(canvas_class) -> tuple[np.ndarray, tuple[float, ...]]:
    figure = Figure(figsize=(3, 1.5), dpi=200)
    canvas = canvas_class(figure)
    figure.text(0.05, 0.8, "Kreis Euskirchen", fontsize=11, fontweight="bold")
    name = figure.text(0.05, 0.45, "Liège\np = 72 %", fontsize=7, linespacing=1.0)
    name.set_path_effects([withStroke(linewidth=1.8, foreground="white")])  # drawn as outlines
    figure.text(0.05, 0.1, "Kustwater Hoek van Holland", fontsize=6, color="#4d4d4d")
    for size, y in ((7, 0.3), (6, 0.15)):  # the same text in two fonts: measured apart
        same = figure.text(0.6, y, "Liège\np = 72 %", fontsize=size, fontweight="bold")
        same.set_path_effects([withStroke(linewidth=1.8, foreground="white")])
    canvas.draw()
    box = name.get_window_extent(canvas.get_renderer())
    return np.array(canvas.buffer_rgba()), tuple(box.extents)


def test_the_map_canvas_draws_the_pixels_of_matplotlibs_agg_canvas():
    agg = _draw(FigureCanvasAgg)
    first = _draw(MapCanvas)  # measured and outlined now (or by an earlier test)
    again = _draw(MapCanvas)  # from the canvas's caches
    for pixels, box in (first, again):
        assert np.array_equal(pixels, agg[0])
        assert box == agg[1]

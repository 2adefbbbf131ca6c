"""The Agg canvas the maps are drawn on: matplotlib's, with what its texts cost kept per process.

A run draws some forty maps with the same names, legend words and credits. Agg lays out every
text with FreeType to measure it, once per figure, and turns every name with a halo into glyph
outlines at every draw: that was half of a map's cost. Both depend only on the text, its font
and the resolution (and the font settings, part of the key), so they are kept here for the
process; the pixels drawn are the same as Agg's own.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.path import Path
from matplotlib.textpath import TextToPath

_FONT_SETTINGS = ("font.family", "font.sans-serif", "font.serif", "text.hinting",
                  "text.hinting_factor", "text.kerning_factor")  # fmt: skip
#: Bounds of the caches (entries): a run draws a few hundred texts; an outline is some 5 kB.
_OUTLINES_KEPT, _SIZES_KEPT = 2_000, 20_000


class MapCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer measures texts and builds their outlines once per process."""

    def get_renderer(self):
        width, height = self.get_width_height(physical=True)
        key = (width, height, self.figure.dpi)
        if getattr(self, "_renderer_key", None) != key:
            self.renderer = _Renderer(*key)
            self._renderer_key = key
        return self.renderer


class _Outlines(TextToPath):
    """Glyph outlines of a text (what a name with a halo is drawn from), kept per text."""

    def __init__(self):
        super().__init__()
        self._kept: dict = {}

    def get_text_path(self, prop, s, ismath=False, *, features=None, language=None):
        if ismath or features is not None or language is not None:
            return super().get_text_path(
                prop, s, ismath=ismath, features=features, language=language
            )
        key = (s, prop.copy(), font_settings())
        if key not in self._kept:
            verts, codes = super().get_text_path(prop, s)
            outline = (np.array(verts, float).reshape(-1, 2), np.array(codes, Path.code_type))
            for array in outline:
                array.flags.writeable = False  # shared by every draw of the text
            _keep(self._kept, key, outline, _OUTLINES_KEPT)
        return self._kept[key]


_OUTLINES = _Outlines()
_SIZES: dict = {}


class _Renderer(RendererAgg):
    """Agg's renderer, measuring and outlining each text once per process."""

    def __init__(self, width, height, dpi):
        super().__init__(width, height, dpi)
        self._text2path = _OUTLINES

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, prop.copy(), self.dpi, font_settings())
        if key not in _SIZES:
            _keep(_SIZES, key, super().get_text_width_height_descent(s, prop, ismath), _SIZES_KEPT)
        return _SIZES[key]


def font_settings() -> tuple:
    """The settings a text's layout depends on besides its font properties, as a cache key."""
    return tuple(str(mpl.rcParams[name]) for name in _FONT_SETTINGS)


def _keep(cache: dict, key, value, bound: int) -> None:
    if len(cache) >= bound:
        cache.clear()
    cache[key] = value

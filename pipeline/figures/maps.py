"""Maps for analysts: the regions coloured by warning level, and a forecast field under the
regions' outlines. Each function draws on the Axes it is given and returns it."""

from __future__ import annotations

import textwrap

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from pipeline.assessment.criteria import LEVELS
from pipeline.geo.grids import RegularGrid
from pipeline.publishing.maps import COLOURS

#: About 1 / cos(51°): shapes keep their proportions at the regions' latitudes.
ASPECT = 1 / 0.63


def label(name: str, width: int = 16) -> str:
    """A region's name as a map label: its first language version, wrapped."""
    return textwrap.fill(name.split(" / ")[0], width)


def level_handles(levels: pd.Series) -> list[Patch]:
    """Legend entries of the four levels, each with how many of ``levels`` it has."""
    counts = levels.value_counts()
    return [
        Patch(facecolor=COLOURS[name], edgecolor="0.3", label=f"{name} ({counts.get(name, 0)})")
        for name in LEVELS
    ]


def level_map(ax: Axes, regions: gpd.GeoDataFrame, levels: pd.Series, *, title: str) -> Axes:
    """``regions`` coloured by ``levels`` (region id -> level name; a region not in it: none),
    each labelled with its name, and a legend of the levels with their numbers of regions."""
    shown = levels.reindex(regions.index).fillna("none")
    unknown = sorted(set(shown) - set(LEVELS))
    if unknown:
        raise ValueError(f"levels {unknown} are not warning levels: expected one of {LEVELS}")
    regions.plot(ax=ax, color=shown.map(COLOURS), edgecolor="0.3", linewidth=0.4)
    for region_id, point in regions.representative_point().items():
        ax.annotate(
            label(regions.loc[region_id, "name"]), (point.x, point.y),
            fontsize=5, ha="center", va="center",
        )  # fmt: skip
    ax.legend(handles=level_handles(shown), title="level (regions)", loc="upper left", fontsize=8)
    ax.set_aspect(ASPECT)
    ax.set_title(title)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    return ax


def field_map(
    ax: Axes,
    values: np.ndarray,
    grid: RegularGrid,
    regions: gpd.GeoDataFrame,
    *,
    label: str,
    title: str,
    cmap: str = "viridis",
    margin_deg: float = 0.5,
) -> Axes:
    """A field on a regular grid around ``regions`` (their bounds plus ``margin_deg``), the
    regions' outlines over it and a colourbar named ``label`` (say the unit in it)."""
    if not isinstance(grid, RegularGrid):
        raise ValueError("field_map draws fields on regular latitude-longitude grids only")
    if values.shape != grid.shape:
        raise ValueError(f"values of shape {values.shape} on a grid of shape {grid.shape}")
    west, south, east, north = regions.total_bounds
    lats, lons = grid.latitudes, grid.longitudes
    rows = (lats >= south - margin_deg) & (lats <= north + margin_deg)
    cols = (lons >= west - margin_deg) & (lons <= east + margin_deg)
    if not rows.any() or not cols.any():
        raise ValueError("the grid does not reach the regions: nothing to draw")
    mesh = ax.pcolormesh(
        lons[cols], lats[rows], values[np.ix_(rows, cols)], shading="nearest", cmap=cmap
    )
    regions.boundary.plot(ax=ax, color="white", linewidth=0.5)
    ax.figure.colorbar(mesh, ax=ax, label=label, shrink=0.8)
    ax.set_aspect(ASPECT)
    ax.set_title(title)
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    return ax

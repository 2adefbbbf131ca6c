"""The analysts' maps: what a reader sees (colours, legend, names, colourbar) is checked on the
drawn matplotlib artists."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from shapely.geometry import box

from pipeline.figures.maps import field_map, level_map
from pipeline.geo.grids import RegularGrid, UnstructuredRef
from pipeline.publishing.maps import COLOURS


@pytest.fixture
def regions() -> gpd.GeoDataFrame:
    """Two regions side by side: 5.2-5.5 °E and 5.5-5.8 °E, 51.2-51.8 °N."""
    return gpd.GeoDataFrame(
        {"name": ["Alpha / Alfa", "Beta"], "country": ["BE", "NL"]},
        geometry=[box(5.2, 51.2, 5.5, 51.8), box(5.5, 51.2, 5.8, 51.8)],
        index=pd.Index(["AA001", "BB001"], name="region"),
        crs="EPSG:4326",
    )


def _axes():
    fig = Figure()
    return fig, fig.add_subplot()


def test_level_map_colours_names_and_counts_every_region(regions):
    _, ax = _axes()
    level_map(ax, regions, pd.Series({"AA001": "orange"}), title="wind")
    faces = [tuple(c) for c in ax.collections[0].get_facecolor()]
    assert faces == [to_rgba(COLOURS["orange"]), to_rgba(COLOURS["none"])]  # BB001: no event
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "level (regions)"
    assert [t.get_text() for t in legend.get_texts()] == [
        "none (1)", "yellow (0)", "orange (1)", "red (0)",
    ]  # fmt: skip
    assert [tuple(p.get_facecolor()) for p in legend.get_patches()] == [
        to_rgba(COLOURS[level]) for level in ("none", "yellow", "orange", "red")
    ]
    # Each region named (its first language version) inside its outline.
    labels = {t.get_text(): t.xy for t in ax.texts}
    assert set(labels) == {"Alpha", "Beta"}
    assert 5.2 < labels["Alpha"][0] < 5.5 and 5.5 < labels["Beta"][0] < 5.8
    assert ax.get_title() == "wind"


def test_level_map_refuses_a_level_that_is_none_of_the_four(regions):
    _, ax = _axes()
    with pytest.raises(ValueError, match=r"levels \['amber'\] are not warning levels"):
        level_map(ax, regions, pd.Series({"AA001": "amber"}), title="wind")


def test_field_map_draws_the_field_around_the_regions_with_a_named_colourbar(regions):
    """A 5 x 5 grid of 1° cells from 50 °N 4 °E: the regions' bounds plus 0.5° (50.7-52.3 °N,
    4.7-6.3 °E) hold the centres at 51 and 52 °N, 5 and 6 °E."""
    grid = RegularGrid(lat0=50.0, lon0=4.0, dlat=1.0, dlon=1.0, nlat=5, nlon=5)
    values = np.arange(25.0).reshape(5, 5)  # row i: latitude 50 + i
    fig, ax = _axes()
    field_map(ax, values, grid, regions, label="wind gust (km/h)", title="gust")
    mesh = ax.collections[0]
    assert np.asarray(mesh.get_array()).reshape(2, 2).tolist() == [[6.0, 7.0], [11.0, 12.0]]
    colourbar = fig.axes[-1]
    assert colourbar is not ax and colourbar.get_ylabel() == "wind gust (km/h)"
    outlines = ax.collections[1]
    assert len(outlines.get_segments()) == 2  # both regions' boundaries over the field


def test_field_map_refuses_fields_it_cannot_place(regions):
    _, ax = _axes()
    grid = RegularGrid(lat0=50.0, lon0=4.0, dlat=1.0, dlon=1.0, nlat=5, nlon=5)
    with pytest.raises(ValueError, match=r"shape \(4, 5\) on a grid of shape \(5, 5\)"):
        field_map(ax, np.zeros((4, 5)), grid, regions, label="x", title="x")
    cells = UnstructuredRef(npoints=25, number=47, uuid="0" * 32)
    with pytest.raises(ValueError, match="regular latitude-longitude grids only"):
        field_map(ax, np.zeros(25), cells, regions, label="x", title="x")
    far = RegularGrid(lat0=40.0, lon0=20.0, dlat=1.0, dlon=1.0, nlat=5, nlon=5)
    with pytest.raises(ValueError, match="does not reach the regions"):
        field_map(ax, np.zeros((5, 5)), far, regions, label="x", title="x")

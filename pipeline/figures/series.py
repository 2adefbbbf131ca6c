"""Time series for analysts: hourly levels per region, an ensemble plume against the
authority's thresholds, and the members' share reaching each level. Levels and shares come from
:mod:`pipeline.assessment.levels`, as the assessment computes them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap

from pipeline.assessment.criteria import LEVELS, AuthorityCriteria, HazardCriteria
from pipeline.assessment.levels import assess_levels, member_share
from pipeline.figures.maps import label, level_handles
from pipeline.publishing.maps import COLOURS
from pipeline.units import TO_CANONICAL


def reference_time(stats: xr.Dataset) -> datetime:
    """The run's reference time, from its statistics."""
    return datetime.fromisoformat(stats.attrs["reference_time"])


def own_levels(
    stats: xr.Dataset,
    criteria: dict[str, AuthorityCriteria],
    countries: Mapping[str, str],
    hazard: str,
) -> xr.DataArray:
    """The hourly level (0 none .. 3 red) of each region under its own country's criteria."""
    cube = assess_levels(stats, criteria, hazard, reference_time=reference_time(stats))["level"]
    regions = cube["region"]
    own = xr.DataArray(
        [countries[str(r)] for r in regions.values], dims="region", coords={"region": regions}
    )
    return cube.sel(criteria=own).drop_vars("criteria")


def _hour_edges(valid_time: xr.DataArray) -> np.ndarray:
    """Edges of the hours that end at each valid time (statistics describe the hour before)."""
    times = valid_time.values
    return np.concatenate([[times[0] - np.timedelta64(1, "h")], times])


def level_timeline(ax: Axes, levels: xr.DataArray, names: Mapping[str, str], *, title: str) -> Axes:
    """One row per region that reaches yellow at some hour (``levels`` as from
    :func:`own_levels`; ``names``: region id -> name), one column per hour, coloured by level,
    with a legend of the levels."""
    warned = levels.sel(region=levels.max("valid_time") > 0)
    cmap = ListedColormap([COLOURS[name] for name in LEVELS])
    norm = BoundaryNorm(np.arange(len(LEVELS) + 1) - 0.5, len(LEVELS))
    grid = warned.transpose("region", "valid_time").values
    ax.pcolormesh(
        _hour_edges(warned["valid_time"]), np.arange(len(grid) + 1), grid,
        cmap=cmap, norm=norm, edgecolors="white", linewidth=0.2,
    )  # fmt: skip
    ax.set_yticks(np.arange(len(grid)) + 0.5)
    ax.set_yticklabels(
        [f"{r} {label(names[str(r)], 60)}" for r in warned["region"].values], fontsize=6
    )
    ax.invert_yaxis()
    hours = pd.Series(grid.ravel()).map(dict(enumerate(LEVELS)))
    ax.legend(
        handles=level_handles(hours), title="level (region-hours)", fontsize=8,
        loc="upper left", bbox_to_anchor=(1.01, 1),
    )  # fmt: skip
    ax.set_xlabel("valid time (UTC, end of the hour)")
    ax.set_title(title)
    return ax


def peak_step(stats: xr.Dataset, variable: str = "wind_gust") -> int:
    """The forecast step (hours) of the highest regional maximum of ``variable``."""
    peak = stats[f"{variable}_max"].max(("region", "member")).argmax("valid_time")
    return int(stats["step_hours"].values[int(peak)])


def plume(ax: Axes, values: xr.DataArray, table: HazardCriteria, *, month: int, title: str) -> Axes:
    """Every member of ``values`` (valid_time, member; canonical unit) as a thin line, their
    median and 10-90 % range, in ``table``'s unit, and the threshold of each of its hourly
    levels in ``month`` as a dashed line in the level's colour."""
    shown = values / TO_CANONICAL[table.unit]
    times = shown["valid_time"].values
    for i, member in enumerate(shown["member"].values):
        ax.plot(times, shown.sel(member=member), color="0.6", linewidth=0.6,
                label="members" if i == 0 else None)  # fmt: skip
    low, high = shown.quantile([0.1, 0.9], dim="member")
    ax.fill_between(times, low, high, color="tab:blue", alpha=0.2, label="10-90 % of members")
    ax.plot(times, shown.median("member"), color="tab:blue", linewidth=2, label="median")
    for name, rule in table.levels.items():
        if rule.threshold is None or rule.persistence:
            continue
        value = rule.threshold_on(month)
        ax.axhline(value, color=COLOURS[name], linestyle="--", linewidth=1.5,
                   label=f"{name}: {table.comparison(name)} {value:g} {table.unit}")  # fmt: skip
    ax.set_ylabel(table.unit)
    ax.set_xlabel("valid time (UTC)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def level_shares(stats: xr.Dataset, table: HazardCriteria) -> dict[str, xr.DataArray]:
    """Per hourly level of ``table``, the share of members meeting its area rule, per
    (region, valid_time): the ensemble probability of that level."""
    fractions = stats[f"{table.variable}_fraction_{table.direction}"].rename(
        {f"{table.variable}_threshold": "threshold"}
    )
    return {
        name: member_share(fractions, table, name)
        for name, rule in table.levels.items()
        if rule.threshold is not None and not rule.persistence
    }


def probability_plot(
    ax: Axes, shares: Mapping[str, xr.DataArray], table: HazardCriteria, *, title: str
) -> Axes:
    """Each level's probability over time (``shares`` of one region, as from
    :func:`level_shares`) and, dotted, the probability the authority's criteria require."""
    for name, share in shares.items():
        ax.step(share["valid_time"].values, share.values, where="pre", color=COLOURS[name],
                linewidth=2, label=f"P({name})")  # fmt: skip
    needed: dict[float, list[str]] = {}
    for name in shares:
        needed.setdefault(table.levels[name].min_probability, []).append(name)
    for probability, names in needed.items():
        ax.axhline(probability, color="0.3", linestyle=":", linewidth=1,
                   label=f"{', '.join(names)}: needs p ≥ {probability:g}")  # fmt: skip
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("share of members")
    ax.set_xlabel("valid time (UTC, end of the hour)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return ax

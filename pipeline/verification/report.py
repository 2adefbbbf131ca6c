"""The verification report: ``index.html`` with its plots beside it, and the CSV tables.

Plots (matplotlib, PNG without timestamps, so a rerun writes identical files): POD, FAR and
CSI per hazard and level; the reliability diagram of the ensembles; maps of hits, misses and
false alarms per region at "yellow or higher". Every number in the HTML comes from the CSV
tables beside it.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import pandas as pd

from pipeline.assessment.criteria import LEVELS
from pipeline.files import write_bytes_atomic
from pipeline.verification.skill import contingency
from pipeline.verification.verify import Verification, write_csv

PNG_METADATA = {"Software": None}


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110)


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata=PNG_METADATA, bbox_inches="tight")
    return buffer.getvalue()


def scores_plot(pairs: pd.DataFrame) -> bytes:
    """POD, FAR and CSI per hazard and level, over all lead times."""
    summed = contingency(pairs, ["hazard", "level"])
    summed = summed[summed[["hits", "misses", "false_alarms"]].sum(axis=1) > 0]  # something seen
    rank = {name: i for i, name in enumerate(LEVELS)}
    summed = summed.sort_values(
        ["hazard", "level"], key=lambda c: c.map(rank) if c.name == "level" else c, ascending=False
    )
    fig = _figure(8, 1.0 + 0.35 * max(1, len(summed)))
    ax = fig.add_subplot()
    labels = [f"{h} ≥ {lv}" for h, lv in zip(summed["hazard"], summed["level"], strict=True)]
    pod, far, csi = summed["pod"], summed["far"], summed["csi"]
    y = range(len(summed))
    for offset, (name, values) in enumerate((("POD", pod), ("FAR", far), ("CSI", csi))):
        ax.barh([i + (offset - 1) * 0.25 for i in y], values.fillna(0), height=0.25, label=name)
    ax.set_yticks(list(y), labels)
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (0 to 1; FAR: lower is better)")
    ax.legend(loc="lower right")
    ax.set_title("Warnings against observations, all lead times")
    return _png(fig)


def reliability_plot(table: pd.DataFrame) -> bytes:
    fig = _figure(5, 5)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect reliability")
    for level in LEVELS[1:]:
        rows = table[table["level"] == level]
        if not rows.empty:
            ax.plot(rows["forecast"], rows["observed"], marker="o", label=f"≥ {level}")
    ax.set_xlabel("forecast probability")
    ax.set_ylabel("observed frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    ax.set_title("Reliability (ensembles)")
    return _png(fig)


def outcome_map(pairs: pd.DataFrame, regions) -> bytes:
    """Hits, misses and false alarms per region for "yellow or higher"."""
    forecast, observed = pairs["forecast_level"] >= 1, pairs["observed_level"] >= 1
    per_region = (
        pairs.assign(
            hits=forecast & observed, misses=~forecast & observed, false_alarms=forecast & ~observed
        )
        .groupby("region")[["hits", "misses", "false_alarms"]]
        .sum()
    )
    shapes = regions.join(per_region, how="left")
    fig = _figure(12, 4.6)
    for i, (name, cmap) in enumerate(
        (("hits", "Greens"), ("misses", "Reds"), ("false_alarms", "Oranges")), start=1
    ):
        ax = fig.add_subplot(1, 3, i)
        shapes.plot(ax=ax, color="#eeeeee", edgecolor="#999999", linewidth=0.3)
        known = shapes[shapes[name].notna()]
        if not known.empty:
            top = max(1, int(known[name].max()))
            known.plot(column=name, ax=ax, cmap=cmap, edgecolor="#555555", linewidth=0.3,
                       legend=True, vmin=0, vmax=top, legend_kwds={"shrink": 0.6})  # fmt: skip
        ax.set_title(f"{name.replace('_', ' ')} (≥ yellow)")
        ax.set_axis_off()
    fig.suptitle("Region-days per region; grey: no observation to pair with")
    return _png(fig)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.3f}", na_rep="–", border=0)


def write_report(result: Verification, regions, out: Path, *, title: str) -> Path:
    """Write ``index.html``, its plots and the CSV tables into ``out``; return the page."""
    write_csv(result, out)
    rank = {name: i for i, name in enumerate(LEVELS)}
    table = result.contingency.sort_values(
        ["country", "hazard", "level", "lead"],
        key=lambda c: c.map(rank) if c.name == "level" else c,
    )
    plots = {"scores.png": scores_plot(result.pairs)} if not table.empty else {}
    if not result.reliability.empty:
        plots["reliability.png"] = reliability_plot(result.reliability)
    if not result.pairs.empty:
        plots["map.png"] = outcome_map(result.pairs, regions)
    for name, data in plots.items():
        write_bytes_atomic(out / name, data)
    images = "".join(f'<p><img src="{n}" alt="{n[:-4]}" style="max-width:100%"></p>' for n in plots)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:auto}}table{{border-collapse:collapse}}
td,th{{padding:2px 8px;text-align:right}}th{{background:#eee}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>crosswarn's warnings (its encoding of each authority's criteria applied to model forecasts)
against observed levels under the same criteria. These are crosswarn's scores, not an
authority's verification. {len(result.pairs)} region-days paired; a pair is a run's level for a
region, hazard and local day under the region's own authority against the highest level
observed that day. Tables as CSV beside this page
(<a href="contingency.csv">contingency</a>, <a href="brier.csv">Brier</a>,
<a href="reliability.csv">reliability</a>, <a href="pairs.csv">pairs</a>,
<a href="observed_levels.csv">observed levels</a>).</p>
{images}
<h2>Contingency tables and scores per country, hazard, level and lead time</h2>
{_table(table)}
<h2>Brier score (ensembles)</h2>
{_table(result.brier) if not result.brier.empty else "<p>No ensemble runs in the period.</p>"}
</body></html>
"""
    target = out / "index.html"
    write_bytes_atomic(target, page.encode())
    return target

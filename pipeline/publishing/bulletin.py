"""The consultation bulletin: one per trigger, an HTML page per language and a PNG map.

The page holds a summary, the map of the affected regions coloured by level, a table of
regions with times (local, like the texts), values, levels and criteria mismatches, and the
crisis cells to convene. Everything is escaped; output is byte-identical for identical input (no
timestamps).
"""

from __future__ import annotations

import functools
import html
import io
from collections.abc import Mapping
from datetime import datetime

import numpy as np

from pipeline.assessment.criteria import AuthorityCriteria
from pipeline.publishing.amounts import peak_text
from pipeline.publishing.texts import LEVEL_NAMES, local_time_text, trigger_texts

COLOURS = {"none": "#d9d9d9", "yellow": "#ffde00", "orange": "#ff9900", "red": "#e3001b"}

_LABELS = {
    "nl": ("Regio", "Land", "Niveau", "Van", "Tot", "Piek", "Verschillen tussen criteria",
           "Te beleggen crisiscellen", "Kaart van de getroffen regio's"),
    "fr": ("Région", "Pays", "Niveau", "De", "À", "Pic", "Écarts entre critères",
           "Cellules de crise à réunir", "Carte des régions touchées"),
    "de": ("Region", "Land", "Stufe", "Von", "Bis", "Spitze", "Abweichungen der Kriterien",
           "Einzuberufende Krisenstäbe", "Karte der betroffenen Regionen"),
    "en": ("Region", "Country", "Level", "From", "To", "Peak", "Criteria mismatches",
           "Crisis cells to convene", "Map of the affected regions"),
}  # fmt: skip


def render_map_png(regions, levels: dict[str, str], title: str) -> bytes:
    """The in-scope regions in grey, the trigger's regions coloured by level."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A bare Figure on the Agg canvas: no pyplot state, no axis ticks to lay out (they are off).
    fig = Figure(figsize=(7, 7), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.9))
    ax.set_axis_off()
    from matplotlib.collections import PathCollection

    colours = [COLOURS[levels.get(r, "none")] for r in regions.index]
    paths, labels = _outlines(tuple(regions.index), tuple(regions.geometry.to_wkb()))
    ax.add_collection(
        PathCollection(paths, facecolors=colours, edgecolors="#404040", linewidths=0.4)
    )
    ax.autoscale_view()
    for region_id in sorted(levels):
        x, y = labels[region_id]
        ax.annotate(region_id, (x, y), fontsize=6, ha="center", va="center")
    ax.set_title(title, fontsize=10)
    ax.set_aspect(1 / 0.63)  # about cos(51°): keeps shapes true at these latitudes
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


@functools.lru_cache(maxsize=4)
def _outlines(ids: tuple[str, ...], shapes: tuple[bytes, ...]):
    """Each region's outline as one matplotlib path (holes included) and its label point:
    built once per process for the regions, then only recoloured per map."""
    import shapely
    from matplotlib.path import Path

    paths, labels = [], {}
    for region_id, wkb in zip(ids, shapes, strict=True):
        shape = shapely.from_wkb(wkb)
        rings = [
            np.asarray(ring.coords)[:, :2]
            for polygon in shapely.get_parts(shape)
            if polygon.geom_type == "Polygon" and not polygon.is_empty
            for ring in (polygon.exterior, *polygon.interiors)
        ]
        paths.append(Path.make_compound_path(*(Path(r, closed=True) for r in rings)))
        point = shape.representative_point()
        labels[region_id] = (point.x, point.y)
    return paths, labels


def render_bulletin_html(
    trigger: dict,
    language: str,
    *,
    regions,
    events: list[dict],
    cells: list[dict],
    map_file: str,
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
    cancelled: bool = False,
) -> str:
    """One language's bulletin page (``events``: the trigger's region events as dicts; the
    others as for :func:`pipeline.publishing.texts.trigger_texts`)."""
    texts = _texts(trigger, language, cells=cells, criteria=criteria, status=status,
                   cancelled=cancelled)  # fmt: skip
    labels = _LABELS[language]
    colour = dict(zip(LEVEL_NAMES["en"], LEVEL_NAMES[language], strict=True))
    e = html.escape

    def when(value: str) -> str:
        return e(local_time_text(language, datetime.fromisoformat(value)))

    rows = []
    for event in sorted(events, key=lambda ev: (ev["country"], ev["region"])):
        level = event.get("published_level", event["peak_level_name"])
        peak = peak_text(language, trigger["hazard"], event["peak_value"])
        rows.append(
            "<tr>"
            f"<td>{e(str(regions.loc[event['region'], 'name']))} ({e(event['region'])})</td>"
            f"<td>{e(event['country'])}</td>"
            f'<td style="background:{COLOURS[level]}">{e(colour[level])}</td>'
            f"<td>{when(event['onset'])}</td>"
            f"<td>{when(event['expiry'])}</td>"
            f"<td>{e(peak)}</td>"
            f"<td>{e('; '.join(event.get('criteria_mismatches', [])))}</td>"
            "</tr>"
        )
    cell_items = "".join(
        f"<li>{e(c['name'])} &lt;{e(c['address'].removeprefix('mailto:'))}&gt;</li>" for c in cells
    )
    header = "".join(f"<th>{e(label)}</th>" for label in labels[:7])
    return (
        f'<!DOCTYPE html>\n<html lang="{e(language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(texts['headline'])}</title>\n"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.3em}</style>\n"
        "</head>\n<body>\n"
        f"<h1>{e(texts['headline'])}</h1>\n"
        f"<p>{e(texts['description'])}</p>\n<p><strong>{e(texts['instruction'])}</strong></p>\n"
        f'<figure><img src="{e(map_file)}" alt="{e(labels[8])}" width="700">'
        f"<figcaption>{e(labels[8])}</figcaption></figure>\n"
        f"<table>\n<tr>{header}</tr>\n" + "\n".join(rows) + "\n</table>\n"
        f"<h2>{e(labels[7])}</h2>\n<ul>{cell_items}</ul>\n"
        f"<p><small>crosswarn trigger {e(trigger['id'])}</small></p>\n</body>\n</html>\n"
    )


def bulletin_title(
    trigger: dict,
    language: str,
    *,
    cells: list[dict],
    criteria: Mapping[str, AuthorityCriteria],
    status: str,
    cancelled: bool = False,
) -> str:
    """The bulletin's title (its headline) in ``language``: the crisis cells' mail subject."""
    texts = _texts(trigger, language, cells=cells, criteria=criteria, status=status,
                   cancelled=cancelled)  # fmt: skip
    return texts["headline"]


def _texts(trigger: dict, language: str, *, cells: list[dict], **wording) -> dict:
    return trigger_texts(language, trigger, cells=[c["name"] for c in cells], **wording)

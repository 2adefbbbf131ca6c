"""More than one model for a region: how their warning events combine.

The rule (used by the consultation DAG): per region and hazard, events of different models
that overlap in time form one combined event, from the earliest onset to the latest expiry,
at the **highest level any model gives**, each model named with its own peak level
(``models``). Among models at that level, an ensemble (its probability known) is preferred
for the peak time, value and probability; otherwise the earliest peak. The level under each
authority's criteria is the highest over the models too, so criteria mismatches carry over,
and so is a consultation recommendation (any model reaching a consultation-only level's proxy).
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.assessment.events import Event


def combine_events(by_model: dict[str, list[Event]]) -> list[Event]:
    """Combined events of all models (see the module docstring)."""
    tagged = sorted(
        ((model, e) for model, events in by_model.items() for e in events),
        key=lambda item: (item[1].region, item[1].hazard, item[1].onset, item[0]),
    )
    combined: list[Event] = []
    cluster: list[tuple[str, Event]] = []
    for model, event in tagged:
        if cluster and (
            (event.region, event.hazard) != (cluster[0][1].region, cluster[0][1].hazard)
            or event.onset >= max(e.expiry for _, e in cluster)
        ):
            combined.append(_merge(cluster))
            cluster = []
        cluster.append((model, event))
    if cluster:
        combined.append(_merge(cluster))
    return combined


def _merge(cluster: list[tuple[str, Event]]) -> Event:
    top = max(e.peak_level for _, e in cluster)
    leaders = [(m, e) for m, e in cluster if e.peak_level == top]
    _, lead = min(leaders, key=lambda item: (item[1].probability is None, item[1].peak_time))
    models: dict[str, int] = {}
    criteria: dict[str, int] = {}
    for model, event in cluster:
        models[model] = max(models.get(model, 0), event.peak_level)
        for country, level in event.levels_by_criteria.items():
            criteria[country] = max(criteria.get(country, 0), level)
    return replace(
        lead,
        onset=min(e.onset for _, e in cluster),
        expiry=max(e.expiry for _, e in cluster),
        timeline=(),
        levels_by_criteria=criteria,
        models=dict(sorted(models.items())),
        consultation_level=max(e.consultation_level for _, e in cluster),
    )


def combine_levels(
    by_model: list[dict[str, dict[str, dict[str, int]]]],
) -> dict[str, dict[str, dict[str, int]]]:
    """Peak levels (hazard -> region -> country -> level) of several models: the highest."""
    merged: dict[str, dict[str, dict[str, int]]] = {}
    for levels in by_model:
        for hazard, by_region in levels.items():
            for region, by_criteria in by_region.items():
                into = merged.setdefault(hazard, {}).setdefault(region, {})
                for country, level in by_criteria.items():
                    into[country] = max(into.get(country, 0), level)
    return merged

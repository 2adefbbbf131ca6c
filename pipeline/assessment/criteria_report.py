"""The criteria side by side, with their sources: ``crosswarn criteria``.

Answers "why is it orange here and yellow across the border?": per hazard, each authority's
rule per level (threshold, comparison, area rule, certainty, lead time, seasons, persistence,
consultation-only), how firm each number is (published / secondary / crosswarn proxy) and the
publications it comes from.
"""

from __future__ import annotations

import pandas as pd

from pipeline.assessment.criteria import HAZARDS, LEVELS, AuthorityCriteria, HazardCriteria

BASIS_WORDS = {
    "published": "published by the authority",
    "secondary": "secondary source (press or third party restating the authority)",
    "proxy": "crosswarn proxy: no authority published this number",
}


def _level_record(
    authority: AuthorityCriteria, table: HazardCriteria, name: str
) -> dict[str, object]:
    rule = table.levels[name]  # type: ignore[index]
    area = table.area_of(name) if rule.computed else None  # type: ignore[arg-type]
    return {
        "level": name,
        "computed": rule.computed,
        "consultation_only": rule.consultation_only,
        "threshold": rule.threshold,
        "comparison": table.comparison(name),  # type: ignore[arg-type]
        "unit": table.unit,
        "seasons": [s.model_dump() for s in rule.seasons],
        "persistence": [p.model_dump() for p in rule.persistence],
        "area": None
        if area is None
        else area.model_dump(exclude={"sources"})
        | {
            "text": area.describe(),
            "sources": [
                {"id": s} | authority.sources[s].model_dump(mode="json") for s in area.sources
            ],
        },
        "min_probability": rule.min_probability,
        "max_lead_hours": rule.max_lead_hours,
        "basis": rule.basis,
        "note": rule.note,
        "event": dict(rule.event),
        "sources": [{"id": s} | authority.sources[s].model_dump(mode="json") for s in rule.sources],
    }


def criteria_records(
    criteria: dict[str, AuthorityCriteria], authority: str | None = None
) -> list[dict[str, object]]:
    """One record per authority: its hazards and levels with resolved sources, and what it
    does not assess and why."""
    chosen = [
        a
        for a in sorted(criteria.values(), key=lambda a: a.authority)
        if authority is None or authority.lower() in (a.authority.lower(), a.country.lower())
    ]
    return [
        {
            "authority": a.authority,
            "country": a.country,
            "official_warnings": a.web,
            "level_mapping": a.level_mapping,
            "notes": a.notes,
            "hazards": {
                hazard: {
                    "variable": table.variable,
                    "direction": table.direction,
                    "awareness_type": HAZARDS[hazard].awareness_type,
                    "notes": table.notes,
                    "levels": [
                        _level_record(a, table, name) for name in LEVELS[1:] if name in table.levels
                    ],
                }
                for hazard, table in a.hazards.items()
            },
            "not_assessed": {
                hazard: {
                    "reason": entry.reason,
                    "sources": [
                        {"id": s} | a.sources[s].model_dump(mode="json") for s in entry.sources
                    ],
                }
                for hazard, entry in a.not_assessed.items()
            },
        }
        for a in chosen
    ]


def _rule_text(level: dict) -> str:
    if not level["computed"]:
        return "decided on impact by the authority (no number); crosswarn never issues it"
    if level["persistence"]:
        value = " or ".join(
            f"{p['days']} {'day' if p['days'] == 1 else 'days'} in a row "
            f"{level['comparison']} {p['threshold']:g}"
            for p in level["persistence"]
        )
    else:
        value = f"{level['comparison']} {level['threshold']:g}"
        for season in level["seasons"]:
            months = ",".join(str(m) for m in season["months"])
            proxy = ", months a crosswarn proxy" if season["months_basis"] == "proxy" else ""
            value += f" ({season['name']}, months {months}{proxy}: {season['threshold']:g})"
    shown = f"{value} {level['unit']}"
    if level["unit"] == "1":  # a flag: the phenomenon is present where it is 1
        shown = "present (model flag)"
    parts = [
        shown,
        level["area"]["text"] + (" (crosswarn proxy)" if level["area"]["basis"] == "proxy" else ""),
        f"p >= {level['min_probability']:g}",
    ]
    if level["max_lead_hours"]:
        parts.append(f"<= {level['max_lead_hours']} h ahead")
    text = ", ".join(parts)
    if level["consultation_only"]:
        text += "; consultation only: crosswarn recommends consulting the authority"
    return text


def authority_table(records: list[dict]) -> pd.DataFrame:
    """One row per authority (``records`` as from :func:`criteria_records`): its country, where
    its official warnings are, and how its levels map to yellow, orange and red."""
    rows = [
        {
            "authority": r["authority"],
            "country": r["country"],
            "official warnings": r["official_warnings"],
            "levels": r["level_mapping"],
        }
        for r in records
    ]
    columns = ["authority", "country", "official warnings", "levels"]
    return pd.DataFrame(rows, columns=columns).set_index("authority")


#: How a level's number is marked in :func:`criteria_table` by its basis.
BASIS_MARKS = {"published": "", "secondary": " [secondary source]", "proxy": " [crosswarn proxy]"}


def criteria_table(records: list[dict], hazard: str) -> pd.DataFrame:
    """One hazard's rules side by side: a row per authority (``records`` as from
    :func:`criteria_records`), the variable it reads and a column per level with the rule in
    the authority's unit; numbers no authority published are marked as crosswarn proxies."""
    rows = []
    for record in records:
        table = record["hazards"].get(hazard)
        row = {"authority": f"{record['authority']} ({record['country']})"}
        if table is None:
            reason = record["not_assessed"].get(hazard, {}).get("reason", "no criteria")
            row["reads"] = f"not assessed: {reason}"
        else:
            row["reads"] = table["variable"]
            for level in table["levels"]:
                row[level["level"]] = _rule_text(level) + BASIS_MARKS[level["basis"]]
        rows.append(row)
    columns = ["authority", "reads", *LEVELS[1:]]
    return pd.DataFrame(rows, columns=columns).set_index("authority").fillna("-")


def format_criteria(records: list[dict]) -> str:
    """Per hazard, every authority's levels in a block; sources listed per authority."""
    lines: list[str] = []
    for hazard in HAZARDS:
        rows = [(r, r["hazards"].get(hazard)) for r in records]
        if not any(table for _, table in rows) and not any(
            hazard in r["not_assessed"] for r in records
        ):
            continue
        lines.append(f"== {hazard} ({HAZARDS[hazard].awareness_type})")
        for record, table in rows:
            name = f"{record['authority']} ({record['country']})"
            if table is None:
                reason = record["not_assessed"].get(hazard, {}).get("reason", "no criteria")
                lines.append(f"  {name}: not assessed: {reason}")
                continue
            lines.append(f"  {name}, reads {table['variable']}:")
            for level in table["levels"]:
                ids = ", ".join(s["id"] for s in level["sources"]) or "-"
                lines.append(f"    {level['level']:<7} {_rule_text(level)}")
                lines.append(f"            [{BASIS_WORDS[level['basis']]}; sources: {ids}]")
        lines.append("")
    lines.append("== sources")
    for record in records:
        lines.append(f"  {record['authority']}: official warnings {record['official_warnings']}")
        cited = {
            s["id"]: s
            for table in record["hazards"].values()
            for level in table["levels"]
            for s in [*level["sources"], *(level["area"] or {}).get("sources", [])]
        } | {s["id"]: s for entry in record["not_assessed"].values() for s in entry["sources"]}
        for sid, source in sorted(cited.items()):
            kind = "" if source["kind"] == "authority" else " [secondary]"
            lines.append(
                f"    {sid}: {source['title']}, {source['publisher']}, {source['published']}, "
                f"{source['url']} (read {source['read']}){kind}"
            )
    return "\n".join(lines)

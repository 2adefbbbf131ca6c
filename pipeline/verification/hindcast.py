"""Hindcast: real observed events judged by each authority's criteria, against its real warnings.

The KNMI daily sample (2019 heat, July 2021 rain, February 2022 storms) gives, per authority,
region, day and hazard, the *observed* level under crosswarn's encoding of the authority's
criteria (:mod:`pipeline.verification.observed`, the forecasts' own criteria objects). The
table ``regions/verification/official_warnings.csv`` gives the level the authority actually
issued that day, each row with its public source. Where they are compared the result measures
how well the encoding reproduces the authority's own decisions: hits, misses and false alarms
per authority, hazard and level. A row with either side unknown is not counted but reported
as ``unknown``.

How daily values are judged: a daily statistic stands at the middle of KNMI's day (12 UTC),
so the local day (CET/CEST) the criteria count in is the KNMI day. The daily maximum
temperature is read as ``air_temperature`` for heat (the criteria evaluate a day by its
maximum somewhere in the region, which is exactly TX at some station) and the daily minimum
as ``air_temperature`` for cold; the highest gust, the day's rain sum (``rain_24h``, a lower
bound of the wettest 24 h) and the wettest clock hour (1 h rain, a lower bound) as they are.
Only an authority's own regions are compared: it warns for no others.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import pandas as pd

from pipeline.assessment.criteria import HAZARDS, LEVELS
from pipeline.errors import ConfigError, InvalidDataError
from pipeline.progress import Stage
from pipeline.verification.observed import (
    authority_ids,
    daily_levels,
    observed_levels,
    station_statistics,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from pipeline.assessment.criteria import AuthorityCriteria
    from pipeline.settings import Settings

#: The KNMI daily sample, relative to the shared data directory.
SAMPLE = Path("obs/knmi_daily/knmi_etmgeg_extreme_events_subset.txt")
#: The official warnings table, relative to the regions directory.
OFFICIAL = Path("verification/official_warnings.csv")
OFFICIAL_COLUMNS = (
    "authority", "region", "date", "hazard", "official_level", "source_url", "source_title",
    "note",
)  # fmt: skip
#: The keys of every JSON line (the last one: the official row's source).
ROW_KEYS = (
    "authority", "region", "date", "hazard", "observed_level", "official_level",
    "official_source_url",
)  # fmt: skip
#: Hazards daily station values can judge: (hazard, which daily temperature stands for
#: air_temperature). Everything else needs hours, a radar or a model diagnosis.
JUDGED = {
    "wind": "max", "heat": "max", "rain_1h": "max", "rain_24h": "max",
    "thunderstorm_rain": "max", "cold": "min",
}  # fmt: skip
_RANK = {name: i for i, name in enumerate(LEVELS)}


def load_official(path: Path, *, authorities: set[str], regions: set[str]) -> pd.DataFrame:
    """The official warnings table, checked: known authority, region, hazard and level, a date
    ``YYYY-MM-DD``, a source URL and title on every row, one row per key."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: the official warnings table is missing")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if tuple(table.columns) != OFFICIAL_COLUMNS:
        raise ConfigError(f"{path}: columns must be {', '.join(OFFICIAL_COLUMNS)}")
    for i, row in table.iterrows():
        where = f"{path}, row {int(i) + 2}"
        problems = [
            f"authority {row.authority!r}" if row.authority not in authorities else "",
            f"region {row.region!r}" if row.region not in regions else "",
            f"hazard {row.hazard!r}" if row.hazard not in HAZARDS else "",
            f"level {row.official_level!r}" if row.official_level not in LEVELS else "",
            "no source_url" if not row.source_url.startswith(("http://", "https://")) else "",
            "no source_title" if not row.source_title.strip() else "",
        ]
        if pd.to_datetime(row.date, format="%Y-%m-%d", errors="coerce") is pd.NaT:
            problems.append(f"date {row.date!r}")
        problems = [p for p in problems if p]
        if problems:
            raise ConfigError(f"{where}: unknown or missing {'; '.join(problems)}")
    keys = ["authority", "region", "date", "hazard"]
    twice = table[table.duplicated(keys, keep=False)]
    if not twice.empty:
        first = twice.iloc[0]
        raise ConfigError(f"{path}: two rows for {', '.join(first[keys])}: keep the higher level")
    return table


def _as_judged(obs: pd.DataFrame, extreme: str) -> pd.DataFrame:
    """Daily observations at their day's middle, with the day's ``extreme`` temperature read
    as ``air_temperature`` (see the module docstring)."""
    daily = obs.assign(time=pd.to_datetime(obs["time"], utc=True) - pd.Timedelta(hours=12))
    source = f"air_temperature_{extreme}"
    as_air = daily[daily["variable"] == source].assign(variable="air_temperature")
    rest = daily[~daily["variable"].isin(["air_temperature_max", "air_temperature_min"])]
    return pd.concat([rest, as_air], ignore_index=True)


def observed_daily(
    obs: pd.DataFrame,
    regions: gpd.GeoDataFrame,
    criteria: dict[str, AuthorityCriteria],
    ids: dict[str, str],
) -> pd.DataFrame:
    """The observed level per authority, region, day and hazard, in the authority's own
    regions (None where no station reports)."""
    parts = []
    for extreme in ("max", "min"):
        hazards = [h for h, e in JUDGED.items() if e == extreme]
        judged = _as_judged(obs, extreme)
        stats = station_statistics(judged, regions, criteria)
        parts.append(daily_levels(observed_levels(stats, criteria, ids, hazards)))
    levels = pd.concat(parts, ignore_index=True)
    if levels.empty:
        return levels
    own = levels["region"].map(regions["country"]) == levels["country"]
    levels = levels[own].drop(columns="country").reset_index(drop=True)
    known = levels["observed_level"].notna()
    return levels.assign(observed_level=levels["observed_level"].astype(object).where(known, None))


def compare(observed: pd.DataFrame, official: pd.DataFrame, days: list[str]) -> pd.DataFrame:
    """Observed and official levels side by side for the sample's ``days``: every judged
    row, and every official row (its observed level None where no station judges it)."""
    keys = ["authority", "region", "date", "hazard"]
    right = official[official["date"].isin(days)][[*keys, "official_level", "source_url"]]
    table = observed.merge(right, on=keys, how="outer")
    table = table.rename(columns={"source_url": "official_source_url"})
    table = table.astype(object).where(table.notna(), None)
    known = table["observed_level"].notna() | table["official_level"].notna()
    return table[known].sort_values(keys, ignore_index=True)[list(ROW_KEYS)]


def score(table: pd.DataFrame) -> dict:
    """Per authority and hazard: rows with an unknown side (``unknown``; no official row:
    ``unknown_official``, no reporting station: ``unknown_observed``), rows with equal levels
    (``exact``), and per level L (yellow, orange, red) the hits (both >= L), misses
    (official >= L, observed < L), false alarms (observed >= L, official < L) and correct
    negatives."""
    result: dict = {}
    for (authority, hazard), rows in table.groupby(["authority", "hazard"], sort=True):
        both = rows["observed_level"].notna() & rows["official_level"].notna()
        seen = rows.loc[both, "observed_level"].map(_RANK)
        issued = rows.loc[both, "official_level"].map(_RANK)
        entry: dict = {
            "compared": int(both.sum()),
            "unknown": int((~both).sum()),
            "unknown_official": int(rows["official_level"].isna().sum()),
            "unknown_observed": int(rows["observed_level"].isna().sum()),
        }
        entry["exact"] = int((seen == issued).sum())
        for rank, level in enumerate(LEVELS[1:], start=1):
            entry[level] = {
                "hits": int(((seen >= rank) & (issued >= rank)).sum()),
                "misses": int(((seen < rank) & (issued >= rank)).sum()),
                "false_alarms": int(((seen >= rank) & (issued < rank)).sum()),
                "correct_negatives": int(((seen < rank) & (issued < rank)).sum()),
            }
        result.setdefault(str(authority), {})[str(hazard)] = entry
    return result


def hindcast(
    shared_data: Path, regions_dir: Path, cache_dir: Path | None = None
) -> tuple[pd.DataFrame, dict]:
    """The hindcast table (:data:`ROW_KEYS`) and its summary, from the KNMI daily sample in
    ``shared_data`` and the regions, criteria and official table in ``regions_dir``."""
    from pipeline.orchestration.config import load_config
    from pipeline.sources.observations.knmi_daily import read_knmi_daily

    sample = Path(shared_data) / SAMPLE
    if not sample.exists():
        raise InvalidDataError(
            f"{sample}: the KNMI daily sample is missing: set CROSSWARN_SHARED_DATA to the "
            "shared data directory"
        )
    with Stage("hindcast", ["regions", "observations", "official", "levels", "compare"]) as stage:
        stage.step("regions")
        config = load_config(Path(regions_dir), cache_dir)
        ids = authority_ids(Path(regions_dir))
        stage.step("observations")
        obs = read_knmi_daily(sample)
        days = sorted({(t - pd.Timedelta(days=1)).date().isoformat() for t in obs["time"]})
        stage.step("official")
        official = load_official(
            Path(regions_dir) / OFFICIAL,
            authorities=set(ids.values()),
            regions=set(map(str, config.regions.index)),
        )
        stage.step("levels")
        observed = observed_daily(obs, config.regions, config.criteria, ids)
        stage.step("compare")
        table = compare(observed, official, days)
    summary = {
        "hindcast": "knmi-daily",
        "sample": str(SAMPLE),
        "days": days,
        "rows": len(table),
        "compared": int((table["observed_level"].notna() & table["official_level"].notna()).sum()),
        "official_rows": int(table["official_level"].notna().sum()),
        "scores": score(table),
    }
    return table, summary


def format_scores(summary: dict) -> list[str]:
    """The summary as a readable table: one line per authority, hazard and level."""
    lines = [
        f"hindcast on {len(summary['days'])} days ({summary['days'][0]} .. "
        f"{summary['days'][-1]}): {summary['rows']} rows, {summary['compared']} compared",
        f"{'authority':<13}{'hazard':<19}{'level':<8}{'hits':>5}{'misses':>7}"
        f"{'false alarms':>13}{'correct neg.':>13}{'unknown':>8}",
    ]
    for authority, hazards in summary["scores"].items():
        for hazard, entry in hazards.items():
            for level in LEVELS[1:]:
                c = entry[level]
                lines.append(
                    f"{authority:<13}{hazard:<19}{level:<8}{c['hits']:>5}{c['misses']:>7}"
                    f"{c['false_alarms']:>13}{c['correct_negatives']:>13}{entry['unknown']:>8}"
                )
    return lines


def run_hindcast(
    settings: Settings,
    *,
    json_lines: bool,
    out: TextIO = sys.stdout,
    shared_data: Path | None = None,
) -> int:
    """``crosswarn hindcast [--json]``: the readable table (or one JSON object per row with
    ``json_lines``), then the summary as one JSON object on the last line. ``shared_data``
    defaults to ``$CROSSWARN_SHARED_DATA`` or ``../shared/data`` beside the project."""
    if shared_data is None:
        import os

        from pipeline.settings import PROJECT_ROOT

        default = PROJECT_ROOT.parent / "shared" / "data"
        shared_data = Path(os.environ.get("CROSSWARN_SHARED_DATA", default))
    table, summary = hindcast(shared_data, settings.regions_dir, settings.cache_dir)
    if json_lines:
        for record in table.to_dict("records"):
            print(json.dumps(record, ensure_ascii=False), file=out)
    else:
        for line in format_scores(summary):
            print(line, file=out)
        differ = table[
            table["observed_level"].notna()
            & table["official_level"].notna()
            & (table["observed_level"] != table["official_level"])
        ]
        if not differ.empty:
            print(
                f"{len(differ)} rows where the observed level differs from the official:", file=out
            )
        for row in differ.itertuples():
            print(
                f"  {row.authority} {row.region} {row.date} {row.hazard}: observed "
                f"{row.observed_level}, official {row.official_level}",
                file=out,
            )
    print(json.dumps(summary, ensure_ascii=False), file=out)
    return 0

"""``crosswarn verify``: pair every run's warnings of a period with what was observed, keep the
pairs in the ledger's database, and write the scores (HTML report with plots, CSV).

Steps: observations of the period from the observation sources (station tables, or a table
given directly), their observed daily levels under every authority's criteria; each run of the
period whose assessment is still in the work directory, its daily forecast levels; the pairs
replace that run's earlier pairs in the ``verification_pair`` table (a rerun is idempotent);
then the scores over every stored pair of the period.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipeline.errors import CrosswarnError
from pipeline.ledger.models import VerificationPair
from pipeline.orchestration.config import load_config
from pipeline.orchestration.workdir import read_assessment
from pipeline.progress import progress
from pipeline.runs import RunId
from pipeline.settings import Settings
from pipeline.sources import SOURCES
from pipeline.verification.matching import forecast_daily_levels, observed_in_run, pair
from pipeline.verification.observed import (
    authority_ids,
    daily_levels,
    observed_levels,
    station_statistics,
)
from pipeline.verification.skill import brier, contingency, reliability

log = logging.getLogger(__name__)

PAIR_COLUMNS = [
    "source", "run", "region", "hazard", "date", "country", "lead_hours", "forecast_level",
    "probability", "observed_level",
]  # fmt: skip


@dataclass(frozen=True)
class Verification:
    pairs: pd.DataFrame
    contingency: pd.DataFrame
    brier: pd.DataFrame
    reliability: pd.DataFrame
    observed: pd.DataFrame  # observed daily levels (every authority)


def observed_hourly(obs: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Observed levels per authority, region, valid time and hazard from a station table."""
    config = load_config(settings.regions_dir, settings.cache_dir)
    stats = station_statistics(obs, config.regions, config.criteria)
    return observed_levels(stats, config.criteria, authority_ids(settings.regions_dir))


def runs_between(settings: Settings, source_id: str, first: date, last: date) -> list[str]:
    """The runs of ``source_id`` with an assessment in the work directory whose reference
    time falls between ``first`` and ``last`` (inclusive, UTC days)."""
    folder = settings.work_dir / source_id
    runs = []
    for path in sorted(folder.glob("*/assessment.json")) if folder.is_dir() else []:
        run = RunId.find(path.parent.name)
        if run is not None and first <= RunId(run).time.date() <= last:
            runs.append(str(run))
    return runs


def run_pairs(settings: Settings, source_id: str, run: str, observed: pd.DataFrame) -> pd.DataFrame:
    """The pairs of one run against the observed levels of the hours it covers."""
    source = SOURCES[source_id]
    config = load_config(settings.regions_dir, settings.cache_dir)
    reference = RunId(run, cycle_hours=source.cycle_hours, source_id=source_id).time
    forecast = forecast_daily_levels(
        read_assessment(settings, source_id, run), reference, source.max_lead_hours
    )
    observed = observed_in_run(observed, reference, source.max_lead_hours)
    pairs = pair(forecast, observed, config.countries, authority_ids(settings.regions_dir))
    return pairs.assign(source=source_id, run=run)[PAIR_COLUMNS]


def store_pairs(settings: Settings, source_id: str, run: str, pairs: pd.DataFrame) -> None:
    """Replace the run's pairs in the ledger's database (one transaction)."""
    records = [
        {k: (None if pd.isna(v) else v) for k, v in row.items()} for row in pairs.to_dict("records")
    ]
    with settings.ledger() as ledger:
        ledger.check_schema()
        with Session(ledger.engine) as session, session.begin():
            session.execute(
                delete(VerificationPair).where(
                    VerificationPair.source == source_id, VerificationPair.run == run
                )
            )
            session.add_all(VerificationPair(**r) for r in records)


def stored_pairs(settings: Settings, first: date, last: date, sources: list[str]) -> pd.DataFrame:
    """Every stored pair of the runs of ``sources`` from ``first`` to ``last`` (UTC days)."""
    query = select(VerificationPair).where(
        VerificationPair.run >= f"{first:%Y%m%d}00",
        VerificationPair.run <= f"{last:%Y%m%d}23",
        VerificationPair.source.in_(sources),
    )
    with settings.ledger() as ledger:
        ledger.check_schema()
        with Session(ledger.engine) as session:
            rows = [{c: getattr(p, c) for c in PAIR_COLUMNS} for p in session.scalars(query)]
    return (
        pd.DataFrame(rows, columns=PAIR_COLUMNS)
        .sort_values(PAIR_COLUMNS[:5])
        .reset_index(drop=True)
    )


def verify(
    settings: Settings,
    first: date,
    last: date,
    *,
    sources: list[str],
    observations: Callable[[datetime, datetime], pd.DataFrame],
) -> Verification:
    """Pair, store and score the runs of ``sources`` from ``first`` to ``last`` (UTC days of
    their reference times); ``observations(start, end)`` gives the station table covering the
    days the runs forecast."""
    from pipeline.assessment.criteria import LOCAL_TIME

    horizon = max(SOURCES[s].max_lead_hours for s in sources)
    start = datetime(first.year, first.month, first.day, tzinfo=LOCAL_TIME)
    end = datetime(last.year, last.month, last.day, tzinfo=LOCAL_TIME) + timedelta(
        days=1, hours=horizon
    )
    obs = observations(start, end)
    if obs.empty:
        raise CrosswarnError(
            f"no observations between {start:%Y-%m-%d} and {end:%Y-%m-%d}: check the "
            "observation sources' settings (CROSSWARN_DWD_CDC_BASE_URL, ...)"
        )
    observed = observed_hourly(obs, settings)
    runs = [(s, run) for s in sources for run in runs_between(settings, s, first, last)]
    for source_id, run in progress(runs, desc="verify", unit="run"):
        pairs = run_pairs(settings, source_id, run, observed)
        store_pairs(settings, source_id, run, pairs)
        log.info("%s %s: %d pairs with observations", source_id, run, len(pairs))
    stored = stored_pairs(settings, first, last, sources)
    return Verification(
        pairs=stored,
        contingency=contingency(stored),
        brier=brier(stored),
        reliability=reliability(stored),
        observed=daily_levels(observed),
    )


def write_csv(result: Verification, out: Path) -> list[Path]:
    """The pairs and scores as CSV files in ``out``."""
    from pipeline.files import write_bytes_atomic

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in (
        ("pairs.csv", result.pairs), ("contingency.csv", result.contingency),
        ("brier.csv", result.brier), ("reliability.csv", result.reliability),
        ("observed_levels.csv", result.observed),
    ):  # fmt: skip
        target = out / name
        write_bytes_atomic(target, frame.to_csv(index=False, float_format="%.6g").encode())
        written.append(target)
    return written


def source_observations(settings: Settings, source_ids: list[str]):
    """``observations(start, end)`` from crosswarn's observation sources (all by default): a
    source that fails is reported and left out, the others still count."""
    from pipeline.sources.observations import OBSERVATION_SOURCES

    chosen = source_ids or sorted(OBSERVATION_SOURCES)
    unknown = sorted(set(chosen) - set(OBSERVATION_SOURCES))
    if unknown:
        raise CrosswarnError(
            f"unknown observation sources {unknown}: known are {sorted(OBSERVATION_SOURCES)}"
        )

    def observations(start: datetime, end: datetime) -> pd.DataFrame:
        tables = []
        for source_id in chosen:
            try:
                tables.append(OBSERVATION_SOURCES[source_id](settings, start, end))
            except CrosswarnError as exc:
                log.warning("observations of %s left out: %s", source_id, exc)
        return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()

    return observations


def verify_period(
    settings: Settings,
    first: date,
    last: date,
    out: Path,
    *,
    sources: list[str] | None = None,
    observations: Callable[[datetime, datetime], pd.DataFrame] | None = None,
) -> tuple[Verification, Path]:
    """:func:`verify` the runs from ``first`` to ``last`` (every source by default, against
    every observation source by default) and write the report into ``out``."""
    from pipeline.verification.report import write_report

    if last < first:
        raise CrosswarnError(f"the period ends ({last}) before it starts ({first})")
    result = verify(
        settings,
        first,
        last,
        sources=sources or sorted(SOURCES),
        observations=observations or source_observations(settings, []),
    )
    regions = load_config(settings.regions_dir, settings.cache_dir).regions
    page = write_report(result, regions, out, title=f"crosswarn verification {first} to {last}")
    return result, page

"""The command-line ends of verification: ``crosswarn verify`` and ``crosswarn hindcast``."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError
from pipeline.settings import Settings

if TYPE_CHECKING:
    import pandas as pd


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "verify",
        help="pair the warnings of a period's runs with observations, store the pairs in the "
        "ledger's database and write the scores (index.html with plots, CSV) into --out",
    )
    p.add_argument("--from", dest="first", required=True, help="first run day, YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, help="last run day, YYYY-MM-DD")
    p.add_argument("--source", dest="sources", action="append", help="forecast source (all)")
    p.add_argument(
        "--observation-source", dest="observation_sources", action="append",
        help="observation source (default: every one: dwd-cdc, knmi-insitu, kmi-aws)",
    )  # fmt: skip
    p.add_argument(
        "--observations", type=Path,
        help="a CSV of observations in crosswarn's table (source, station, name, lat, lon, "
        "time, variable, value) instead of the observation sources",
    )  # fmt: skip
    p.add_argument("--out", type=Path, required=True, help="report folder")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "hindcast",
        help="replay the observed events in the shared sample data (2019 heat, July 2021 rain, "
        "February 2022 storms) under each authority's criteria against the warnings the "
        "authorities issued; last line JSON",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--data", type=Path, help="the shared data folder (CROSSWARN_SHARED_DATA)")
    p.set_defaults(func=cmd_hindcast)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r}: expected a day, YYYY-MM-DD") from None


def cmd_verify(args: argparse.Namespace) -> int:
    import pandas as pd

    from pipeline.verification.observed import check_observations
    from pipeline.verification.verify import source_observations, verify_period

    settings = Settings()
    first, last = _day(args.first, "--from"), _day(args.last, "--to")
    observations = source_observations(settings, args.observation_sources or [])
    if args.observations:
        table = check_observations(
            pd.read_csv(args.observations, dtype={"station": str}), str(args.observations)
        )

        def observations(start, end):
            return table[(table["time"] > start) & (table["time"] <= end)]

    result, page = verify_period(
        settings, first, last, args.out, sources=args.sources, observations=observations
    )
    summary = {
        "pairs": len(result.pairs),
        "report": str(page),
        "yellow_or_higher": _overall(result.contingency, "yellow"),
    }
    print(f"{len(result.pairs)} region-days paired; report: {page}")
    print(json.dumps(summary, sort_keys=True))
    return 0


def _overall(table: pd.DataFrame, level: str) -> dict:
    rows = table[table["level"] == level]
    counts = {k: int(rows[k].sum()) for k in ("hits", "misses", "false_alarms")}
    counts["correct_negatives"] = int(rows["correct_negatives"].sum())
    return counts


def cmd_hindcast(args: argparse.Namespace) -> int:
    from pipeline.verification.hindcast import run_hindcast

    return run_hindcast(Settings(), json_lines=args.json, shared_data=args.data)

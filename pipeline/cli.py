"""The ``crosswarn`` command."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path

from pipeline.errors import CrosswarnError, SourceUnavailable

# One BLAS thread, set before numpy and scipy load (unless the caller set it): crosswarn's
# parallelism is its own workers', and each OpenBLAS library loaded (numpy's, scipy's) would
# start a thread per core that spins for 0.1 s of CPU at load, with the cores busy fetching.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# No pydantic plugins (crosswarn uses none) unless asked: looking scans every distribution's
# entry points, 10 ms on the one core busy before a run's first file is fetched.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")

#: fetch and statistics in one pass: each file decoded as it is fetched, never read back.
STAGES = ("fetch_and_statistics", "assess", "publish")


def _settings(args: argparse.Namespace):
    from pipeline.settings import Settings

    source = getattr(args, "source", None) or ""
    base_setting = {"knmi": "knmi_base_url", "ecmwf": "ecmwf_base_url"}.get(
        source.split("-")[0], "dwd_base_url"
    )
    overrides = {
        key: value
        for key, value in {
            base_setting: getattr(args, "base_url", None),
            "archive_dir": getattr(args, "archive", None),
            "out_dir": getattr(args, "out", None),
        }.items()
        if value is not None
    }
    return Settings(**overrides)


def cmd_scenario(args: argparse.Namespace) -> int:
    from pipeline.tools.scenario import RUN, write_scenario
    from pipeline.tools.scenario_obs import write_observations

    mirror = write_scenario(Path(args.mirror))
    print(f"storm scenario run {RUN} written as a DWD mirror: file://{mirror}")
    observations = write_observations(Path(args.mirror).parent / "observations.csv")
    print(f"the storm's station observations (scenario values, not measurements): {observations}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.one_process import collecting_after_loading, switching_often

    with collecting_after_loading() as loaded, switching_often():
        return _run(args, loaded)


def _run(args: argparse.Namespace, loaded) -> int:
    import time

    from pipeline.one_process import load_run_dependencies, unused_optionals_refused

    finished = {}  # stage -> when it ended (seconds since the epoch), for --timings

    def done(stage: str) -> None:
        finished[stage] = time.time()

    with contextlib.ExitStack() as fetching:
        with unused_optionals_refused():
            from pipeline.sources.streamed import fetching_ahead

            settings = _settings(args)
            # The run's first files are fetched and decompressed while the rest of crosswarn
            # loads (a DWD source; None for the others, whose fetch stage comes first).
            ahead = fetching_ahead(args.source, args.run, settings)
            fetching.enter_context(ahead or contextlib.nullcontext())
            from pipeline.orchestration import stages
            from pipeline.progress import Stage

            load_run_dependencies()
        loaded()
        stages.migrate(settings)
        done("migrate")
        steps = [*STAGES, "consult", "bulletins"]
        with Stage(f"{args.source} {args.run}", steps) as progress:
            for stage in STAGES:
                progress.step(stage)
                more = {"fetching": ahead} if stage == "fetch_and_statistics" else {}
                getattr(stages, stage)(args.source, args.run, settings, **more)
                done(stage)
            progress.step("consult")
            consultation = Path(stages.consult(settings))
            done("consult")  # every CAP file is written: the bulletins follow
            progress.step("bulletins")
            stages.bulletins(args.source, args.run, settings)
            stages.bulletins(stages.CONSULTATION, consultation.name, settings)
            done("bulletins")
    if args.timings:
        args.timings.write_text(json.dumps(finished) + "\n")
    from pipeline.publishing.console import print_summary

    print_summary(settings.out_dir / args.source / args.run)
    sent = json.loads((consultation / "summary.json").read_text())["messages"]
    print(
        f"\n  consultation across models: {sent['Alert']} new, {sent['Update']} updated and "
        f"{sent['Cancel']} ended triggers, in {consultation}/"
    )
    # Delivery last: a receiver refusing or down never stops the decisions or the consultation.
    try:
        stages.deliver(stages.CONSULTATION, args.run, settings)
    except SourceUnavailable as exc:
        print(f"crosswarn: deliveries pending: {exc}; `crosswarn deliver` retries", file=sys.stderr)
        return 1
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    from pipeline.orchestration import stages

    print(stages.deliver("any", "any", _settings(args)))
    return 0


def cmd_ledger(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if args.action == "check":
        from pipeline.orchestration.ledger_check import compare

        with settings.ledger() as ledger:
            found = compare(ledger, settings.out_dir / "outbox")
        print(found.describe())
        return 1 if found.unknown else 0
    with settings.ledger() as ledger:
        revision = ledger.migrate()
        where = ledger.engine.url.render_as_string(hide_password=True)  # never the password
    print(f"ledger {where}: at {revision}")
    return 0


def cmd_regions(args: argparse.Namespace) -> int:
    from pipeline.geo.nuts import write_regions_nuts3
    from pipeline.geo.regions import load_regions
    from pipeline.sources.gisco import RELEASES, load_nuts3

    settings = _settings(args)
    mirror = Path(args.nuts_mirror) if args.nuts_mirror else settings.nuts_mirror
    units = load_nuts3(2024, cache_dir=settings.cache_dir or Path(".cache"), mirror=mirror)
    target = write_regions_nuts3(
        load_regions(settings.regions_dir), units, settings.regions_dir, release=RELEASES[2024]
    )
    print(f"NUTS-3 codes per warning region written to {target}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from pipeline.publishing.console import print_summary

    print_summary(Path(args.directory))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from pipeline.publishing.cap_check import validate_cap

    failed = 0
    for name in args.files:
        try:
            validate_cap(Path(name).read_bytes(), name=name)
            print(f"valid: {name}")
        except (CrosswarnError, OSError) as exc:
            failed += 1
            print(f"INVALID: {exc}", file=sys.stderr)
    return 1 if failed else 0


def cmd_runs(args: argparse.Namespace) -> int:
    from pipeline.sources import make_source

    source = make_source(args.source, _settings(args))
    params = args.param or None
    if args.run:
        status = source.run_status(args.run, params)
        print(status.describe())
        return 0 if status.complete else 1
    print(source.latest_complete_run(params))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from pipeline.tools import bench

    if args.what == "ingest":
        bench.bench_ingest(Path(args.mirror), workers=args.workers)
    elif args.what == "aggregate":
        bench.bench_aggregate()
    elif args.what == "knmi":
        bench.bench_knmi()
    elif args.what == "run":
        from pipeline.tools.bench_run import bench_run

        bench_run(
            args.source,
            Path(args.mirror).parent / "run",
            workers=args.workers,
            repeats=args.repeats,
        )
    return 0


def cmd_watchdog(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from pipeline.orchestration.watchdog import watch

    settings = _settings(args)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    alarms = watch(
        settings.out_dir,
        now=now,
        sources=args.sources or [],
        margin=timedelta(minutes=args.margin_minutes),
        api_url=args.api_url,
        max_heartbeat_age=timedelta(seconds=args.max_heartbeat_age_s),
        alert_url=args.alert_url or settings.alert_url,
    )
    for alarm in alarms:
        print(alarm.describe(), file=sys.stderr)
    if not alarms:
        print(f"ok: every source published within its cycle (checked {now.isoformat()})")
    return 1 if alarms else 0


def cmd_criteria(args: argparse.Namespace) -> int:
    from pipeline.assessment.criteria import load_criteria
    from pipeline.assessment.criteria_report import criteria_records, format_criteria
    from pipeline.errors import ConfigError

    criteria = load_criteria(_settings(args).regions_dir)
    records = criteria_records(criteria, args.authority)
    if not records:
        known = ", ".join(sorted(a.authority for a in criteria.values()))
        raise ConfigError(f"no authority {args.authority!r}: known are {known} (or a country)")
    print(
        json.dumps(records, indent=2, ensure_ascii=False) if args.json else format_criteria(records)
    )
    return 0


def _version() -> str:
    """The installed distribution's version (``crosswarn`` in pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("crosswarn")
    except PackageNotFoundError:  # the source tree on sys.path, never installed
        return "(not installed)"


class _Answer(argparse.Action):
    """An option that answers at once and exits, as ``--help`` does (no value, no default)."""

    def __init__(
        self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None
    ):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)


class _Version(_Answer):
    """``crosswarn --version``, the version looked up only when asked: the lookup (scanning the
    installed distributions) cost every command 27 ms of its start."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"crosswarn {_version()}")
        parser.exit()


class _HelpWithSources(_Answer):
    """``crosswarn run --help``: the help with every source and its description. The sources
    are imported only here: importing them (xarray, dask) costs every other command seconds."""

    def __call__(self, parser, namespace, values, option_string=None):
        from pipeline.sources import describe_sources

        parser.epilog = "sources:\n" + "\n".join(describe_sources())
        parser.print_help()
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crosswarn", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--version", action=_Version, help="show crosswarn's version and exit")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("scenario", help="write the storm scenario as a DWD ICON-D2 mirror")
    p.add_argument("--mirror", default="scenario/mirror")
    p.set_defaults(func=cmd_scenario)

    p = sub.add_parser(
        "run",
        help="run one model run end to end, without Airflow (exit 1: all decided and written, "
        "but deliveries stay pending)",
        add_help=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-h", "--help", action=_HelpWithSources, help="show this help and the sources")
    p.add_argument("source", help="a source id (listed below)")
    p.add_argument("--run", required=True, help="model run, YYYYMMDDHH")
    p.add_argument("--base-url", help="the source's server or mirror (DWD, KNMI API or ECMWF root)")
    p.add_argument("--archive", type=Path, help="verified inputs (default: CROSSWARN_ARCHIVE_DIR)")
    p.add_argument("--out", type=Path, help="warning files (default: CROSSWARN_OUT_DIR)")
    p.add_argument("--timings", type=Path, help=argparse.SUPPRESS)  # when stages ended (bench)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("runs", help="the newest complete run on the server, or the status of --run")
    p.add_argument("source")
    p.add_argument("--run", help="report this run's completeness instead")
    p.add_argument("--param", action="append", help="variables to require (default: the run's)")
    p.add_argument("--base-url", help="the source's server or mirror (DWD, KNMI API or ECMWF root)")
    p.set_defaults(func=cmd_runs)

    from pipeline.analysis.commands import add_parsers as add_analysis_parsers

    add_analysis_parsers(sub)

    p = sub.add_parser("bench", help="benchmarks, measured side by side; last line is JSON")
    p.add_argument("what", choices=["ingest", "aggregate", "knmi", "run"])
    p.add_argument(
        "--source",
        default="dwd-icon-d2",
        choices=["dwd-icon-d2", "dwd-icon-d2-eps"],
        help="for 'run': the model whose full-size run is measured",
    )
    p.add_argument("--mirror", default=".cache/bench/mirror", help="scenario mirror to (re)use")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument(
        "--repeats", type=int, default=3, help="for 'run': floor and run measured this many times"
    )
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser(
        "criteria", help="every authority's warning rules side by side, with their sources"
    )
    p.add_argument("--authority", help="one authority (KNMI, DWD, ...) or country (NL, DE, ...)")
    p.add_argument("--json", action="store_true", help="machine-readable, sources resolved")
    p.set_defaults(func=cmd_criteria)

    p = sub.add_parser("deliver", help="send every pending delivery (webhook, e-mail)")
    p.add_argument("--out", type=Path)
    p.set_defaults(func=cmd_deliver)

    p = sub.add_parser(
        "ledger",
        help="the warning ledger: bring its schema up to date (migrate), or compare it with "
        "the outbox (check: exit 1 when the outbox holds messages the ledger does not know)",
    )
    p.add_argument("action", choices=["migrate", "check"])
    p.add_argument("--out", type=Path, help="output directory holding the outbox")
    p.set_defaults(func=cmd_ledger)

    p = sub.add_parser("regions", help="derived region tables: NUTS-3 codes per warning region")
    p.add_argument("table", choices=["nuts3"])
    p.add_argument("--nuts-mirror", help="directory with GISCO's NUTS files (default: download)")
    p.set_defaults(func=cmd_regions)

    p = sub.add_parser("summary", help="print the summary of a run's output directory")
    p.add_argument("directory")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser(
        "watchdog",
        help="alarm (exit 1, and a POST to --alert-url) when a source has not published within "
        "its cycle plus a margin, or Airflow's scheduler stops heartbeating; run it outside "
        "Airflow (cron, systemd timer, its own compose service)",
    )
    p.add_argument(
        "--source", dest="sources", action="append", help="sources to check (default: all seen)"
    )
    p.add_argument("--out", type=Path, help="output directory holding {source}/status.json")
    p.add_argument("--margin-minutes", type=int, default=60)
    p.add_argument("--api-url", help="Airflow API server, e.g. http://airflow-apiserver:8080")
    p.add_argument("--max-heartbeat-age-s", type=int, default=300)
    p.add_argument("--alert-url", help="webhook for alarms (default CROSSWARN_ALERT_URL)")
    p.add_argument("--now", help="check as of this ISO time (default: the clock)")
    p.set_defaults(func=cmd_watchdog)

    from pipeline.verification.commands import add_parsers

    add_parsers(sub)

    from pipeline.web.commands import add_parsers as add_web_parsers

    add_web_parsers(sub)

    p = sub.add_parser("validate", help="validate CAP files (OASIS XSD + MeteoAlarm profile)")
    p.add_argument("files", nargs="+")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pipeline.one_process import collection_paused

    with collection_paused():
        args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return args.func(args)
    except CrosswarnError as exc:
        print(f"crosswarn: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, permission denied, a file where a folder should be
        where = exc.filename or "(unnamed path)"
        print(f"crosswarn: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

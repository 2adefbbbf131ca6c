"""The command-line end of the analysts' tools: ``crosswarn aggregate``."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from pipeline.settings import Settings


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "aggregate",
        help="region statistics of GRIB or NetCDF files (CSV or CF NetCDF): area-weighted "
        "mean, max, min, 90th percentile and fractions of area above/below thresholds, with "
        "each region's coverage and the data's units",
    )
    p.add_argument("files", nargs="+", help="GRIB (also .bz2) or NetCDF files of one model run")
    p.add_argument(
        "--variable", required=True,
        help="eccodes short name (2t, 10u), cfgrib name (t2m, u10), DWD name (T_2M, VMAX_10M), "
        "CF standard name (air_temperature), or wind_speed (from u and v)",
    )  # fmt: skip
    p.add_argument(
        "--threshold", action="append", default=[],
        help="with units (25degC, 90km/h, 50mm), or a bare number in the data's units; repeat; "
        "a negative one as --threshold=-5degC",
    )  # fmt: skip
    p.add_argument(
        "--regions", default="emma",
        help="emma (warning regions), nuts0 .. nuts3, or a polygon file (GeoJSON, GeoPackage, "
        "Shapefile) with --id-field",
    )  # fmt: skip
    p.add_argument("--nuts-version", type=int, choices=[2021, 2024], default=2024)
    p.add_argument("--nuts-mirror", help="directory with GISCO's NUTS files (default: download)")
    p.add_argument("--id-field", help="the polygon file's field holding region ids")
    p.add_argument("--name-field", help="the polygon file's field holding region names")
    p.add_argument("--layer", help="the layer of a polygon file holding several")
    p.add_argument(
        "--level", action="append", default=[],
        help="keep this level (850, 850hPa, 10m; repeat); default: every level, as a dimension",
    )  # fmt: skip
    p.add_argument("--time", action="append", default=[], help="keep this valid time (UTC; repeat)")
    p.add_argument("--from", dest="start", help="first valid time to keep (UTC)")
    p.add_argument("--to", dest="end", help="last valid time to keep (UTC)")
    p.add_argument("--run", help="the model run (YYYYMMDDHH) of files holding several")
    p.add_argument("--grid-file", type=Path, help="DWD's ICON grid file, for icosahedral data")
    p.add_argument(
        "--min-coverage", type=float, default=0.9,
        help="regions the grid covers less than this share of get NaN statistics (0.9)",
    )  # fmt: skip
    p.add_argument("--out", required=True, help="OUT.csv or OUT.nc")
    p.set_defaults(func=cmd_aggregate)


def cmd_aggregate(args: argparse.Namespace) -> int:
    from pipeline.analysis.aggregate import aggregate
    from pipeline.analysis.fields import Selection, parse_time

    settings = Settings()
    if args.nuts_mirror:
        settings = settings.model_copy(update={"nuts_mirror": Path(args.nuts_mirror)})
    selection = Selection(
        run=parse_time(args.run, "--run") if args.run else None,
        times=tuple(parse_time(t, "--time") for t in args.time),
        start=parse_time(args.start, "--from") if args.start else None,
        end=parse_time(args.end, "--to") if args.end else None,
        levels=tuple(args.level),
    )
    result = aggregate(
        args.files,
        args.variable,
        args.threshold,
        regions=args.regions,
        out=Path(args.out),
        settings=settings,
        nuts_version=args.nuts_version,
        id_field=args.id_field,
        name_field=args.name_field,
        layer=args.layer,
        selection=selection,
        grid_file=args.grid_file,
        min_coverage=args.min_coverage,
        history=_command(args),
    )
    print(_summary(result, args.out))
    return 0


def _command(args: argparse.Namespace) -> str:
    """The command as given, for the output's history (no time: reruns write the same bytes)."""
    words = ["crosswarn", "aggregate", *args.files, "--variable", args.variable]
    for option, value in (
        ("--regions", args.regions),
        ("--nuts-version", str(args.nuts_version) if args.regions.startswith("nuts") else None),
        ("--id-field", args.id_field),
        ("--name-field", args.name_field),
        ("--layer", args.layer),
        ("--run", args.run),
        ("--from", args.start),
        ("--to", args.end),
        ("--grid-file", str(args.grid_file) if args.grid_file else None),
        ("--min-coverage", f"{args.min_coverage:g}"),
    ):
        if value:
            words += [option, value]
    for option, values in (
        ("--threshold", args.threshold),
        ("--level", args.level),
        ("--time", args.time),
    ):
        for value in values:
            words += [option, value]
    return shlex.join([*words, "--out", str(args.out)])


def _summary(result, out: str) -> str:
    units = result.attrs.get("units")
    covered = int((result["region_coverage"] >= result.attrs["min_coverage"]).sum())
    sizes = ", ".join(f"{n} {d}" for d, n in result.sizes.items() if d != "region")
    line = (
        f"{out}: {result.attrs['variable']} ({units or 'no units in the files'}) over "
        f"{covered} of {result.sizes['region']} regions covered >= "
        f"{result.attrs['min_coverage']:g}; {sizes}"
    )
    if "threshold" in result.coords:
        pairs = ", ".join(
            f"{v:g} ({g})" if g != f"{v:g}" else f"{v:g}"
            for v, g in zip(
                result["threshold"].values, result["threshold_given"].values, strict=True
            )
        )
        line += f"; thresholds in {units or 'the data units'}: {pairs}"
    return line

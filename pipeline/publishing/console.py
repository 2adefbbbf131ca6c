"""A run's outputs as the terminal shows them (``crosswarn run``, ``crosswarn summary``)."""

from __future__ import annotations

import json
from pathlib import Path


def print_summary(directory: Path) -> None:
    summary = json.loads((directory / "summary.json").read_text())
    source, run, events = summary["source"], summary["run"], summary["events"]
    print(f"\ncrosswarn {source} run {run}: {events} warning events")
    for hazard, by_country in summary["regions_per_level"].items():
        print(f"\n  {hazard}: regions per level (own country's criteria)")
        print(f"    {'':4} {'none':>6} {'yellow':>7} {'orange':>7} {'red':>5}")
        for country, counts in sorted(by_country.items()):
            print(
                f"    {country:4} {counts['none']:>6} {counts['yellow']:>7} "
                f"{counts['orange']:>7} {counts['red']:>5}"
            )
    sent = ", ".join(f"{n} {kind}" for kind, n in summary.get("messages", {}).items())
    print(f"\n  messages decided by the ledger: {sent}")
    print(f"\n  joint-consultation triggers: {len(summary['triggers'])}")
    for trigger in summary["triggers"]:
        levels = ", ".join(f"{c} {lvl}" for c, lvl in trigger["countries"].items())
        print(f"    {trigger['id']}: {trigger['start']} .. {trigger['end']}; {levels}")
        print(f"      convene: {', '.join(trigger['cells'])}")
    caps = sorted((directory / "cap").glob("*.xml"))
    print("\n  outputs:")
    print(f"    {directory / 'cap'}/  ({len(caps)} CAP 1.2 files)")
    for name in ("warnings.geojson", "triggers.json", "statistics.nc", "manifest.json"):
        print(f"    {directory / name}")

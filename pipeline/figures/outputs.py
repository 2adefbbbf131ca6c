"""A run's published outputs (``{out}/{source}/{run}/``) as an analyst reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import xarray as xr

from pipeline.errors import ConfigError


@dataclass(frozen=True)
class RunOutputs:
    """One run's summary, warned regions and consultation triggers."""

    directory: Path
    summary: dict
    #: The warned regions (``warnings.geojson``), indexed by region id.
    warnings: gpd.GeoDataFrame
    triggers: list[dict]

    def statistics(self) -> xr.Dataset:
        """The run's region statistics, loaded (the file is closed again)."""
        return xr.load_dataset(self.directory / "statistics.nc")

    def levels(self, hazard: str) -> pd.Series:
        """Each warned region's peak level for ``hazard`` under its own country's criteria
        (level names); regions without an event are absent."""
        column = f"{hazard}_level"
        if column not in self.warnings:
            return pd.Series(dtype=object, name=column)
        return self.warnings[column].dropna()


def read_run(directory: Path | str) -> RunOutputs:
    """The outputs in a run's output directory; a directory without them says what to do."""
    directory = Path(directory)
    if not (directory / "summary.json").exists():
        raise ConfigError(
            f"{directory}: no run outputs (summary.json missing): run `make demo`, or set "
            "CROSSWARN_RUN_DIR to a run's output directory (out/SOURCE/YYYYMMDDHH)"
        )
    features = json.loads((directory / "warnings.geojson").read_text())["features"]
    warnings = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    if len(warnings):
        warnings = warnings.set_index("region")
    triggers = json.loads((directory / "triggers.json").read_text())
    summary = json.loads((directory / "summary.json").read_text())
    return RunOutputs(directory, summary, warnings, triggers)


def triggers_table(triggers: list[dict]) -> pd.DataFrame:
    """One row per joint-consultation trigger: hazard, window (UTC), the level per country,
    and how many regions and crisis cells it names."""
    rows = [
        {
            "id": t["id"],
            "hazard": t["hazard"],
            "start": pd.Timestamp(t["start"]),
            "end": pd.Timestamp(t["end"]),
            "levels": ", ".join(f"{c} {lvl}" for c, lvl in sorted(t["levels_by_country"].items())),
            "regions": len(t["regions"]),
            "crisis cells": len(t["crisis_cells"]),
        }
        for t in triggers
    ]
    columns = ["id", "hazard", "start", "end", "levels", "regions", "crisis cells"]
    return pd.DataFrame(rows, columns=columns).set_index("id")

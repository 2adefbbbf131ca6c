"""Scores of the warnings per country, hazard, level and lead time, with the ``scores`` library.

For each level L (yellow, orange, red) a pair is a yes/no forecast "level >= L" against the
observation "observed level >= L": hits, misses, false alarms and correct negatives per group,
then probability of detection (POD), false alarm ratio (FAR), critical success index (CSI) and
frequency bias, computed by :class:`scores.categorical.BasicContingencyManager` from the
summed counts (so any grouping is exact). For ensembles, the Brier score of the probability of
"level >= L" (:func:`scores.probability.brier_score`) and the reliability table (observed
frequency per probability bin).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scores.categorical import BasicContingencyManager
from scores.probability import brier_score

from pipeline.assessment.criteria import LEVELS
from pipeline.verification.matching import lead_class

GROUP = ["country", "hazard", "level", "lead"]
#: Probability bins of the reliability table.
RELIABILITY_BINS = np.linspace(0.0, 1.0, 6)


def binary_events(pairs: pd.DataFrame) -> pd.DataFrame:
    """One row per pair and level: the yes/no forecast and observation of "level >= L"."""
    frames = []
    for rank in range(1, len(LEVELS)):
        frames.append(
            pairs.assign(
                level=LEVELS[rank],
                forecast=(pairs["forecast_level"] >= rank).astype(int),
                observed=(pairs["observed_level"] >= rank).astype(int),
                p=np.where(
                    pairs["forecast_level"] >= rank,
                    pairs["probability"].fillna(1.0).astype(float),
                    0.0,
                ),
            )
        )
    events = pd.concat(frames, ignore_index=True)
    return events.assign(lead=events["lead_hours"].map(lead_class))


def contingency(pairs: pd.DataFrame, group: list[str] = GROUP) -> pd.DataFrame:
    """Counts and scores per ``group`` (default: country, hazard, level and lead-time class)."""
    if pairs.empty:
        return pd.DataFrame(
            columns=[*group, "hits", "misses", "false_alarms", "correct_negatives",
                     "pod", "far", "csi", "bias"]
        )  # fmt: skip
    events = binary_events(pairs)
    f, o = events["forecast"], events["observed"]
    counted = events.assign(
        hits=(f & o), misses=((1 - f) & o), false_alarms=(f & (1 - o)),
        correct_negatives=((1 - f) & (1 - o)),
    )  # fmt: skip
    table = (
        counted.groupby(group, sort=True)[["hits", "misses", "false_alarms", "correct_negatives"]]
        .sum()
        .reset_index()
    )
    manager = BasicContingencyManager(
        {
            "tp_count": xr.DataArray(table["hits"].to_numpy(float), dims="row"),
            "fn_count": xr.DataArray(table["misses"].to_numpy(float), dims="row"),
            "fp_count": xr.DataArray(table["false_alarms"].to_numpy(float), dims="row"),
            "tn_count": xr.DataArray(table["correct_negatives"].to_numpy(float), dims="row"),
            "total_count": xr.DataArray(
                table[["hits", "misses", "false_alarms", "correct_negatives"]]
                .sum(axis=1)
                .to_numpy(float),
                dims="row",
            ),
        }
    )
    return table.assign(
        pod=manager.probability_of_detection().to_numpy(),
        far=manager.false_alarm_ratio().to_numpy(),
        csi=manager.critical_success_index().to_numpy(),
        bias=manager.frequency_bias().to_numpy(),
    )


def brier(pairs: pd.DataFrame) -> pd.DataFrame:
    """Brier score and sample size of ensemble pairs per country, hazard, level and lead."""
    ensemble = pairs[pairs["probability"].notna()]
    if ensemble.empty:
        return pd.DataFrame(columns=[*GROUP, "brier", "n"])
    events = binary_events(ensemble)
    rows = []
    for key, group in events.groupby(GROUP, sort=True):
        score = brier_score(
            xr.DataArray(group["p"].to_numpy(float), dims="pair"),
            xr.DataArray(group["observed"].to_numpy(float), dims="pair"),
        )
        rows.append((*key, float(score), len(group)))
    return pd.DataFrame(rows, columns=[*GROUP, "brier", "n"])


def reliability(pairs: pd.DataFrame) -> pd.DataFrame:
    """Per level and probability bin: the mean forecast probability, the observed frequency
    and the number of pairs (ensembles)."""
    ensemble = pairs[pairs["probability"].notna()]
    if ensemble.empty:
        return pd.DataFrame(columns=["level", "bin", "forecast", "observed", "n"])
    events = binary_events(ensemble)
    bins = pd.cut(events["p"], RELIABILITY_BINS, include_lowest=True)
    table = (
        events.assign(bin=bins.astype(str))
        .groupby(["level", "bin"], sort=True)
        .agg(forecast=("p", "mean"), observed=("observed", "mean"), n=("p", "size"))
        .reset_index()
    )
    return table[table["n"] > 0]

"""Plausibility gates: implausible fields stop the run before anything is assessed.

Statistics are built by hand in the layout of ``statistics.nc``; the end-to-end case (a real
GRIB file with a temperature in °C where the metadata says K) is in tests/test_faults.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from pipeline.statistics.plausibility import implausible

TIMES = np.datetime64("2026-01-15T01", "ns") + np.arange(4) * np.timedelta64(1, "h")


def _stats(variable: str, **values: np.ndarray) -> xr.Dataset:
    """Two regions x four hourly steps x one member; ``values`` per statistic (region, time)."""
    data = {
        f"{variable}_{name}": (("region", "valid_time", "member"), np.asarray(v, float)[..., None])
        for name, v in values.items()
    }
    return xr.Dataset(
        data | {"region_coverage": ("region", [1.0, 1.0])},
        coords={
            "region": ["BE008", "NL012"],
            "valid_time": TIMES,
            "member": [0],
            "step_hours": ("valid_time", [1, 2, 3, 4]),
            "interval_hours": ("valid_time", [1, 1, 1, 1]),
        },
    )


def _plain(value: float) -> np.ndarray:
    return np.full((2, 4), value)


def test_plausible_fields_pass():
    stats = _stats(
        "air_temperature", min=_plain(-5), max=_plain(30), mean=_plain(5), valid_share=_plain(1)
    )
    assert implausible(stats) == []


def test_a_temperature_in_kelvin_units_mistaken_is_named_with_step_and_region():
    low = _plain(5.0)
    low[1, 2] = -268.15  # 5 °C decoded as if it were K: NL012 at step 3
    stats = _stats("air_temperature", min=low, max=_plain(10), mean=_plain(6))
    (problem,) = [p for p in implausible(stats) if "minimum" in p.reason]
    assert (problem.variable, problem.step, problem.region) == ("air_temperature", 3, "NL012")
    assert "value -268.15 below the physical minimum -55" in problem.describe()


@pytest.mark.parametrize(("gust", "bad"), [(85.0, False), (85.01, True), (280.0, True)])
def test_gusts_beyond_any_record_fail(gust, bad):
    """85 m/s (306 km/h) is the limit itself; anything above it fails."""
    high = _plain(20.0)
    high[0, 0] = gust
    problems = implausible(_stats("wind_gust", min=_plain(0), max=high))
    assert bool(problems) == bad
    if bad:
        assert problems[0].describe().startswith("wind_gust at step 1 h, region BE008")


def test_a_half_masked_field_fails_but_a_window_missing_by_design_does_not():
    share = _plain(1.0)
    share[0, 1] = 0.5
    (problem,) = implausible(_stats("wind_gust", min=_plain(0), max=_plain(10), valid_share=share))
    assert "50.0% of the region has no value" in problem.reason
    # A 3 h window at steps 1 and 2 starts before the run (steps 0..4): missing by design.
    window = _plain(1.0)
    window[:, :2] = 0.0
    stats = _stats("precipitation_3h", min=_plain(0), max=_plain(1), valid_share=window)
    assert implausible(stats) == []
    window[:, 2] = 0.0  # step 3's window starts at step 0, an output step: must exist
    (problem,) = implausible(
        _stats("precipitation_3h", min=_plain(0), max=_plain(1), valid_share=window)
    )
    assert (problem.variable, problem.step) == ("precipitation_3h", 3)


@pytest.mark.parametrize(("second", "bad"), [(17.0, False), (17.01, True), (-7.01, True)])
def test_temperature_jumps_beyond_12_kelvin_per_hour_fail(second, bad):
    mean = _plain(5.0)
    mean[:, 1:] = second
    stats = _stats("air_temperature", min=_plain(-10), max=_plain(20), mean=mean)
    problems = implausible(stats)
    assert bool(problems) == bad
    if bad:
        assert "per hour (limit 12)" in problems[0].reason and problems[0].step == 2

"""Which regions a run speaks for (grid coverage), and the regional extreme each region's own
authority reads."""

from __future__ import annotations

import numpy as np
import xarray as xr

from pipeline.assessment.assess import covered_regions, regional_extreme
from pipeline.assessment.criteria import load_criteria
from pipeline.settings import DEFAULT_REGIONS_DIR

CRITERIA = load_criteria(DEFAULT_REGIONS_DIR)
TIMES = np.array(["2026-01-15T01", "2026-01-15T02"], dtype="datetime64[ns]")


def _stats(regions: list[str], **variables: list) -> xr.Dataset:
    """(region, valid_time, member) variables over two hours and two members."""
    return xr.Dataset(
        {name: (("region", "valid_time", "member"), np.array(v)) for name, v in variables.items()},
        coords={"region": regions, "valid_time": TIMES, "member": [0, 1]},
    )


def test_a_region_the_grid_covers_below_nine_tenths_is_left_out():
    stats = _stats(["A", "B", "C"], x=np.zeros((3, 2, 2)))
    stats["region_coverage"] = ("region", [1.0, 0.9, 0.8999])
    kept, left_out = covered_regions(stats)
    assert left_out == ["C"]
    assert kept["region"].values.tolist() == ["A", "B"]
    assert kept["region_coverage"].values.tolist() == [1.0, 0.9]


def test_a_grid_covering_every_region_keeps_them_all():
    stats = _stats(["A", "B"], x=np.zeros((2, 2, 2)))
    stats["region_coverage"] = ("region", [0.9, 1.0])
    kept, left_out = covered_regions(stats)
    assert left_out == []
    xr.testing.assert_identical(kept, stats)


def test_the_regional_minimum_of_cold_reads_each_authoritys_variable_over_members():
    """Cold: KNMI reads wind chill, DWD the air temperature. Regions asked in another order than
    the statistics hold them come back in the order asked."""
    air = [[[-3.0, -5.0], [-1.0, 0.5]], [[-2.0, -2.5], [-7.0, -6.0]]]  # DE1, NL1
    chill = [[[-9.0, -9.5], [-8.0, -8.5]], [[-4.0, -4.5], [-12.0, -11.0]]]
    stats = _stats(["DE1", "NL1"], air_temperature_min=air, wind_chill_min=chill)
    countries = {"DE1": "DE", "NL1": "NL"}
    extreme = regional_extreme(stats, CRITERIA, countries, "cold", ["NL1", "DE1"])
    assert extreme.dims == ("region", "valid_time")
    assert extreme["region"].values.tolist() == ["NL1", "DE1"]
    # NL1: wind chill, lower member per hour; DE1: air temperature.
    assert extreme.values.tolist() == [[-4.5, -12.0], [-5.0, -1.0]]


def test_a_run_without_the_authoritys_variable_gives_the_hazards_first_one():
    air = [[[-2.0, -2.5], [-7.0, -6.0]]]
    extreme = regional_extreme(
        _stats(["NL1"], air_temperature_min=air), CRITERIA, {"NL1": "NL"}, "cold", ["NL1"]
    )
    assert extreme.values.tolist() == [[-2.5, -7.0]]

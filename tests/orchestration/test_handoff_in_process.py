"""A hand-off NetCDF written by this process is taken as written by the next stage of the same
process (``crosswarn run``), once, not read back; one replaced since, or holding lazy data, is
read."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from pipeline.errors import DataNotYetAvailable
from pipeline.orchestration import workdir
from pipeline.orchestration.workdir import read_netcdf, write_netcdf


def _statistics(value: float) -> xr.Dataset:
    return xr.Dataset(
        {"wind_gust_max": (("region", "valid_time"), np.full((2, 3), value, np.float32))},
        coords={"region": ["NL001", "BE211"], "valid_time": [1, 2, 3]},
        attrs={"title": "crosswarn region statistics", "production_status": 0},
    )


@pytest.fixture
def reads(monkeypatch) -> list:
    """The files read from disk."""
    opened: list = []
    real = xr.open_dataset
    monkeypatch.setattr(
        xr, "open_dataset", lambda path, **kw: opened.append(path) or real(path, **kw)
    )
    return opened


def test_the_data_written_is_taken_without_reading_the_file(tmp_path, reads):
    target = tmp_path / "statistics.nc"
    written = _statistics(1.0)
    write_netcdf(written, target)
    taken = read_netcdf(target)
    assert reads == [] and taken.identical(written)
    taken.attrs["title"] = "changed by the reader"  # its own copy: the writer's is unchanged
    assert written.attrs["title"] == "crosswarn region statistics"
    again = read_netcdf(target)  # taken once (a long-lived process holds no old runs): read
    assert reads == [target] and again.identical(written)


def test_a_file_replaced_since_is_read(tmp_path, reads):
    target = tmp_path / "statistics.nc"
    write_netcdf(_statistics(1.0), target)
    _statistics(2.0).to_netcdf(tmp_path / "other.nc")
    (tmp_path / "other.nc").replace(target)  # another process's write, say
    assert float(read_netcdf(target)["wind_gust_max"].max()) == 2.0
    assert reads == [target]


def test_lazy_data_is_not_kept(tmp_path, reads):
    target = tmp_path / "statistics.nc"
    write_netcdf(_statistics(1.0).chunk({"valid_time": 1}), target)
    assert target not in workdir._WRITTEN
    assert float(read_netcdf(target)["wind_gust_max"].min()) == 1.0 and reads == [target]


def test_a_file_removed_since_is_missing(tmp_path):
    target = tmp_path / "statistics.nc"
    write_netcdf(_statistics(1.0), target)
    target.unlink()
    with pytest.raises(DataNotYetAvailable, match="not written yet"):
        read_netcdf(target)

"""Writing a hand-off NetCDF does not import dask.distributed (a third of a second per process)
when no cluster is in use, writes the same bytes as with it imported, and leaves it importable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import numpy as np
    import xarray as xr

    from pipeline.orchestration.workdir import write_netcdf

    folder = Path(sys.argv[1])
    data = xr.Dataset(
        {"wind_gust_max": (("region", "valid_time"), np.arange(6, dtype=np.float32).reshape(2, 3))},
        coords={"region": ["a", "b"], "valid_time": [1, 2, 3]},
        attrs={"title": "crosswarn region statistics"},
    )
    write_netcdf(data, folder / "without.nc")
    imported = "distributed" in sys.modules or "dask.distributed" in sys.modules
    print("distributed imported:", imported)
    import dask.distributed  # still importable: the refusal lasted the write only

    write_netcdf(data, folder / "with.nc")
    print("reads back:", xr.open_dataset(folder / "without.nc").load().identical(data))
    """
)


def test_the_write_imports_no_distributed_and_writes_the_same_bytes(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["distributed imported: False", "reads back: True"]
    assert (tmp_path / "without.nc").read_bytes() == (tmp_path / "with.nc").read_bytes()

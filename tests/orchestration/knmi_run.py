"""A KNMI HARMONIE run served by the loopback mimic of the Open Data API, for stage tests: the
one source whose settings carry a credential (the API key)."""

from __future__ import annotations

from pathlib import Path

from pipeline.settings import Settings
from tests.data import SYNTHETIC_LIMITS
from tests.sources import knmi_api

SOURCE = "knmi-harmonie"
RUN = "2026011500"


def knmi_settings(loopback, tmp_path: Path, **overrides) -> Settings:
    """Settings for a KNMI run of 61 lead times served by ``loopback``, with the mimic's API
    key, in folders under ``tmp_path``."""
    base = knmi_api.serve(loopback, {RUN: knmi_api.run_tar(RUN, range(61), gradient=False)})
    return Settings(
        knmi_base_url=base,
        knmi_api_key=knmi_api.API_KEY,
        archive_dir=tmp_path / "archive",
        work_dir=tmp_path / "work",
        out_dir=tmp_path / "out",
        cache_dir=tmp_path / "cache",
        # The mimic's fields ramp past physical limits over a 60 h run (see the file).
        plausibility_limits=SYNTHETIC_LIMITS,
        **overrides,
    )

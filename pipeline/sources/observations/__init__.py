"""Station observations, one module per provider, all returning the table of
:data:`pipeline.verification.observed.COLUMNS` for a window ``(start, end]``.

Each source archives its raw files under ``{archive_dir}/observations/{id}/{window}/`` with a
manifest, fetches a verified file only once, and retries server errors like the forecast
sources. :data:`OBSERVATION_SOURCES` maps the ids to their ``fetch_observations``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from pipeline.sources.observations import dwd_cdc, kmi_aws, knmi_insitu

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.settings import Settings

#: Source id -> ``fetch_observations(settings, start, end)``.
OBSERVATION_SOURCES: dict[str, Callable[[Settings, datetime, datetime], pd.DataFrame]] = {
    dwd_cdc.SOURCE_ID: dwd_cdc.fetch_observations,
    knmi_insitu.SOURCE_ID: knmi_insitu.fetch_observations,
    kmi_aws.SOURCE_ID: kmi_aws.fetch_observations,
}

__all__ = ["OBSERVATION_SOURCES"]

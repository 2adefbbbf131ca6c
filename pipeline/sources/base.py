"""What every forecast source provides, and the canonical variables it normalises to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Literal

from pipeline.errors import ConfigError

#: Canonical variables (CF standard names where one exists) and their units after normalisation.
CANONICAL_UNITS: dict[str, str] = {
    "wind_gust": "m s-1",  # max gust in the hour ending at valid_time
    "precipitation_1h": "mm",  # precipitation in the hour ending at valid_time
    "air_temperature": "degC",  # 2 m temperature at valid_time
    "eastward_wind": "m s-1",  # 10 m
    "northward_wind": "m s-1",  # 10 m
}

CF_STANDARD_NAMES: dict[str, str] = {
    "wind_gust": "wind_speed_of_gust",
    "precipitation_1h": "precipitation_amount",
    "air_temperature": "air_temperature",
    "eastward_wind": "eastward_wind",
    "northward_wind": "northward_wind",
}


@dataclass(frozen=True)
class Variable:
    """How one provider variable maps onto a canonical one."""

    canonical: str
    grib: tuple[int, int, int]  # GRIB2 discipline, parameterCategory, parameterNumber
    kind: Literal["interval_max", "accumulated", "instant"]
    scale: float = 1.0
    offset: float = 0.0


def parse_run(run: str, *, cycle_hours: int, source_id: str) -> datetime:
    """Parse a run id ``YYYYMMDDHH`` and check that it is on the model's cycle."""
    try:
        when = datetime.strptime(run, "%Y%m%d%H").replace(tzinfo=UTC)
    except ValueError:
        raise ConfigError(f"run {run!r}: expected YYYYMMDDHH, for example 2026011500") from None
    if when.hour % cycle_hours:
        raise ConfigError(
            f"run {run!r}: {source_id} runs every {cycle_hours} h (00, {cycle_hours:02d}, ...)"
        )
    return when


class Source:
    """One provider product. ``locate`` is pure; I/O lives in ``fetch`` and ``open``."""

    id: ClassVar[str]
    description: ClassVar[str]
    model_name: ClassVar[str]
    publication_delay_minutes: ClassVar[int]
    licence: ClassVar[str]
    attribution: ClassVar[str]
    cycle_hours: ClassVar[int]
    max_lead_hours: ClassVar[int]
    variables: ClassVar[dict[str, Variable]]


def run_for(source: type[Source], logical_date: datetime) -> str:
    """The model run an Airflow run at ``logical_date`` processes.

    DAGs are scheduled on the model cycle plus its publication delay, so the run is the latest
    cycle at least ``publication_delay_minutes`` before the logical date. Never "now".
    """
    ready = logical_date.astimezone(UTC) - timedelta(minutes=source.publication_delay_minutes)
    hour = ready.hour - ready.hour % source.cycle_hours
    return ready.replace(hour=hour, minute=0, second=0, microsecond=0).strftime("%Y%m%d%H")

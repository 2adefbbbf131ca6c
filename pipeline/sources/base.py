"""What every forecast source provides, and the canonical variables it normalises to."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pipeline.errors import ConfigError, DataNotYetAvailable
from pipeline.runs import RunId

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import xarray as xr

    from pipeline.settings import Settings

#: GRIB2 code table 4.10 for each kind of variable (None: an instantaneous value).
STATISTICAL_PROCESS = {"instant": None, "accumulated": 1, "interval_max": 2, "interval_min": 3}


#: eccodes keys and the values a message must have, e.g. (("shortName", "2t"),).
Match = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Variable:
    """How one provider variable maps onto a canonical one.

    ``canonical`` is a key of :data:`CANONICAL_UNITS`; for accumulated precipitation it is the
    stem ``precipitation`` and the windows of :data:`PRECIPITATION_WINDOWS` are derived.
    A message is this variable when its GRIB2 parameter is ``grib`` (if given, with the
    statistical process of ``kind``) and its eccodes keys have the values in ``match``.
    ``components`` (instead of ``match``) names the two vector components whose magnitude is
    the variable, one message each (KNMI's gust components).
    """

    canonical: str
    grib: tuple[int, int, int] | None  # GRIB2 discipline, parameterCategory, parameterNumber
    kind: Literal["interval_max", "interval_min", "accumulated", "instant"]
    scale: float = 1.0
    offset: float = 0.0
    match: Match = ()
    components: tuple[Match, ...] = ()

    @property
    def statistical_process(self) -> int | None:
        return STATISTICAL_PROCESS[self.kind]

    @property
    def parts(self) -> tuple[Match, ...]:
        """The messages one member of this variable takes: one, or one per component."""
        return self.components or (self.match,)

    @property
    def keys(self) -> dict[str, type]:
        """The eccodes keys needed to recognise the variable's messages, with their types."""
        return {k: type(v) for part in self.parts for k, v in part}

    def is_part(self, field, part: Match) -> bool:
        """Whether the decoded ``field`` is the message ``part`` of this variable."""
        if self.grib is not None and (
            (field.discipline, field.category, field.number) != self.grib
            or field.statistical_process != self.statistical_process
        ):
            return False
        return self.has_keys(field.keys, part)

    @staticmethod
    def has_keys(values: dict, part: Match) -> bool:
        """Whether eccodes key ``values`` of a message hold every value ``part`` asks for."""
        return all(values.get(key) == value for key, value in part)

    def describe(self, part: Match = ()) -> str:
        bits = [f"GRIB2 parameter {self.grib} / process {self.statistical_process}"]
        bits = bits if self.grib is not None else []
        bits += [f"{key}={value}" for key, value in part]
        return ", ".join(bits)


@dataclass(frozen=True)
class RunStatus:
    """Which expected files of a run the server lists."""

    source: str
    run: str
    expected: int
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing

    def describe(self) -> str:
        if self.complete:
            return f"{self.source} {self.run}: complete ({self.expected} files)"
        return (
            f"{self.source} {self.run}: {len(self.missing)} of {self.expected} files not listed "
            f"yet, first {self.missing[0]}"
        )


class Source:
    """One provider product. ``locate`` is pure; I/O lives in ``fetch`` and ``open``."""

    id: ClassVar[str]
    model_name: ClassVar[str]
    publication_delay_minutes: ClassVar[int]
    licence: ClassVar[str]
    attribution: ClassVar[str]
    cycle_hours: ClassVar[int]
    max_lead_hours: ClassVar[int]
    variables: ClassVar[dict[str, Variable]]
    #: The provider variables a run is fetched and assessed for (the DAG maps over them).
    default_params: ClassVar[tuple[str, ...]]
    #: One download holds every variable of a run (KNMI's tar): fetched by one task.
    fetch_in_one: ClassVar[bool] = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Source:
        raise NotImplementedError

    def fetch(self, run: str, archive: Path, **kwargs: Any) -> Path:
        """Download and verify every file of ``run`` into ``archive``; return the run's dir."""
        raise NotImplementedError

    def open(self, run: str, archive: Path, **kwargs: Any) -> xr.Dataset:
        """The archived run as canonical variables, lazily."""
        raise NotImplementedError

    def available_runs(self, params: list[str] | None = None) -> list[str]:
        """Runs the provider lists (complete or not), oldest first."""
        raise NotImplementedError

    def run_status(self, run: str, params: list[str] | None = None) -> RunStatus:
        """Which of the run's expected files the provider does not list yet."""
        raise NotImplementedError

    @classmethod
    def runs_of(cls, candidates) -> list[str]:
        """The listed run names that are real runs of this product (a valid date on its
        cycle), oldest first; an odd entry in a listing is skipped with a warning, never
        fatal."""
        runs = set()
        for name in candidates:
            try:
                runs.add(str(RunId(name, cycle_hours=cls.cycle_hours, source_id=cls.id)))
            except ConfigError as exc:
                log.warning("%s: skipping listing entry: %s", cls.id, exc)
        return sorted(runs)

    def latest_complete_run(self, params: list[str] | None = None) -> str:
        """The newest run whose every expected file is listed; members are checked on decode."""
        statuses = []
        for run in reversed(self.available_runs(params)):
            status = self.run_status(run, params)
            if status.complete:
                return run
            statuses.append(status)
        detail = statuses[0].describe() if statuses else "no run listed at all"
        where = getattr(self, "base_url", "the provider's server")
        raise DataNotYetAvailable(f"{self.id}: no complete run on {where}; {detail}")


def run_for(source: type[Source], logical_date: datetime) -> str:
    """The model run an Airflow run at ``logical_date`` processes (see
    :meth:`RunId.for_logical_date`): DAGs are scheduled on the model cycle plus its publication
    delay. Never "now"."""
    return RunId.for_logical_date(
        logical_date,
        cycle_hours=source.cycle_hours,
        delay_minutes=source.publication_delay_minutes,
    )

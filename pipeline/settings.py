"""The one settings object, read from the environment (prefix ``CROSSWARN_``).

Precedence: defaults < environment. Settings are passed explicitly to the functions that need
them; nothing in ``pipeline`` reads the environment at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The source tree's ``regions/``; an installed wheel carries the same files as package data.
DEFAULT_REGIONS_DIR = (
    PROJECT_ROOT / "regions"
    if (PROJECT_ROOT / "regions" / "scope.yaml").exists()
    else Path(__file__).resolve().parent / "_regions"
)


class Settings(BaseSettings):
    """Run-time settings for crosswarn."""

    model_config = SettingsConfigDict(env_prefix="CROSSWARN_", extra="forbid", frozen=True)

    dwd_base_url: str = Field(
        "https://opendata.dwd.de/weather/nwp",
        description="Root of DWD's NWP tree: the real server, an http:// or a file:// mirror.",
    )
    dwd_grid_url: str | None = Field(
        None,
        description="Where DWD's ICON grid files are; default: lib/cdo beside the NWP tree.",
    )
    knmi_base_url: str = Field(
        "https://api.dataplatform.knmi.nl/open-data/v1",
        description="KNMI Data Platform Open Data API (or a loopback server mimicking it).",
    )
    ecmwf_base_url: str = Field(
        "https://data.ecmwf.int/forecasts",
        description="Root of ECMWF's open-data tree: data.ecmwf.int, a mirror, or file://.",
    )
    archive_dir: Path = Field(Path("archive"), description="Where verified raw inputs are kept.")
    out_dir: Path = Field(Path("out"), description="Where warning files and statistics go.")
    work_dir: Path = Field(Path("work"), description="Intermediate products of each run.")
    cache_dir: Path | None = Field(Path(".cache"), description="Cached region weights.")
    nuts_mirror: Path | None = Field(
        None, description="A directory holding GISCO's NUTS GeoJSON files, instead of GISCO."
    )
    regions_dir: Path = Field(DEFAULT_REGIONS_DIR, description="Region registry and criteria.")
    plausibility_limits: Path = Field(
        Path(__file__).parent / "statistics" / "plausibility.yaml",
        description="Physical limits every run's fields are checked against before assessment.",
    )
    ledger_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the warning ledger (PostgreSQL in deployment); "
        "default: SQLite at {work_dir}/ledger.sqlite.",
    )
    cap_status: Literal["Actual", "Exercise", "Test"] = Field(
        "Exercise",
        description="CAP status for real forecasts: Actual only where a deployment sets it (see "
        "README, CAP status). Scenario data is never published as Actual.",
    )
    cap_sender: str = "crosswarn@example.org"
    cap_contact: str = Field(
        "crosswarn operator <operator@example.org>",
        description="Who receivers contact about a message (CAP <contact>): the deployment's "
        "operator, never the warning authority.",
    )
    cap_oid_prefix: str = Field(
        "2.49.0.0.0.0.CROSSWARN",
        description="WMO OID-style prefix of CAP identifiers; set the issuing authority's OID.",
    )

    def ledger(self):
        """The warning ledger these settings point at."""
        from pipeline.ledger.store import Ledger

        url = self.ledger_url or f"sqlite:///{(self.work_dir / 'ledger.sqlite').resolve()}"
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return Ledger(url, sender=self.cap_sender, oid_prefix=self.cap_oid_prefix)

    knmi_api_key: SecretStr | None = Field(
        None, description="KNMI Data Platform key; in Airflow, the Connection knmi_open_data."
    )
    webhook_url: str | None = Field(None, description="Where CAP messages are POSTed.")
    alert_url: str | None = Field(
        None, description="Where the watchdog POSTs its alarms (the operators' webhook)."
    )
    webhook_unsigned: bool = Field(
        False,
        description="Send webhooks without a signature when no secret is set (explicit opt-in).",
    )
    webhook_secret: SecretStr | None = Field(
        None, description="HMAC-SHA256 key signing webhook bodies (X-Crosswarn-Signature)."
    )
    smtp_host: str | None = Field(None, description="SMTP server for the crisis cells' mail.")
    smtp_port: int = 25
    dask_scheduler: str | None = Field(
        None, description="Address of a Dask scheduler (tcp://host:8786); unset: local threads."
    )
    archive_retention_days: int = Field(
        7, ge=1, description="Days raw inputs and intermediate products are kept."
    )
    outbox_retention_days: int = Field(
        30, ge=1, description="Days published files are kept (unless still referenced)."
    )
    consultation_max_run_age_hours: int = Field(
        12,
        ge=0,
        description="The consultation combines each model's newest run, but leaves out a run "
        "more than this many hours older than the newest of all (a model that stopped "
        "publishing must not keep voting), and says so.",
    )
    download_workers: int = Field(4, ge=1, le=32)
    decode_workers: int = Field(2, ge=1, le=32)
    dask_connect_timeout_s: float = Field(
        10.0, gt=0, description="Seconds to wait for the Dask scheduler before giving up on it."
    )
    dask_fallback: Literal["local", "fail"] = Field(
        "local",
        description="When the Dask scheduler cannot be reached: compute in local threads "
        "(decode_workers) with a warning, or fail the task with a retryable error.",
    )
    statsd_host: str | None = Field(
        None,
        description="StatsD server the stages' metrics are sent to over UDP (names in "
        "pipeline/metrics.py); unset: no metrics are sent.",
    )
    statsd_port: int = Field(8125, ge=1, le=65535, description="UDP port of the StatsD server.")
    statsd_prefix: str = Field(
        "crosswarn",
        pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$",
        description="First part of every metric name.",
    )
    web_tokens: Path | None = Field(
        None,
        description="The crisis cells' web-view tokens, stored as hashes (crosswarn serve "
        "--add-token CELL); unset: the web view's consultation pages refuse everyone.",
    )
    dwd_cdc_base_url: str = Field(
        "https://opendata.dwd.de/climate_environment/CDC/observations_germany/climate",
        description="Root of DWD's Climate Data Center station observations (10_minutes/, "
        "hourly/): the real server, an http:// or a file:// mirror.",
    )
    kmi_aws_base_url: str = Field(
        "https://opendata.meteo.be/service/aws/ows",
        description="KMI-IRM's GeoServer WFS of automatic weather stations (or a loopback "
        "server mimicking it).",
    )
    knmi_insitu_dataset: str = Field(
        "10-minute-in-situ-meteorological-observations",
        description="KNMI Data Platform dataset of 10-minute station observations (same API "
        "and key as knmi_base_url / knmi_api_key).",
    )
    knmi_insitu_version: str = Field("1.0", description="Version of knmi_insitu_dataset.")
    observation_bounds: tuple[float, float, float, float] = Field(
        (47.5, 54.5, 1.5, 10.5),
        description="Stations kept by the observation sources: (lat_min, lat_max, lon_min, "
        "lon_max) in degrees; only stations inside are downloaded where the source allows.",
    )

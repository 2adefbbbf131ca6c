"""docker-compose.yml: the environment every service gets is what the pipeline reads."""

from __future__ import annotations

import re

import yaml

from pipeline.settings import Settings
from tests.conftest import ROOT

PIPELINE_SERVICES = {
    "airflow-init", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor",
    "airflow-triggerer", "airflow-worker", "dask-scheduler", "dask-worker",
}  # fmt: skip


def _substitute(value: str) -> str:
    """${VAR:-default} -> default, ${VAR} -> a placeholder, as compose does with an empty .env."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
    return re.sub(r"\$\{[A-Z_]+\}", "placeholder", value)


def test_services_get_settings_the_pipeline_reads():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= PIPELINE_SERVICES
    fields = {f"CROSSWARN_{name.upper()}" for name in Settings.model_fields}
    for name in PIPELINE_SERVICES:
        env = {k: _substitute(v) for k, v in services[name]["environment"].items()}
        ours = {k: v for k, v in env.items() if k.startswith("CROSSWARN_")}
        assert set(ours) <= fields, f"{name}: unknown settings {set(ours) - fields}"
        settings = Settings(
            **{k.removeprefix("CROSSWARN_").lower(): v for k, v in ours.items() if v}
        )
        assert settings.ledger_url.startswith("postgresql+pg8000://crosswarn:")
        assert settings.dask_scheduler == "tcp://dask-scheduler:8786"
        assert str(settings.archive_dir) == "/data/archive"
    # Every machine that reads the archive mounts the same volume at the configured path.
    for name in ("airflow-worker", "dask-worker"):
        assert "archive:/data/archive" in services[name]["volumes"]
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    for name in PIPELINE_SERVICES - {"airflow-init", "dask-worker"}:
        assert "healthcheck" in services[name], name


def test_env_example_names_every_variable_compose_needs():
    text = (ROOT / "docker-compose.yml").read_text()
    needed = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text))  # $${X} is a literal
    example = {
        line.split("=", 1)[0]
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert needed <= example, needed - example

"""docker-compose.yml, Dockerfile and deploy/, read the way compose and Airflow 3.3 read them.

One signing secret and configuration for every Airflow component, start order gated on health
and on airflow-init, placeholder secrets refused before anything starts (PostgreSQL included),
writable volumes, and limits that fit a 2-core / 24 GB host. The deploy scripts run under ``sh``.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import shutil
import subprocess
import time
from urllib.parse import urlsplit

import pytest
import yaml

from pipeline.settings import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
PIPELINE_SERVICES = {
    "airflow-init", "airflow-api-server", "airflow-scheduler", "airflow-dag-processor",
    "airflow-triggerer", "airflow-worker", "dask-scheduler", "dask-worker", "watchdog",
}  # fmt: skip
AIRFLOW_SERVICES = {
    "airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
    "airflow-worker",
}  # fmt: skip
ONE_SHOT = {"secrets-check", "airflow-init"}
SECRETS = {
    "POSTGRES_PASSWORD", "LEDGER_DB_PASSWORD", "AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_FERNET_KEY",
    "AIRFLOW_API_SECRET_KEY", "AIRFLOW_JWT_SECRET",
}  # fmt: skip
#: What the stack may use of a 24 GiB host; the rest is the kernel's, Docker's and page cache.
MEMORY_BUDGET_GIB = 20
HOST_CPUS = 2

# Real-looking secrets, fixed so the tests are repeatable: what token_urlsafe and
# Fernet.generate_key produce.
GOOD = "p7Qx-3vLk_9ZrT2mW8yN4bH6cJ1dF5gS0aE"
FERNET = base64.urlsafe_b64encode(bytes(range(32))).decode()
OTHER_FERNET = base64.urlsafe_b64encode(bytes(range(32, 64))).decode()


@functools.cache
def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _services() -> dict:
    return _compose()["services"]


def _env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def _required_in_compose() -> set[str]:
    return set(re.findall(r"\$\{([A-Z_]+):\?", (ROOT / "docker-compose.yml").read_text()))


def _substitute(value: str) -> str:
    """${VAR:-default} -> default, ${VAR} and ${VAR:?message} -> a placeholder."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
    return re.sub(r"\$\{[A-Z_]+(:\?[^}]*)?\}", "placeholder", value)


def _sh(script: str, *args: str, env: dict[str, str] | None = None):
    """Run a deploy script under sh with only PATH and ``env`` in its environment."""
    return subprocess.run(
        ["sh", str(DEPLOY / script), *args],
        env={"PATH": os.environ["PATH"], **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _bytes(limit: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)b?", str(limit).lower()).groups()
    return int(number) * 1024 ** {"": 0, "k": 1, "m": 2, "g": 3}[unit]


# The environment


def test_services_get_settings_the_pipeline_reads():
    services = _services()
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
        assert urlsplit(settings.ledger_url).path == "/crosswarn"  # its own database
        assert settings.dask_scheduler == "tcp://dask-scheduler:8786"
        assert str(settings.archive_dir) == "/data/archive"
    # Every machine that reads the archive mounts the same volume at the configured path; the
    # Dask worker also writes (a corrupt file goes to the archive's quarantine) and uses the cache.
    for name in ("airflow-worker", "dask-worker"):
        assert {"archive:/data/archive", "cache:/data/cache"} <= set(services[name]["volumes"])
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_env_example_names_every_variable_compose_needs():
    text = (ROOT / "docker-compose.yml").read_text()
    needed = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text))  # $${X} is a literal
    assert needed <= set(_env_example()), needed - set(_env_example())


def test_airflow_components_share_one_configuration():
    """A secret generated per container (Airflow's default) rejects every task's token."""
    services = _services()
    shared = (
        "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW__CORE__AUTH_MANAGER", "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__CORE__EXECUTOR",
    )  # fmt: skip
    for key in shared:
        values = {services[n]["environment"].get(key) for n in AIRFLOW_SERVICES | {"airflow-init"}}
        assert len(values) == 1 and None not in values, f"{key}: {values}"
    env = services["airflow-api-server"]["environment"]
    for key, variable in [
        ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW_JWT_SECRET"),
        ("AIRFLOW__API__SECRET_KEY", "AIRFLOW_API_SECRET_KEY"),
        ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW_FERNET_KEY"),
    ]:
        assert env[key].startswith(f"${{{variable}:?"), key  # required, never empty
    # Tasks reach the Execution API on the api-server service.
    api = urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert (api.hostname, api.port) == ("airflow-api-server", 8080)
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "False"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    # Celery's database result backend names its driver: a bare db+postgresql:// makes
    # SQLAlchemy load psycopg (3), which the image does not have, and the worker dies at start
    # (seen in tests/integration/test_distributed.py).
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg2://")


def test_required_secrets_are_the_ones_the_check_refuses():
    assert _required_in_compose() == SECRETS
    assert set(_services()["secrets-check"]["environment"]) == SECRETS
    # airflow-init checks them again, so it gets them under the same names.
    assert set(_services()["airflow-init"]["environment"]) >= SECRETS


# Start order, restarts, health


def test_start_order_is_gated_on_secrets_health_and_init():
    services = _services()

    def waits_for(name: str) -> dict[str, str]:
        return {k: v["condition"] for k, v in services[name].get("depends_on", {}).items()}

    assert waits_for("postgres") == {"secrets-check": "service_completed_successfully"}
    assert waits_for("airflow-init") == {
        "postgres": "service_healthy",
        "redis": "service_healthy",
    }
    for name in AIRFLOW_SERVICES:
        assert waits_for(name).items() >= {
            ("postgres", "service_healthy"),
            ("redis", "service_healthy"),
            ("airflow-init", "service_completed_successfully"),
        }, name
    # Tasks and triggers talk to the Execution API, so these wait until it answers.
    for name in ("airflow-worker", "airflow-triggerer"):
        assert waits_for(name)["airflow-api-server"] == "service_healthy"
    # Whatever uses the volumes starts after airflow-init gave them to the airflow user.
    before_init = {"secrets-check", "postgres", "redis", "airflow-init", "dask-scheduler"}
    for name in set(services) - before_init:
        assert waits_for(name)["airflow-init"] == "service_completed_successfully", name
    for name in services:
        for other, condition in waits_for(name).items():
            if condition == "service_healthy":
                assert "healthcheck" in services[other], f"{name} waits on {other}"


def test_long_running_services_restart_and_report_health():
    for name, service in _services().items():
        if name in ONE_SHOT:
            assert service["restart"] == "no", name
        else:
            assert service["restart"] == "unless-stopped", name
            assert service["healthcheck"]["test"], name


def test_resource_limits_fit_a_2_core_24_gb_host():
    services = _services()
    for name, service in services.items():
        # A limit above the host's cores does not start; the sum may exceed them (limits cap
        # a runaway, they reserve nothing).
        assert 0 < float(service["cpus"]) <= HOST_CPUS, name
    memory = sum(_bytes(service["mem_limit"]) for service in services.values())
    assert memory <= MEMORY_BUDGET_GIB * 1024**3, f"{memory / 1024**3:.1f} GiB"
    # Dask spills and pauses before the container's limit kills the worker.
    entrypoint = services["dask-worker"]["entrypoint"]
    dask_limit = entrypoint[entrypoint.index("--memory-limit") + 1].removesuffix("iB")
    assert _bytes(dask_limit) < _bytes(services["dask-worker"]["mem_limit"])


def test_logs_are_one_volume_with_retention():
    services = _services()
    for name in AIRFLOW_SERVICES | {"airflow-init", "log-groomer"}:
        assert "logs:/opt/airflow/logs" in services[name]["volumes"], name
    groomer = services["log-groomer"]["entrypoint"]
    assert "/opt/crosswarn/deploy/prune-logs.sh" in groomer
    assert int(groomer[groomer.index("/opt/crosswarn/deploy/every.sh") + 1]) == 86400
    # What the containers print is rotated by Docker.
    for name, service in services.items():
        assert service["logging"]["options"].keys() >= {"max-size", "max-file"}, name


def test_watchdog_watches_the_outbox_and_the_api_server():
    services = _services()
    watchdog = services["watchdog"]
    command = watchdog["entrypoint"]
    assert command[command.index("crosswarn") + 1] == "watchdog"
    api = urlsplit(command[command.index("--api-url") + 1])
    assert api.hostname == "airflow-api-server" and api.hostname in services
    assert any(p.endswith(f":{api.port}") for p in services["airflow-api-server"]["ports"])
    out_dir = watchdog["environment"]["CROSSWARN_OUT_DIR"]
    assert f"outbox:{out_dir}:ro" in watchdog["volumes"]


# The image


def test_image_creates_every_mounted_path_for_the_airflow_user():
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    created = set(re.search(r"mkdir -p ([^&\n]+)", dockerfile).group(1).split())
    owned = re.search(r"chown -R airflow:0 ([^&\n]+)", dockerfile).group(1).split()
    for name, service in _services().items():
        if service.get("image") != "crosswarn:latest":
            continue
        for volume in service.get("volumes", []):
            target = volume.split(":")[1]
            assert target in created, f"{name}: {target}"
            assert any(target.startswith(path) for path in owned), f"{name}: {target}"


def test_image_carries_the_regions_and_deploy_scripts_it_is_run_with():
    dockerfile = (ROOT / "Dockerfile").read_text()
    regions = re.search(r"^ENV CROSSWARN_REGIONS_DIR=(\S+)$", dockerfile, re.M).group(1)
    assert re.search(rf"^COPY \S+ regions {re.escape(regions)}$", dockerfile, re.M)
    assert (ROOT / "regions" / "scope.yaml").is_file()
    assert re.search(r"^COPY \S+ deploy /opt/crosswarn/deploy$", dockerfile, re.M)
    scripts = set(re.findall(r"/opt/crosswarn/deploy/([\w.-]+)", yaml.safe_dump(_compose())))
    assert scripts >= {"check-secrets.sh", "airflow-init.sh", "every.sh", "prune-logs.sh"}
    for script in scripts:
        assert (DEPLOY / script).is_file(), script


@pytest.mark.parametrize("script", sorted(p.name for p in DEPLOY.glob("*.sh")))
def test_deploy_scripts_parse_as_posix_sh(script):
    result = subprocess.run(["sh", "-n", str(DEPLOY / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# deploy/check-secrets.sh


def test_check_secrets_refuses_every_placeholder_of_env_example():
    example = _env_example()
    result = _sh("check-secrets.sh", env=example)
    assert result.returncode == 1
    refused = {line.split()[1] for line in result.stderr.splitlines()}
    assert refused == SECRETS
    assert all("placeholder" in line for line in result.stderr.splitlines())


def test_check_secrets_accepts_generated_values():
    env = {name: GOOD + name for name in SECRETS} | {"AIRFLOW_FERNET_KEY": FERNET}
    result = _sh("check-secrets.sh", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    # A key rotation lists the new key first, then the old one.
    rotating = _sh(
        "check-secrets.sh",
        "AIRFLOW_FERNET_KEY",
        env={"AIRFLOW_FERNET_KEY": f"{FERNET},{OTHER_FERNET}"},
    )
    assert rotating.returncode == 0, rotating.stderr


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("POSTGRES_PASSWORD", "", "is empty"),
        ("POSTGRES_PASSWORD", "change-me-too", "placeholder"),
        ("AIRFLOW_JWT_SECRET", "CHANGEME-0123456789abcdef", "placeholder"),
        ("AIRFLOW_API_SECRET_KEY", "your-secret-key-goes-here", "placeholder"),
        ("LEDGER_DB_PASSWORD", "s3cretpass", "shorter than 16 characters"),
        ("AIRFLOW_ADMIN_PASSWORD", "correct horse battery staple", "may only hold"),
        ("POSTGRES_PASSWORD", "p@ss/word:0123456789", "may only hold"),
        ("AIRFLOW_FERNET_KEY", GOOD, "not a Fernet key"),
        ("AIRFLOW_FERNET_KEY", FERNET[:-1], "not a Fernet key"),
    ],
)
def test_check_secrets_names_the_variable_and_keeps_the_value_out(name, value, reason):
    env = {n: GOOD for n in SECRETS} | {"AIRFLOW_FERNET_KEY": FERNET, name: value}
    result = _sh("check-secrets.sh", env=env)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"check-secrets: {name} ") and reason in line
    assert "generate one with: python3 -c" in line
    if value and "placeholder" not in reason:
        assert value not in line


def test_check_secrets_without_names_checks_what_compose_requires():
    result = _sh("check-secrets.sh", env={})
    assert result.returncode == 1
    assert {line.split()[1] for line in result.stderr.splitlines()} == _required_in_compose()
    assert _sh("check-secrets.sh", "not-a-name").returncode == 2


# deploy/prune-logs.sh, deploy/every.sh, deploy/backup.sh


def test_prune_logs_deletes_only_what_retention_allows(tmp_path):
    now = time.time()
    month_ago = now - 31 * 86400
    old = tmp_path / "dag_id=a" / "run_id=old" / "task_id=t" / "attempt=1.log"
    new = tmp_path / "dag_id=a" / "run_id=new" / "task_id=t" / "attempt=1.log"
    old_empty, new_empty = tmp_path / "dag_id=gone", tmp_path / "dag_id=starting"
    for path in (old, new):
        path.parent.mkdir(parents=True)
        path.write_text("log\n")
    for folder in (old_empty, new_empty):
        folder.mkdir()
    os.utime(old, (month_ago, month_ago))
    os.utime(old_empty, (month_ago, month_ago))

    env = {"LOGS_DIR": str(tmp_path), "AIRFLOW_LOG_RETENTION_DAYS": "30"}
    result = _sh("prune-logs.sh", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"prune-logs: removed 1 log files older than 30 days from {tmp_path}\n"
    assert not old.exists() and new.exists()
    assert not old_empty.exists() and new_empty.exists()
    # The folder whose file just went is kept until it has been empty for as long.
    assert old.parent.is_dir()
    for days in ("0", "a week"):
        refused = _sh("prune-logs.sh", env=env | {"AIRFLOW_LOG_RETENTION_DAYS": days})
        assert refused.returncode == 2 and "whole number of days" in refused.stderr


def test_every_runs_on_after_a_failure_and_stops_on_term(tmp_path):
    runs, heartbeat = tmp_path / "runs", tmp_path / "alive"
    loop = subprocess.Popen(
        ["sh", str(DEPLOY / "every.sh"), "0.05", "sh", "-c", f"echo run >> {runs}; exit 3"],
        env={"PATH": os.environ["PATH"], "EVERY_HEARTBEAT": str(heartbeat)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not runs.exists() or len(runs.read_text().splitlines()) < 3:
            assert time.monotonic() < deadline, "the command did not run three times"
            time.sleep(0.05)
        loop.terminate()
        assert loop.wait(timeout=30) == 0
    finally:
        loop.kill()
    assert heartbeat.exists()
    assert "'sh' exited with status 3" in loop.stderr.read()
    assert _sh("every.sh", "300").returncode == 2


@pytest.mark.parametrize("works", [True, False])
def test_backup_writes_a_whole_dump_or_none(tmp_path, works):
    fake = tmp_path / "compose"  # stands in for `docker compose`: records its arguments
    fake.write_text(
        f'#!/bin/sh\necho "$*" > {tmp_path}/args\nprintf PGDMP-bytes\n'
        + ("" if works else "exit 1\n")
    )
    backups = tmp_path / "backups"
    result = _sh("backup.sh", str(backups), env={"COMPOSE": f"sh {fake}"})
    args = (tmp_path / "args").read_text().split()
    assert args[:4] == ["exec", "-T", "postgres", "pg_dump"]
    assert {"--username=airflow", "--dbname=crosswarn", "--format=custom"} <= set(args)
    dumps = list(backups.iterdir())
    if works:
        assert result.returncode == 0, result.stderr
        (dump,) = dumps
        assert re.fullmatch(r"crosswarn-ledger-\d{8}T\d{6}Z\.dump", dump.name)
        assert dump.read_text() == "PGDMP-bytes"
        assert result.stdout == f"{dump}\n"
    else:
        assert result.returncode == 1 and "no backup was written" in result.stderr
        assert dumps == []


# docker-compose itself (CI installs Debian's docker-compose; no engine is needed)


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_compose_validates_and_refuses_a_missing_secret(tmp_path):
    def config(env_file):
        return subprocess.run(
            ["docker-compose", "--env-file", env_file, "-f", "docker-compose.yml", "config", "-q"],
            cwd=ROOT,
            env={"PATH": os.environ["PATH"]},
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert config(ROOT / ".env.example").returncode == 0
    without_jwt = tmp_path / "env"
    without_jwt.write_text(
        "".join(f"{k}={v}\n" for k, v in _env_example().items() if k != "AIRFLOW_JWT_SECRET")
    )
    refused = config(without_jwt)
    assert refused.returncode != 0
    assert "set AIRFLOW_JWT_SECRET in .env" in refused.stderr

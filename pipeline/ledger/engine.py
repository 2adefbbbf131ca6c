"""The ledger's database engine (SQLite: one writer at a time; PostgreSQL: pooled) and its
Alembic configuration."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATING = threading.Lock()  # Alembic's command API keeps module-level state
#: The newest migration in ``migrations/versions`` (a test checks it is Alembic's head). A
#: ledger found there is neither migrated nor checked through Alembic, whose loading and
#: reading of its scripts took 0.2 s of every run's start.
HEAD = "0005"


def engine_for(url: str) -> Engine:
    """The engine of the ledger at ``url``."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _immediate(connection) -> None:
            # One writer at a time: a second run waits here instead of failing on commit.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine):
    """Alembic's configuration for the ledger behind ``engine``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def stored_revision(engine: Engine) -> str | None:
    """The revision Alembic recorded in the ledger (its ``alembic_version`` table), read
    without loading Alembic; None when the ledger has no schema yet."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

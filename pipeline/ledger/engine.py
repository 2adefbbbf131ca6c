"""The ledger's database engine (SQLite: one writer at a time; PostgreSQL: pooled) and its
Alembic configuration."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATING = threading.Lock()  # Alembic's command API keeps module-level state


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

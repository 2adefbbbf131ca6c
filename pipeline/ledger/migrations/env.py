"""Alembic environment: the engine comes from :meth:`pipeline.ledger.store.Ledger.migrate`
(or -x url=...)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from pipeline.ledger.models import Base

config = context.config
engine = config.attributes.get("engine") or create_engine(
    context.get_x_argument(as_dictionary=True)["url"]
)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two processes opening the ledger at once: one migrates, the other waits.
            connection.execute(text("SELECT pg_advisory_xact_lock(72503180)"))
        context.run_migrations()

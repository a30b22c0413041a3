"""Alembic environment of the label store; run by ``labeling.schema`` with a connection in ``config.attributes``."""

from alembic import context
from sqlmodel import SQLModel

from labeling import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through labeling.schema.upgrade_store(engine), which passes the connection.")
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

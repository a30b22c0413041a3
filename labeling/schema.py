"""The store's schema under Alembic: bring any store (new, older, or made before migrations) to the newest revision."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from hloop.core.errors import StoreBrokenError, StoreMismatchError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
BASELINE_TABLES = frozenset({"example", "label", "prediction", "claim", "skip", "storeinfo"})
_PG_LOCK_KEY = 7_311_870_203  # any constant: serialises schema upgrades of one PostgreSQL database


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str:
    """The newest schema revision this release knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def known_revisions() -> set[str]:
    """Every schema revision this release knows."""
    return {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The store's schema revision (None for a new store or one made before migrations)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_store(engine: Engine) -> str:
    """Bring the store to the newest revision (a no-op when it is there already); returns that revision."""
    head = head_revision()
    with engine.connect() as connection:
        if current_revision(connection) == head:  # the fast path: one small query, and the columns checked
            check_columns(connection)
            return head
    try:
        with engine.begin() as connection:
            _lock(connection)
            _upgrade_locked(connection, head)
            check_columns(connection)  # inside the transaction: a store that fails is not stamped
    except DBAPIError:
        # On a database without a schema lock, another process may have created the tables first.
        with engine.connect() as connection:
            if current_revision(connection) != head:
                raise
            check_columns(connection)
    return head


def check_columns(connection: Connection) -> None:
    """StoreBrokenError naming every ``table.column`` the tables of this release expect and the store lacks."""
    from sqlmodel import SQLModel

    from labeling import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    missing = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in present:
            missing.append(f"{table.name} (the whole table)")
            continue
        there = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in there]
    if missing:
        raise StoreBrokenError(
            f"The label store lacks {', '.join(missing[:8])}{' …' if len(missing) > 8 else ''}, which this release "
            f"needs (schema revision {current_revision(connection) or 'none'}); it was made or changed by another "
            "program. Nothing was changed. Restore a backup into a new store (`python -m hloop restore`), or point "
            "HLOOP_DATABASE_URL at a new store."
        )


def _lock(connection: Connection) -> None:
    """Hold the database's write lock (SQLite) or an advisory lock (PostgreSQL) until the transaction ends."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _upgrade_locked(connection: Connection, head: str) -> None:
    """Stamp a store made before migrations at the baseline, then upgrade to ``head``; inside the lock."""
    revision = current_revision(connection)
    if revision == head:
        return
    config = _config(connection)
    if revision is None:
        present = BASELINE_TABLES & set(inspect(connection).get_table_names())
        if present == BASELINE_TABLES:
            command.stamp(config, BASELINE)
        elif present:
            raise StoreMismatchError(
                f"The label store has only some of its tables ({', '.join(sorted(present))}) and no schema "
                "version; it was not made by HumanLoopML. Point HLOOP_DATABASE_URL at a new or a HumanLoopML store."
            )
    elif revision not in known_revisions():
        raise StoreMismatchError(
            f"The label store has schema revision {revision!r}, which this release does not know (newest: "
            f"{head}); it was upgraded by a newer release. Run that release, or restore a backup into a new store."
        )
    command.upgrade(config, "head")

"""The engine factory: SQLite by default (WAL, busy timeout), any SQLAlchemy URL otherwise; the schema upgraded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import create_engine

from labeling import tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from labeling.schema import upgrade_store

SQLITE_CACHE_KIB = 65_536  # page cache per connection, filled only as used: a million-text store's text key fits


def make_engine(url: str, busy_timeout: float = 30.0) -> Engine:
    """An engine for ``url`` with the schema at the newest revision; SQLite files get WAL and a busy timeout (s)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True)
    elif parsed.database in (None, "", ":memory:"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    else:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout})
        event.listen(engine, "connect", _sqlite_pragmas)
    upgrade_store(engine)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

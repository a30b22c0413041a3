"""Permanent store errors say what is wrong and what to do (never "try again"), and /health reports them."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError

from hloop.core.errors import StoreBrokenError, StoreBusyError
from hloop.services import Services
from hloop.ui.rest import health_router, status_of
from labeling.faults import store_error
from tests.conftest import settings_in


class _PgError(Exception):
    def __init__(self, message: str, sqlstate: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("exc", "kind", "says"),
    [
        (OperationalError("x", {}, sqlite3.OperationalError("database is locked")), StoreBusyError, "Try again"),
        (OperationalError("x", {}, _PgError("connection refused", "08006")), StoreBusyError, "Try again"),
        (
            OperationalError("x", {}, sqlite3.OperationalError("attempt to write a readonly database")),
            StoreBrokenError,
            "is read-only",
        ),
        (
            OperationalError("x", {}, sqlite3.OperationalError("database or disk is full")),
            StoreBrokenError,
            "no disk space left",
        ),
        (
            OperationalError("x", {}, sqlite3.OperationalError("no such column: label.undone_at")),
            StoreBrokenError,
            "lacks a table or column",
        ),
        (DatabaseError("x", {}, sqlite3.DatabaseError("file is not a database")), StoreBrokenError, "not a SQLite"),
        (OperationalError("x", {}, _PgError("could not extend file", "53100")), StoreBrokenError, "no disk space"),
        (
            ProgrammingError("x", {}, _PgError('column "undone_at" does not exist', "42703")),
            StoreBrokenError,
            "lacks a table or column",
        ),
        (
            ProgrammingError("x", {}, _PgError("permission denied for table label", "42501")),
            StoreBrokenError,
            "refuses this database user",
        ),
        (
            OperationalError("x", {}, _PgError("cannot execute INSERT in a read-only transaction", "25006")),
            StoreBrokenError,
            "is read-only",
        ),
    ],
)
def test_database_errors_are_sorted_into_busy_and_broken(exc, kind, says):
    error = store_error(exc, "the store")
    assert type(error) is kind and says in str(error)
    assert ("Try again" in str(error)) == (kind is StoreBusyError)
    assert status_of(error) == 503


def _health(services) -> tuple[int, dict]:
    app = FastAPI()
    app.include_router(health_router(services))
    response = TestClient(app).get("/health")
    return response.status_code, response.json()


def test_a_column_lost_under_a_running_app_is_named_and_reported_by_health(trained):
    with create_engine(trained.settings.database_url).begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_label_undone_at")
        connection.exec_driver_sql("ALTER TABLE label DROP COLUMN undone_at")
    with pytest.raises(StoreBrokenError, match="lacks a table or column") as caught:
        trained.feedback("a brand new text to label", "beta", "ana")
    assert "Try again" not in str(caught.value) and "restore a backup into a new store" in str(caught.value)
    code, body = _health(trained)
    assert code == 503 and "lacks a table or column" in body["detail"]


def test_a_full_disk_is_broken_not_busy_and_health_clears_once_writes_work(trained):
    engine = trained.project.engine
    full = {"on": True}

    def small_file(dbapi_connection, _record):  # SQLite's own limit: writes past it fail with SQLITE_FULL
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages if full['on'] else 2**30}")

    engine.dispose()
    event.listen(engine, "connect", small_file)
    texts = [f"a new text number {i} " + "word " * 400 for i in range(200)]
    with pytest.raises(StoreBrokenError, match="no disk space left") as caught:
        for text in texts:
            trained.feedback(text, "beta", "ana")
    assert "Try again" not in str(caught.value)
    assert _health(trained)[0] == 503
    full["on"] = False
    engine.dispose()
    trained.feedback("a text after space was freed", "beta", "ana")
    code, body = _health(trained)
    assert code == 200 and body["status"] == "ok"


def test_a_read_only_store_says_so(tmp_path, tiny_corpus):
    Services(settings_in(tmp_path), corpus=tiny_corpus).ensure_store()
    read_only = f"sqlite:///file:{tmp_path / 'hloop.db'}?mode=ro&uri=true"
    services = Services(settings_in(tmp_path, database_url=read_only), corpus=tiny_corpus)
    with pytest.raises(StoreBrokenError, match="is read-only") as caught:
        services.feedback("a brand new text to label", "beta", "ana")
    assert "write access" in str(caught.value) and "Try again" not in str(caught.value)


def test_a_file_that_is_not_a_database_is_refused_with_what_to_do(tmp_path, tiny_corpus):
    (tmp_path / "hloop.db").write_bytes(b"this is a text file, not SQLite\n" * 200)
    services = Services(settings_in(tmp_path), corpus=tiny_corpus)
    with pytest.raises(StoreBrokenError, match="not a SQLite database.*HLOOP_DATABASE_URL"):
        services.ensure_store()

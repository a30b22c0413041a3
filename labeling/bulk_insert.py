"""Bulk inserts, each one statement however many rows: a dataset's examples and seed labels when a project is
loaded, and imported texts (skipping those already stored). ``labeling.store`` exports them with the other store
functions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import insert
from sqlmodel import Session, select

from hloop.core.errors import InvalidInputError
from hloop.core.labels import text_key as text_hash
from labeling.tables import ORIGINS, Example, Label, utcnow


def bulk_add_examples(rows: Iterable[tuple[str, str, int | None]], *, session: Session) -> int:
    """Insert (text, origin, dataset_row) rows in one statement, for loading a dataset; returns the count."""
    now = utcnow()
    payload = [
        {"text": text, "text_hash": text_hash(text), "origin": origin, "dataset_row": row, "created_at": now}
        for text, origin, row in rows
    ]
    if payload:
        session.execute(insert(Example), payload)
    return len(payload)


def bulk_add_seed_labels(rows: Sequence[tuple[int, int]], *, session: Session) -> int:
    """Insert the seed labels: (dataset_row, label) of origin-seed examples, source ``seed``."""
    ids = dict(session.exec(select(Example.dataset_row, Example.id).where(Example.origin == "seed")).all())
    now = utcnow()
    payload = [
        {"example_id": ids[row], "label": int(lab), "annotator": "dataset", "source": "seed", "created_at": now}
        for row, lab in rows
    ]
    if payload:
        session.execute(insert(Label), payload)
    return len(payload)


def insert_new_texts(texts: Sequence[str], origin: str, *, session: Session) -> int:
    """Insert clean texts as examples of ``origin`` in one bulk statement, skipping any whose text is already
    stored (by any process, at any moment: the unique text key decides); returns how many were inserted."""
    if origin not in ORIGINS:
        raise InvalidInputError(f"Unknown origin {origin!r}; use one of {', '.join(ORIGINS)}.")
    if not texts:
        return 0
    table = Example.__table__
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "sqlite":  # the driver's own executemany: its rowcount is the sum of rows inserted
        now = str(table.c.created_at.type.bind_processor(dialect)(utcnow()))  # as sqlite3 writes it, made once
        cursor = connection.connection.driver_connection.cursor()
        cursor.executemany(
            "INSERT INTO example (text, text_hash, origin, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (text_hash) DO NOTHING",
            [(t, text_hash(t), origin, now) for t in texts],
        )
        return cursor.rowcount
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    now = utcnow()
    payload = [{"text": t, "text_hash": text_hash(t), "origin": origin, "created_at": now} for t in texts]
    stmt = pg_insert(table).on_conflict_do_nothing(index_elements=["text_hash"]).returning(table.c.id)
    # RETURNING lists exactly the rows inserted (an executemany's rowcount is not reliable on every driver)
    return len(connection.execute(stmt, payload).all())

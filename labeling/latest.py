"""The query of the label that counts for each example: its newest event that is not undone."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select

from labeling.tables import Example, Label


def _latest_label_ids(up_to_id: int | None = None):
    stmt = select(func.max(Label.id).label("id")).where(col(Label.undone_at).is_(None))
    if up_to_id is not None:
        stmt = stmt.where(Label.id <= up_to_id)
    return stmt.group_by(Label.example_id).subquery()


def latest_rows(label_column, *, origins: Sequence[str], up_to_id: int | None = None):
    """(example id, text, ``label_column``, source) of each counting label event of ``origins`` (never eval)."""
    latest = _latest_label_ids(up_to_id)
    return (
        select(Label.example_id, Example.text, label_column, Label.source)
        .join(latest, latest.c.id == Label.id)
        .join(Example, Example.id == Label.example_id)
        .where(col(Example.origin).in_([o for o in origins if o != "eval"]))
        .order_by(Label.example_id)
    )

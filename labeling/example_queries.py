"""Store functions that read many examples at once by key (for the embeddings): one query per batch, never one per
row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from labeling.tables import Example, Label

BATCH = 5000  # keys per IN (...) query: well under every database's limit on bound parameters


@dataclass(frozen=True)
class ExampleRow:
    """One example with the label that counts for it (None when it has none)."""

    example_id: int
    text: str
    origin: str
    label: int | None


def ids_of_hashes(hashes: Sequence[str], *, session: Session) -> dict[str, int]:
    """text hash -> example id, for the hashes that name a stored example."""
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(hashes))
    for start in range(0, len(unique), BATCH):
        chunk = unique[start : start + BATCH]
        stmt = select(Example.text_hash, Example.id).where(col(Example.text_hash).in_(chunk))
        found.update((h, int(i)) for h, i in session.exec(stmt).all())
    return found


def all_example_ids(*, session: Session) -> list[int]:
    """The id of every example, of every origin, ascending."""
    return [int(i) for i in session.exec(select(Example.id).order_by(Example.id)).all()]


def count_examples(*, session: Session) -> int:
    """How many examples the store holds, of every origin."""
    return int(session.exec(select(func.count()).select_from(Example)).one())


def labelled_ids(origins: Sequence[str], *, session: Session) -> list[int]:
    """Ids of the examples of ``origins`` that have a counting label (a label event not undone), ascending."""
    latest = select(func.max(Label.id).label("id")).where(col(Label.undone_at).is_(None)).group_by(Label.example_id)
    newest = latest.subquery()
    stmt = (
        select(Label.example_id)
        .join(newest, newest.c.id == Label.id)
        .join(Example, Example.id == Label.example_id)
        .where(col(Example.origin).in_(list(origins)))
        .order_by(Label.example_id)
    )
    return [int(i) for i in session.exec(stmt).all()]


def rows_with_labels(ids: Sequence[int], *, session: Session) -> list[ExampleRow]:
    """The examples with these ids (those that exist, by id) and their counting labels (the latest label event that
    is not undone)."""
    out: list[ExampleRow] = []
    unique = sorted({int(i) for i in ids})
    for start in range(0, len(unique), BATCH):
        chunk = unique[start : start + BATCH]
        latest = (
            select(func.max(Label.id).label("id"))
            .where(col(Label.undone_at).is_(None), col(Label.example_id).in_(chunk))
            .group_by(Label.example_id)
            .subquery()
        )
        counting = select(Label.example_id, Label.label).join(latest, latest.c.id == Label.id).subquery()
        stmt = (
            select(Example.id, Example.text, Example.origin, counting.c.label)
            .outerjoin(counting, counting.c.example_id == Example.id)
            .where(col(Example.id).in_(chunk))
            .order_by(Example.id)
        )
        out.extend(ExampleRow(int(i), t, o, None if lab is None else int(lab)) for i, t, o, lab in session.exec(stmt))
    return out

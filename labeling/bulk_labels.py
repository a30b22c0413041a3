"""Bulk batches: one label given to many texts at once, stored as one ``LabelBatch`` row with its query and one
label event per text (source ``bulk``, carrying the batch id), and undone as one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from hloop.core.errors import InvalidInputError, NotFoundError
from hloop.core.values import Annotator
from labeling.tables import Label, LabelBatch, utcnow


def add_batch(
    label: int, annotator: Annotator, query: str, example_ids: Sequence[int], *, session: Session
) -> LabelBatch:
    """The batch row and a ``bulk`` label event for each example (the caller has checked that each may be
    labelled); flushed, not committed."""
    if not example_ids:
        raise InvalidInputError("A bulk batch needs at least one text.")
    now = utcnow()
    batch = LabelBatch(label=int(label), annotator=annotator, query=query, size=len(example_ids), created_at=now)
    session.add(batch)
    session.flush()
    rows = [
        {"example_id": int(i), "label": int(label), "annotator": annotator, "source": "bulk", "created_at": now}
        for i in example_ids
    ]
    session.execute(insert(Label), [{**row, "batch_id": batch.id} for row in rows])
    return batch


def get_batch(batch_id: int, *, session: Session) -> LabelBatch:
    """The batch with this id; NotFoundError otherwise."""
    batch = session.get(LabelBatch, int(batch_id))
    if batch is None:
        raise NotFoundError(f"No bulk batch {batch_id}; `hloop bulk-batches` lists them.")
    return batch


def batch_example_ids(batch_id: int, *, session: Session) -> list[int]:
    """The ids of the examples the batch labelled, ascending."""
    stmt = select(Label.example_id).where(Label.batch_id == int(batch_id)).order_by(Label.example_id)
    return [int(i) for i in session.exec(stmt).all()]


def undo_batch(batch_id: int, *, session: Session) -> LabelBatch:
    """Mark the batch and each of its label events undone (kept in history): every text's label before the batch
    counts again. InvalidInputError when it was undone already. Flushed, not committed."""
    batch = get_batch(batch_id, session=session)
    if batch.undone_at is not None:
        raise InvalidInputError(f"Bulk batch {batch_id} was undone already (at {batch.undone_at:%Y-%m-%d %H:%M}).")
    now = utcnow()
    batch.undone_at = now
    session.add(batch)
    session.execute(
        update(Label).where(Label.batch_id == batch.id, col(Label.undone_at).is_(None)).values(undone_at=now)
    )
    session.flush()
    return batch


def recent_batches(limit: int, *, session: Session) -> list[LabelBatch]:
    """The newest batches first."""
    return list(session.exec(select(LabelBatch).order_by(col(LabelBatch.id).desc()).limit(int(limit))).all())

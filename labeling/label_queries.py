"""Store functions for reviewing labels: the counting label with who gave it, every live human label, and when an
annotator's first recent label was given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from labeling.latest import _latest_label_ids
from labeling.store import TRAINABLE_ORIGINS
from labeling.tables import Example, Label


@dataclass(frozen=True)
class CountingLabel:
    """The label that counts for one example, with who gave it and how."""

    example_id: int
    text: str
    label: int
    annotator: str
    source: str
    label_id: int


def counting_labels(*, session: Session, origins: Sequence[str] = TRAINABLE_ORIGINS) -> list[CountingLabel]:
    """The counting label of every labelled example of the given origins, by example id."""
    latest = _latest_label_ids()
    stmt = (
        select(Label.example_id, Example.text, Label.label, Label.annotator, Label.source, Label.id)
        .join(latest, latest.c.id == Label.id)
        .join(Example, Example.id == Label.example_id)
        .where(col(Example.origin).in_([o for o in origins if o != "eval"]))
        .order_by(Label.example_id)
    )
    return [CountingLabel(*row) for row in session.exec(stmt)]


def live_human_labels(*, session: Session, after_id: int = 0) -> list[Label]:
    """Every live (not undone) human label event with an id above ``after_id``, oldest first."""
    stmt = (
        select(Label)
        .where(Label.source != "seed", col(Label.undone_at).is_(None), Label.id > after_id)
        .order_by(col(Label.id))
    )
    return list(session.exec(stmt).all())


def review_state(*, session: Session) -> tuple[int, int]:
    """(id of the newest label event that is not a review, number of review events): what the ranking depends on."""
    newest = session.exec(select(func.max(Label.id)).where(Label.source != "review")).one() or 0
    reviews = session.exec(select(func.count()).select_from(Label).where(Label.source == "review")).one()
    return int(newest), int(reviews)


def first_label_at(annotator: str, *, session: Session, since: datetime) -> datetime | None:
    """When the annotator's first live human label at or after ``since`` (UTC) was given; None without one."""
    stmt = select(func.min(Label.created_at)).where(
        Label.annotator == annotator, Label.source != "seed", col(Label.undone_at).is_(None), Label.created_at >= since
    )
    first = session.exec(stmt).one()
    return first.replace(tzinfo=first.tzinfo or UTC) if first else None

"""Store functions: each takes the session keyword-only, does one thing and returns rows or plain values (the bulk
inserts are written in ``labeling.bulk_insert`` and exported here with the rest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from hloop.core.errors import InvalidInputError, NotFoundError
from hloop.core.labels import clean_text, text_key
from hloop.core.values import parse_annotator
from labeling.bulk_insert import bulk_add_examples, bulk_add_seed_labels, insert_new_texts  # noqa: F401 (exported)
from labeling.latest import _latest_label_ids, latest_rows
from labeling.tables import ORIGINS, SOURCES, Example, Label, Prediction, StoreInfo, utcnow

TRAINABLE_ORIGINS = ("seed", "pool", "user", "import")
QUEUE_ORIGINS = ("pool", "import")


text_hash = text_key  # the store's dedupe key


@dataclass(frozen=True)
class LatestLabel:
    """The label that counts for one example."""

    example_id: int
    text: str
    label: int
    human: bool
    bulk: bool = False  # given in bulk (one label for a search's results), weighted HLOOP_BULK_WEIGHT


def get_info(*, session: Session) -> dict[str, str]:
    """Every StoreInfo fact as a dict."""
    return {row.key: row.value for row in session.exec(select(StoreInfo))}


def set_info(values: dict[str, str], *, session: Session) -> None:
    """Write StoreInfo facts (insert or overwrite)."""
    for key, value in values.items():
        session.merge(StoreInfo(key=key, value=value))


def delete_info(keys: Sequence[str], *, session: Session) -> None:
    """Remove these StoreInfo facts (those that exist)."""
    session.execute(delete(StoreInfo).where(col(StoreInfo.key).in_(list(keys))))


def example_ids(origins: Sequence[str], *, session: Session, after_id: int = 0) -> list[int]:
    """Ids of every example of the given origins with an id above ``after_id``, ascending."""
    stmt = select(Example.id).where(col(Example.origin).in_(origins), Example.id > after_id).order_by(Example.id)
    return list(session.exec(stmt).all())


def id_bounds(origins: Sequence[str], *, session: Session) -> tuple[int, int, int]:
    """(smallest id, largest id, count) of the examples of the given origins; (1, 0, 0) when there are none."""
    stmt = select(func.min(Example.id), func.max(Example.id), func.count()).where(col(Example.origin).in_(origins))
    first, last, count = session.exec(stmt).one()
    return (int(first), int(last), int(count)) if count else (1, 0, 0)


def texts_in_id_range(origins: Sequence[str], first: int, last: int, *, session: Session) -> list[tuple[int, str]]:
    """(id, text) of the examples of the given origins with ``first <= id <= last``, by id.

    The origin is compared as an expression (``origin || ''``), so the database walks the id range in order
    instead of the origin index, whose rows then need sorting (SQLite: half the time of a pool chunk's read);
    the rows come back as plain tuples, without the ORM's result objects."""
    stmt = (
        select(Example.id, Example.text)
        .where(col(Example.origin).concat("").in_(origins), Example.id >= first, Example.id <= last)
        .order_by(Example.id)
    )
    return [tuple(row) for row in session.connection().execute(stmt)]


def find_example_by_text(text: str, *, session: Session) -> Example | None:
    """The example with exactly this (stripped) text, if any."""
    return session.exec(select(Example).where(Example.text_hash == text_hash(text))).first()


def get_example(example_id: int, *, session: Session) -> Example:
    """The example with this id; NotFoundError otherwise."""
    example = session.get(Example, int(example_id))
    if example is None:
        raise NotFoundError(f"No example with id {example_id}; take ids from the queue or the labels table.")
    return example


def add_example(text: str, origin: str, *, session: Session) -> tuple[Example, bool]:
    """The example for ``text`` and whether it was new; an exact duplicate returns the stored one."""
    if origin not in ORIGINS:
        raise InvalidInputError(f"Unknown origin {origin!r}; use one of {', '.join(ORIGINS)}.")
    cleaned = clean_text(text)
    existing = find_example_by_text(cleaned, session=session)
    if existing is not None:
        return existing, False
    example = Example(text=cleaned, text_hash=text_hash(cleaned), origin=origin)
    session.add(example)
    session.flush()
    return example, True


def add_label(
    example_id: int,
    label: int,
    annotator: str,
    source: str,
    *,
    session: Session,
    model_version: int | None = None,
    model_prediction: int | None = None,
    model_confidence: float | None = None,
) -> Label:
    """Append a label event (``label``: an index into the project's label set) for an existing example."""
    if isinstance(label, bool) or not isinstance(label, int) or label < 0:
        raise InvalidInputError(f"A stored label is a label index (0 or more), got {label!r}.")
    if source not in SOURCES:
        raise InvalidInputError(f"Unknown label source {source!r}; use one of {', '.join(SOURCES)}.")
    row = Label(
        example_id=get_example(example_id, session=session).id,
        label=label,
        annotator=parse_annotator(annotator),  # the one rule (no-op for a name already parsed at the edge)
        source=source,
        model_version=model_version,
        model_prediction=model_prediction,
        model_confidence=None if model_confidence is None else float(model_confidence),
    )
    session.add(row)
    session.flush()
    return row


def latest_labels(
    *, session: Session, origins: Sequence[str] = TRAINABLE_ORIGINS, up_to_id: int | None = None
) -> list[LatestLabel]:
    """The counting label of every labelled example of the given origins (eval is never included)."""
    rows = session.exec(latest_rows(Label.label, origins=origins, up_to_id=up_to_id))
    return [LatestLabel(eid, text, lab, src != "seed", src == "bulk") for eid, text, lab, src in rows]


def human_labelled_ids(*, session: Session) -> set[int]:
    """Ids of examples whose counting label came from a person."""
    latest = _latest_label_ids()
    stmt = select(Label.example_id).join(latest, latest.c.id == Label.id).where(Label.source != "seed")
    return set(session.exec(stmt).all())


def queue_labelled(example_id: int, *, session: Session) -> bool:
    """Whether the example already has a live label given through the queue."""
    stmt = select(Label.id).where(
        Label.example_id == example_id, Label.source == "queue", col(Label.undone_at).is_(None)
    )
    return session.exec(stmt).first() is not None


def count_human_labels(*, session: Session, after_id: int = 0) -> int:
    """Live human label events with an id above ``after_id`` (0 = all of them)."""
    stmt = (
        select(func.count())
        .select_from(Label)
        .where(Label.source != "seed", col(Label.undone_at).is_(None), Label.id > after_id)
    )
    return session.exec(stmt).one()


def human_labels_by_annotator(*, session: Session, since: datetime) -> dict[str, int]:
    """Live human label events given at or after ``since`` (UTC), counted per annotator, most first."""
    stmt = (
        select(Label.annotator, func.count())
        .where(Label.source != "seed", col(Label.undone_at).is_(None), col(Label.created_at) >= since)
        .group_by(Label.annotator)
        .order_by(func.count().desc(), Label.annotator)
    )
    return {name: int(n) for name, n in session.exec(stmt).all()}


def last_label_id(*, session: Session) -> int:
    """The id of the newest label event (0 when there is none)."""
    return session.exec(select(func.max(Label.id))).one() or 0


def undo_last(annotator: str, *, session: Session) -> Label:
    """Mark the annotator's latest live human label as undone (kept in history) and return it; labels given in
    bulk are undone with their batch (``labeling.bulk_labels.undo_batch``), not one by one."""
    stmt = (
        select(Label)
        .where(Label.annotator == annotator, col(Label.source).not_in(("seed", "bulk")), col(Label.undone_at).is_(None))
        .order_by(col(Label.id).desc())
    )
    row = session.exec(stmt).first()
    if row is None:
        raise NotFoundError(f"{annotator!r} has no label to undo.")
    row.undone_at = utcnow()
    session.add(row)
    session.flush()
    return row


def label_history(
    *, session: Session, limit: int | None = None, human_only: bool = True
) -> list[tuple[Label, Example]]:
    """Label events with their examples, newest first (undone ones included, flagged by ``undone_at``)."""
    stmt = select(Label, Example).join(Example, Example.id == Label.example_id).order_by(col(Label.id).desc())
    if human_only:
        stmt = stmt.where(Label.source != "seed")
    if limit is not None:
        stmt = stmt.limit(int(limit))
    return list(session.exec(stmt).all())


def examples_by_origin(origins: Sequence[str], *, session: Session, after_id: int = 0) -> list[tuple[int, str]]:
    """(id, text) of every example of the given origins with an id above ``after_id``, by id."""
    stmt = (
        select(Example.id, Example.text)
        .where(col(Example.origin).in_(origins), Example.id > after_id)
        .order_by(Example.id)
    )
    return list(session.exec(stmt).all())


def add_prediction(
    text: str,
    label: int,
    confidence: float,
    model_version: int,
    *,
    session: Session,
    annotator: str | None = None,
    keep: int | None = None,
) -> Prediction:
    """Log a prediction the app showed (the text must already be clean); with ``keep``, prune the log to it.

    Pruning deletes rows whose id is at least ``keep`` below the new row's: one indexed range delete, so the log
    holds at most ``keep`` rows (fewer only where ids have gaps, e.g. after rolled-back inserts).
    """
    row = Prediction(
        text=text,
        text_hash=text_hash(text),
        label=int(label),
        confidence=float(confidence),
        model_version=int(model_version),
        annotator=parse_annotator(annotator, optional=True) or None,  # refused when too long, never cut
    )
    session.add(row)
    session.flush()
    if keep is not None:
        if keep < 1:
            raise InvalidInputError(f"The prediction log must keep at least 1 row; got {keep}.")
        session.execute(delete(Prediction).where(col(Prediction.id) <= row.id - keep))
    return row


def count_predictions(*, session: Session) -> int:
    """How many predictions the log holds."""
    return session.exec(select(func.count()).select_from(Prediction)).one()


def recent_predictions(limit: int, *, session: Session) -> list[Prediction]:
    """The newest logged prediction of each text that has no human label yet, newest first.

    The human-labelled texts are a subquery, never a list of bound parameters (SQLite allows only so many).
    """
    latest = _latest_label_ids()
    labelled = (
        select(Example.text_hash)
        .join(Label, Label.example_id == Example.id)
        .join(latest, latest.c.id == Label.id)
        .where(Label.source != "seed")
    )
    stmt = (
        select(Prediction)
        .where(col(Prediction.text_hash).not_in(labelled))
        .order_by(col(Prediction.id).desc())
        .limit(int(limit) * 4)
    )
    newest: dict[str, Prediction] = {}
    for row in session.exec(stmt):
        newest.setdefault(row.text_hash, row)
    return list(newest.values())[: int(limit)]
